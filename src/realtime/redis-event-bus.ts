import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Revocation, RevocationKind } from '../core/accounts/revocations.ts';
import {
  type AccountChangeListener,
  type EventBus,
  InProcessEventBus,
  type RevocationListener,
  type SessionEvent,
  type SessionEventListener,
} from './event-bus.ts';

export interface RedisEventBusOptions {
  /** One channel carries every session's events; instances sharing a Redis must share it. */
  channel?: string;
  /** Revoked credentials and changed accounts travel on their own channel: every instance reads all of them. */
  revocationChannel?: string;
  onError?(err: unknown): void;
  /** How long announcing a revocation or a changed account waits for Redis before giving up; 1 s by default. */
  announceTimeoutMs?: number;
}

const REVOCATION_KINDS: ReadonlySet<string> = new Set<RevocationKind>(['login', 'user', 'api_key']);
// Not a revocation: the user's role, tier or limits changed. Instances that predate it ignore it.
const ACCOUNT_CHANGED = 'account';

/**
 * Session events shared by every instance through Redis pub/sub, on one channel. Each event
 * is published once; every instance hands it to its own listeners for that session (an
 * instance with no socket on the session skips it before parsing). The publishing instance
 * delivers its own events at once, in process, and ignores their echo from Redis.
 *
 * Wire format, one message per event: `<origin> <session id>\n<JSON {event, data}>`; one
 * per revocation, on the revocation channel: `<origin> <kind> <id>`, and one per changed
 * account on the same channel: `<origin> account <user id>`.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new InProcessEventBus();
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly revocationChannel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly onError: (err: unknown) => void;
  private readonly announceTimeoutMs: number;

  private constructor(url: string, opts: RedisEventBusOptions) {
    this.channel = opts.channel ?? 'parley:session-events';
    this.revocationChannel = opts.revocationChannel ?? 'parley:revocations';
    this.onError = opts.onError ?? (() => {});
    this.announceTimeoutMs = opts.announceTimeoutMs ?? 1_000;
    // A publish while Redis is down fails at once (the event is lost across instances) instead
    // of queueing until it returns; connect() waits for the publisher, so none fails at start.
    this.publisher = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: 1 });
    // Connection trouble is retried by ioredis; it is reported, never thrown at the process.
    this.publisher.on('error', this.onError);
    this.subscriber.on('error', this.onError);
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
      else if (channel === this.revocationChannel) this.receiveRevocation(message);
    });
  }

  /** Connects both connections and resolves once events from other instances are being received. */
  static async connect(url: string, opts: RedisEventBusOptions = {}): Promise<RedisEventBus> {
    const bus = new RedisEventBus(url, opts);
    try {
      await Promise.all([bus.subscriber.subscribe(bus.channel, bus.revocationChannel), bus.publisher.connect()]);
    } catch (err) {
      bus.publisher.disconnect();
      bus.subscriber.disconnect();
      throw err;
    }
    return bus;
  }

  publish(event: SessionEvent): void {
    this.local.deliver(event);
    const message = `${this.origin} ${event.sessionId}\n${JSON.stringify({ event: event.event, data: event.data })}`;
    // Events are best effort across instances: a Redis outage must not fail the change itself.
    this.publisher.publish(this.channel, message).catch(this.onError);
  }

  subscribe(sessionId: string, listener: SessionEventListener): () => void {
    return this.local.subscribe(sessionId, listener);
  }

  publishRevocation(revocation: Revocation): Promise<void> {
    this.local.deliverRevocation(revocation);
    return this.announce(`${this.origin} ${revocation.kind} ${revocation.id}`);
  }

  onRevocation(listener: RevocationListener): () => void {
    return this.local.onRevocation(listener);
  }

  publishAccountChange(userId: string): Promise<void> {
    this.local.deliverAccountChange(userId);
    return this.announce(`${this.origin} ${ACCOUNT_CHANGED} ${userId}`);
  }

  onAccountChange(listener: AccountChangeListener): () => void {
    return this.local.onAccountChange(listener);
  }

  async close(): Promise<void> {
    await Promise.all([
      this.subscriber.quit().catch(() => this.subscriber.disconnect()),
      this.publisher.quit().catch(() => this.publisher.disconnect()),
    ]);
    await this.local.close();
  }

  private receive(message: string): void {
    const space = message.indexOf(' ');
    const newline = message.indexOf('\n');
    if (space < 0 || newline < space) return;
    if (message.slice(0, space) === this.origin) return;
    const sessionId = message.slice(space + 1, newline);
    if (!this.local.has(sessionId)) return;
    try {
      const { event, data } = JSON.parse(message.slice(newline + 1)) as Pick<SessionEvent, 'event' | 'data'>;
      this.local.deliver({ sessionId, event, data });
    } catch (err) {
      this.onError(err);
    }
  }

  /**
   * Publishes on the revocation channel and waits until Redis has taken the message (it has then
   * been written to every subscribed instance), so that the change's reply, sent after, does not
   * overtake it. Best effort like events: the change is already committed, other instances'
   * credential caches expire within seconds, and a Redis outage must not fail the change; a
   * Redis that does not answer is waited for a second at most.
   */
  private async announce(message: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.announceTimeoutMs);
    });
    const published = this.publisher.publish(this.revocationChannel, message).then(
      () => {},
      (err: unknown) => this.onError(err),
    );
    await Promise.race([published, givenUp]);
    clearTimeout(timer);
  }

  private receiveRevocation(message: string): void {
    const [origin, kind, id] = message.split(' ');
    if (origin === this.origin || !id) return;
    if (kind === ACCOUNT_CHANGED) this.local.deliverAccountChange(id);
    else if (REVOCATION_KINDS.has(kind)) this.local.deliverRevocation({ kind: kind as RevocationKind, id });
  }
}
