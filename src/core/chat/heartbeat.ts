import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { messages } from '../../db/schema.ts';

/**
 * Refreshes `updated_at` of the replies this process is streaming, so that recovery on any
 * instance sharing the database can tell a live turn from one whose process died. One
 * timer and one statement per beat for all of this process's turns, off the token path.
 */
export class TurnHeartbeat {
  private readonly db: Db;
  private readonly intervalMs: number;
  private readonly ids = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private beating = false;

  constructor(opts: { db: Db; intervalMs: number }) {
    this.db = opts.db;
    this.intervalMs = opts.intervalMs;
  }

  add(messageId: string): void {
    this.ids.add(messageId);
    if (!this.timer) {
      this.timer = setInterval(() => void this.beat(), this.intervalMs);
      this.timer.unref();
    }
  }

  delete(messageId: string): void {
    this.ids.delete(messageId);
    if (this.ids.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** The assistant messages this process is streaming now. */
  get live(): string[] {
    return [...this.ids];
  }

  private async beat(): Promise<void> {
    if (this.beating || this.ids.size === 0) return;
    this.beating = true;
    try {
      // The database's clock, not this machine's: instances compare beats against one clock.
      await this.db
        .update(messages)
        .set({ updatedAt: sql`now()` })
        .where(and(inArray(messages.id, [...this.ids]), eq(messages.status, 'streaming')));
    } catch {
      // A missed beat is harmless unless several are missed in a row; the next one retries.
    } finally {
      this.beating = false;
    }
  }
}
