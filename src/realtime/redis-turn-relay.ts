import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { LiveTurn, TurnEvent, TurnFeed } from '../core/chat/live-turn.ts';
import type { TurnRelay, TurnRelayHooks } from '../core/chat/turn-relay.ts';
import type { Message } from '../core/conversations/messages-service.ts';
import { errors } from '../core/errors.ts';

export interface RedisTurnRelayOptions {
  /** Key and channel prefix shared by the instances (REDIS_KEY_PREFIX). */
  prefix: string;
  onError?(err: unknown): void;
  /** How long a live turn's log outlives its last write (an instance that died mid-turn leaves one behind). */
  liveTtlMs?: number;
  /** How long a finished turn's log stays readable, for clients re-attaching just after its end. */
  endedTtlMs?: number;
  /** A follower that heard nothing for this long checks whether the turn's reply is still being written. */
  idleCheckMs?: number;
  /** How long a stop waits for the instance running the turn to answer. */
  stopTimeoutMs?: number;
  /** Events kept per turn (approximately): the log is bounded. */
  maxEvents?: number;
  /** Events are written in batches at most this far apart (a turn's last event at once). */
  flushMs?: number;
}

const terminal = (event: TurnEvent) => event.type === 'done' || event.type === 'error';

/**
 * Turns shared by every instance through Redis. Each live turn's events are appended, in
 * batches, to a Redis stream of their own conversation (`<prefix>turn:<conversation id>`,
 * entry ids `0-<seq>`, so a client's Last-Event-ID is where to read from); a follower on any
 * instance reads them with blocking XREAD, one read per batch, never polling. Stops travel on a
 * pub/sub channel to the instance running the turn, which answers once the reply is saved.
 */
export class RedisTurnRelay implements TurnRelay {
  private readonly origin = randomUUID();
  private readonly writer: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly opts: Required<Omit<RedisTurnRelayOptions, 'onError'>> & Pick<RedisTurnRelayOptions, 'onError'>;
  private readonly pendingStops = new Map<string, (stopped: boolean) => void>();
  private readonly readers = new Set<Redis>();
  private hooks: TurnRelayHooks | undefined;

  private constructor(url: string, opts: RedisTurnRelayOptions) {
    this.opts = {
      liveTtlMs: 30 * 60_000,
      endedTtlMs: 5 * 60_000,
      idleCheckMs: 5_000,
      stopTimeoutMs: 5_000,
      maxEvents: 50_000,
      flushMs: 10,
      ...opts,
    };
    this.channel = `${opts.prefix}turn-control`;
    this.writer = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: 1 });
    this.writer.on('error', this.reportError);
    this.subscriber.on('error', this.reportError);
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
  }

  static async connect(url: string, opts: RedisTurnRelayOptions): Promise<RedisTurnRelay> {
    const relay = new RedisTurnRelay(url, opts);
    try {
      await Promise.all([relay.subscriber.subscribe(relay.channel), relay.writer.connect()]);
    } catch (err) {
      relay.writer.disconnect();
      relay.subscriber.disconnect();
      throw err;
    }
    return relay;
  }

  bind(hooks: TurnRelayHooks): void {
    this.hooks = hooks;
  }

  publish(turn: LiveTurn): void {
    const key = this.key(turn.conversationId);
    let turnId = '';
    let buffer: TurnEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const batch = buffer;
      buffer = [];
      const pipeline = this.writer.pipeline();
      for (const event of batch) {
        // A conversation's log holds its latest turn only.
        if (event.seq === 1) pipeline.del(key);
        pipeline.xadd(key, 'MAXLEN', '~', this.opts.maxEvents, `0-${event.seq}`, 't', turnId, 'e', JSON.stringify(event));
      }
      pipeline.pexpire(key, batch.some(terminal) ? this.opts.endedTtlMs : this.opts.liveTtlMs);
      // Best effort: a Redis outage leaves followers on other instances to the stored reply.
      pipeline
        .exec()
        .then((results) => {
          const failed = results?.find(([err]) => err);
          if (failed) this.reportError(failed[0]);
        })
        .catch(this.reportError);
    };
    turn.onEvent((event) => {
      if (event.type === 'start') turnId = event.assistantMessage.id;
      buffer.push(event);
      // The first event at once: a follower finds the turn as soon as its messages are stored.
      if (event.type === 'start' || terminal(event)) {
        clearTimeout(timer);
        flush();
      } else {
        timer ??= setTimeout(flush, this.opts.flushMs);
      }
    });
  }

  async follow(conversationId: string): Promise<TurnFeed | undefined> {
    const key = this.key(conversationId);
    let first: [string, string[]] | undefined;
    let last: [string, string[]] | undefined;
    try {
      [[first], [last]] = await Promise.all([this.writer.xrange(key, '0-1', '0-1'), this.writer.xrevrange(key, '+', '-', 'COUNT', 1)]);
    } catch (err) {
      // Redis is away: the client gets the stored reply, as partial as it is.
      this.reportError(err);
      return undefined;
    }
    if (!first || !last) return undefined;
    const turnId = field(first[1], 't');
    // A turn that has ended is the stored reply's business: only live turns are followed.
    if (!turnId || terminal(JSON.parse(field(last[1], 'e') ?? 'null') as TurnEvent)) return undefined;
    return { subscribe: (afterSeq = 0, signal?: AbortSignal) => this.read(key, turnId, afterSeq, signal) };
  }

  async requestStop(conversationId: string): Promise<boolean> {
    const id = randomUUID();
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), this.opts.stopTimeoutMs);
      const settle = (stopped: boolean) => {
        clearTimeout(timer);
        this.pendingStops.delete(id);
        resolve(stopped);
      };
      this.pendingStops.set(id, settle);
    });
    try {
      await this.writer.publish(this.channel, `stop ${id} ${this.origin} ${conversationId}`);
    } catch (err) {
      this.pendingStops.get(id)?.(false);
      this.reportError(err);
      throw errors.unavailable('The instance running the reply cannot be reached (Redis is unavailable); try again');
    }
    return answered;
  }

  async close(): Promise<void> {
    for (const settle of this.pendingStops.values()) settle(false);
    for (const reader of this.readers) reader.disconnect();
    await Promise.all([
      this.subscriber.quit().catch(() => this.subscriber.disconnect()),
      this.writer.quit().catch(() => this.writer.disconnect()),
    ]);
  }

  private key(conversationId: string): string {
    return `${this.opts.prefix}turn:${conversationId}`;
  }

  /**
   * The turn's events after `afterSeq` until its last, each batch in one blocking read on a
   * connection of the follower's own (a blocked connection serves nobody else).
   */
  private async *read(key: string, turnId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<TurnEvent> {
    const reader = this.writer.duplicate({ lazyConnect: false, enableOfflineQueue: true });
    reader.on('error', () => {});
    this.readers.add(reader);
    const abort = () => reader.disconnect();
    signal?.addEventListener('abort', abort, { once: true });
    let seq = afterSeq;
    try {
      while (!signal?.aborted) {
        let result: [string, [string, string[]][]][] | null;
        try {
          result = (await reader.xread('COUNT', 1000, 'BLOCK', this.opts.idleCheckMs, 'STREAMS', key, `0-${seq}`)) as typeof result;
        } catch (err) {
          if (signal?.aborted) return;
          throw err;
        }
        if (!result) {
          // Nothing for a while: a turn whose instance died never writes its end; the stored reply tells.
          const end = await this.endOfSilentTurn(turnId, seq);
          if (end) {
            yield end;
            return;
          }
          continue;
        }
        for (const [, fields] of result[0][1]) {
          // A later turn of the conversation replaced the log: this one is over.
          if (field(fields, 't') !== turnId) return;
          const event = JSON.parse(field(fields, 'e') ?? 'null', reviveDates) as TurnEvent;
          seq = event.seq;
          yield event;
          if (terminal(event)) return;
        }
      }
    } finally {
      signal?.removeEventListener('abort', abort);
      this.readers.delete(reader);
      reader.disconnect();
    }
  }

  /** The end of a followed turn whose reply is no longer being written, from the stored reply. */
  private async endOfSilentTurn(turnId: string, seq: number): Promise<TurnEvent | undefined> {
    const message = await this.hooks?.reply(turnId);
    if (!message || message.status === 'streaming') return undefined;
    const usage = {
      promptTokens: message.promptTokens,
      completionTokens: message.completionTokens,
      totalTokens: message.promptTokens + message.completionTokens,
      estimated: false,
    };
    if (message.status === 'error') {
      const detail = typeof message.metadata.error === 'string' ? message.metadata.error : 'The reply failed';
      return { type: 'error', seq: seq + 1, message, usage, costUsd: message.costUsd, status: 502, detail, afterTokens: message.content.length > 0 };
    }
    return { type: 'done', seq: seq + 1, message, usage, costUsd: message.costUsd };
  }

  private receive(message: string): void {
    const [kind, id, origin, conversationId] = message.split(' ');
    if (kind === 'stopped' && origin === this.origin) {
      this.pendingStops.get(id)?.(true);
    } else if (kind === 'stop' && conversationId && this.hooks) {
      // Only the instance running the turn answers; the others have nothing to say.
      this.hooks
        .stop(conversationId)
        .then((stopped) => (stopped ? this.writer.publish(this.channel, `stopped ${id} ${origin}`) : undefined))
        .catch(this.reportError);
    }
  }

  private readonly reportError = (err: unknown) => this.opts.onError?.(err);
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

const DATE_FIELDS: ReadonlySet<string> = new Set<keyof Message>(['createdAt', 'updatedAt', 'deletedAt']);
function reviveDates(key: string, value: unknown): unknown {
  return DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value;
}
