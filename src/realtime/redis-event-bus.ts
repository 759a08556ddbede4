import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type EventBus, InProcessEventBus, type SessionEvent, type SessionEventListener } from './event-bus.ts';

export interface RedisEventBusOptions {
  /** One channel carries every session's events; instances sharing a Redis must share it. */
  channel?: string;
  onError?(err: unknown): void;
}

/**
 * Session events shared by every instance through Redis pub/sub, on one channel. Each event
 * is published once; every instance hands it to its own listeners for that session (an
 * instance with no socket on the session skips it before parsing). The publishing instance
 * delivers its own events at once, in process, and ignores their echo from Redis.
 *
 * Wire format, one message per event: `<origin> <session id>\n<JSON {event, data}>`.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new InProcessEventBus();
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly onError: (err: unknown) => void;

  private constructor(url: string, opts: RedisEventBusOptions) {
    this.channel = opts.channel ?? 'parley:session-events';
    this.onError = opts.onError ?? (() => {});
    this.publisher = new Redis(url);
    this.subscriber = new Redis(url);
    // Connection trouble is retried by ioredis; it is reported, never thrown at the process.
    this.publisher.on('error', this.onError);
    this.subscriber.on('error', this.onError);
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
  }

  /** Connects both connections and resolves once events from other instances are being received. */
  static async connect(url: string, opts: RedisEventBusOptions = {}): Promise<RedisEventBus> {
    const bus = new RedisEventBus(url, opts);
    try {
      await bus.subscriber.subscribe(bus.channel);
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
}
