import { and, eq, lt, notInArray, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { messages } from '../../db/schema.ts';

export interface RecoveryOptions {
  /**
   * Only replies whose heartbeat (`updated_at`, by the database's clock) is older than this
   * many seconds; unset marks every `streaming` reply, right only when no other process can
   * be streaming (the embedded database, at start-up).
   */
  staleSeconds?: number;
  /**
   * With `staleSeconds`: replies recorded as run by this instance id are cut whatever their
   * age. Only at start-up, when the process with this id is known to be gone (it is us).
   */
  instanceId?: string;
  /** Replies this process is streaming itself, never touched whatever their age. */
  exclude?: string[];
}

/**
 * Replies left `streaming` by a process that died mid-turn can never finish: they are
 * marked `incomplete`, keeping what was saved of them.
 */
export async function recoverInterruptedTurns(db: Db, opts: RecoveryOptions = {}): Promise<number> {
  const filters: SQL[] = [eq(messages.status, 'streaming')];
  if (opts.staleSeconds !== undefined) {
    const stale = lt(messages.updatedAt, sql`now() - ${opts.staleSeconds}::double precision * interval '1 second'`);
    // A null instance id (a reply from before ids were recorded) is another instance's.
    filters.push(opts.instanceId === undefined ? stale : (or(stale, eq(messages.instanceId, opts.instanceId)) as SQL));
  }
  if (opts.exclude?.length) filters.push(notInArray(messages.id, opts.exclude));
  const rows = await db
    .update(messages)
    .set({
      status: 'incomplete',
      metadata: sql`${messages.metadata} || '{"stop_reason":"interrupted"}'::jsonb`,
      updatedAt: new Date(),
    })
    .where(and(...filters))
    .returning({ id: messages.id });
  return rows.length;
}

/**
 * Runs recovery every half staleness period, for turns of other instances (sharing
 * PostgreSQL) that died after this one started. Stop it before closing the database.
 */
export function scheduleTurnRecovery(opts: { db: Db; staleSeconds: number; liveIds: () => string[] }): { stop(): void } {
  let running = false;
  const timer = setInterval(
    async () => {
      if (running) return;
      running = true;
      try {
        await recoverInterruptedTurns(opts.db, { staleSeconds: opts.staleSeconds, exclude: opts.liveIds() });
      } catch {
        // The database may be briefly unreachable; the next run retries.
      } finally {
        running = false;
      }
    },
    Math.max(250, (opts.staleSeconds * 1000) / 2),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** How often a live turn beats: several beats fit in one staleness period. */
export const heartbeatIntervalMs = (staleSeconds: number) => Math.max(250, (staleSeconds * 1000) / 4);
