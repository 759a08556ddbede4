import type { ConversationsService } from '../conversations/conversations-service.ts';

export type PurgeResult = Awaited<ReturnType<ConversationsService['purge']>>;

export interface PurgeJobOptions {
  conversations: Pick<ConversationsService, 'purge'>;
  /** Soft-deleted rows older than this are removed for good; until then an admin can restore them. */
  retentionDays: number;
  intervalMs: number;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

const DAY_MS = 86_400_000;
// Node timers overflow past this (about 24.8 days) and would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Purges soft-deleted conversations, messages and files past the retention period: once at
 * start (a server restarted more often than the interval would otherwise never purge), then
 * on every interval. Runs never overlap; with several instances each purges, harmlessly.
 */
export class PurgeJob {
  private readonly opts: PurgeJobOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult> | undefined;

  constructor(opts: PurgeJobOptions) {
    this.opts = opts;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runQuietly(), Math.min(this.opts.intervalMs, MAX_TIMER_MS));
    this.timer.unref();
    setImmediate(() => void this.runQuietly());
  }

  /** Purges now (or joins the run in progress) and tells what was removed. */
  runNow(): Promise<PurgeResult> {
    this.running ??= this.purge().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the schedule and waits for a run in progress, so the database can close after it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  private async purge(): Promise<PurgeResult> {
    const before = new Date(Date.now() - this.opts.retentionDays * DAY_MS);
    const result = await this.opts.conversations.purge(before);
    if (result.conversations + result.messages + result.files > 0) this.opts.log.info({ ...result, before }, 'purged deleted data');
    return result;
  }

  private async runQuietly(): Promise<void> {
    if (!this.timer) return;
    try {
      await this.runNow();
    } catch (err) {
      // The database may be briefly unreachable; the next run retries.
      this.opts.log.error({ err }, 'purge of deleted data failed');
    }
  }
}
