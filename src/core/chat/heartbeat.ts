import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { messages } from '../../db/schema.ts';

/** What a live reply has generated so far; it only ever grows. */
export interface ReplyText {
  readonly text: string;
}

const NO_TEXT: ReplyText = { text: '' };

interface Tracked {
  source: ReplyText;
  /** Length of the text the database holds for this reply (by this process's beats). */
  saved: number;
}

/**
 * Keeps the replies this process is streaming fresh in the database, in one statement per
 * beat for all of them:
 * - `updated_at` is refreshed, so recovery on any instance sharing the database can tell a
 *   live turn from one whose process died;
 * - the text each reply has generated since the last beat is saved, so a crash loses at most
 *   one save period of it.
 * One timer for the whole process, off the token path: a token only appends to its turn's text.
 */
export class TurnHeartbeat {
  private readonly db: Db;
  private readonly intervalMs: number;
  private readonly saveMs: number;
  private readonly tracked = new Map<string, Tracked>();
  private readonly statement;
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  private lastBeat = 0;

  /**
   * @param intervalMs how often live replies are refreshed when their text has not grown
   * @param saveMs how often grown text is saved (and live replies refreshed with it)
   */
  constructor(opts: { db: Db; intervalMs: number; saveMs?: number }) {
    this.db = opts.db;
    this.intervalMs = opts.intervalMs;
    this.saveMs = Math.min(opts.saveMs ?? 1000, opts.intervalMs);
    // Ids and texts travel as two array parameters, so the statement's shape is the same for
    // any number of replies: built once, parsed once per connection. A null text keeps the
    // stored one. `status = 'streaming'` is re-checked on the row's latest version when a
    // final write got there first (read committed), so a beat never overwrites a finished reply.
    this.statement = this.db
      .update(messages)
      .set({ content: sql`coalesce(beat.content, ${messages.content})`, updatedAt: sql`now()` })
      .from(sql`unnest(${sql.placeholder('ids')}::uuid[], ${sql.placeholder('texts')}::text[]) as beat(id, content)`)
      .where(and(eq(messages.id, sql`beat.id`), eq(messages.status, 'streaming')))
      .prepare('turn_heartbeat');
  }

  /** Starts beating for a reply; `source.text` is what it has generated so far (none: only kept fresh). */
  add(messageId: string, source: ReplyText = NO_TEXT): void {
    this.tracked.set(messageId, { source, saved: source.text.length });
    if (!this.timer) {
      // A new reply was just written by its turn's start: the first refresh is due a period on.
      this.lastBeat = performance.now();
      this.timer = setInterval(() => void this.tick(), this.saveMs);
      this.timer.unref();
    }
  }

  /** Stops beating for a reply (its final write is its own). */
  delete(messageId: string): void {
    this.tracked.delete(messageId);
    if (this.tracked.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** The assistant messages this process is streaming now. */
  get live(): string[] {
    return [...this.tracked.keys()];
  }

  private async tick(): Promise<void> {
    if (this.beating || this.tracked.size === 0) return;
    const due = performance.now() - this.lastBeat >= this.intervalMs - this.saveMs / 2;
    if (!due && !this.hasUnsaved()) return;
    await this.beat();
  }

  private hasUnsaved(): boolean {
    for (const t of this.tracked.values()) if (t.source.text.length > t.saved) return true;
    return false;
  }

  /** One statement for every live reply; resolves once it is done (or failed). */
  async beat(): Promise<void> {
    if (this.beating || this.tracked.size === 0) return;
    this.beating = true;
    this.lastBeat = performance.now();
    const ids: string[] = [];
    const texts: (string | null)[] = [];
    const grown: [Tracked, number][] = [];
    for (const [id, t] of this.tracked) {
      const text = t.source.text;
      ids.push(id);
      if (text.length > t.saved) {
        texts.push(text);
        grown.push([t, text.length]);
      } else {
        texts.push(null);
      }
    }
    try {
      // The database's clock, not this machine's: instances compare beats against one clock.
      await this.statement.execute({ ids, texts });
      for (const [t, length] of grown) t.saved = length;
    } catch {
      // A missed beat is harmless unless several are missed in a row; the next one retries
      // (the text counts as unsaved until a beat succeeds).
    } finally {
      this.beating = false;
    }
  }
}
