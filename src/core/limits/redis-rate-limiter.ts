import { Redis } from 'ioredis';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import type { RateLimiter, WindowHit } from './rate-limiter.ts';

// Counting and setting the expiry in one script keeps the window atomic across instances:
// no key can be left without an expiry by a crash between two commands.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

// Read in one script too, so the count and the time left belong to the same window.
const PEEK_SCRIPT = `
local count = redis.call('GET', KEYS[1])
if not count then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return {0, 0} end
return {tonumber(count), ttl}
`;

interface WithHitCommand {
  parleyRateHit(key: string, windowMs: string): Promise<[number, number]>;
  parleyRatePeek(key: string): Promise<[number, number]>;
}

export interface RedisRateLimiterOptions {
  prefix?: string;
  /**
   * Told when Redis stops answering (once per outage, with the error) and when it answers
   * again; while it is down, hits are counted in this process's memory.
   */
  onAvailabilityChange?(available: boolean, err?: unknown): void;
}

/**
 * Counters in Redis, so that every instance sharing it enforces one limit per key. While Redis
 * is unreachable, each instance counts in its own memory (the same limit per instance, so the
 * limits stay enforced, if looser across several instances); Redis takes over again when it
 * returns (ioredis reconnects on its own).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly fallback = new MemoryRateLimiter();
  private readonly onAvailabilityChange: (available: boolean, err?: unknown) => void;
  /** What was last reported: nothing yet, or whether Redis answers. */
  private reported: boolean | undefined;
  private closing = false;

  constructor(url: string, opts: RedisRateLimiterOptions = {}) {
    this.prefix = opts.prefix ?? 'parley:rl:';
    this.onAvailabilityChange = opts.onAvailabilityChange ?? (() => {});
    this.redis = new Redis(url, {
      // A limiter must answer fast or not at all: with no offline queue, a command issued while
      // the connection is down fails at once (and the hit is counted in memory) instead of
      // waiting for a reconnection; one in flight when it drops is retried once.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1_000,
    });
    this.redis.on('ready', () => this.markAvailable());
    // ioredis reports each failed reconnection; only the first of an outage is passed on.
    this.redis.on('error', (err) => this.markUnavailable(err));
    this.redis.on('close', () => this.markUnavailable(new Error('connection to Redis closed')));
    this.redis.defineCommand('parleyRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis.defineCommand('parleyRatePeek', { numberOfKeys: 1, lua: PEEK_SCRIPT });
  }

  /** Resolves once the connection is ready; start-up waits for it so the first requests count in Redis. */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error('Redis did not become ready in time'));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  /** Throws unless Redis answers now (for readiness checks; never waits for a reconnection). */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    if (this.redis.status !== 'ready') return this.fallback.hit(key, windowMs);
    try {
      const redis = this.redis as unknown as WithHitCommand;
      const [count, ttl] = await redis.parleyRateHit(this.prefix + key, String(windowMs));
      return { count: Number(count), resetMs: Number(ttl) };
    } catch (err) {
      this.markUnavailable(err);
      return this.fallback.hit(key, windowMs);
    }
  }

  async peek(key: string): Promise<WindowHit> {
    if (this.redis.status !== 'ready') return this.fallback.peek(key);
    try {
      const redis = this.redis as unknown as WithHitCommand;
      const [count, ttl] = await redis.parleyRatePeek(this.prefix + key);
      return { count: Number(count), resetMs: Number(ttl) };
    } catch (err) {
      this.markUnavailable(err);
      return this.fallback.peek(key);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
    await this.fallback.close();
  }

  private markAvailable(): void {
    // The first connection is not news; a return after a reported outage is.
    if (this.reported === false) this.onAvailabilityChange(true);
    this.reported = true;
  }

  private markUnavailable(err: unknown): void {
    if (this.closing || this.reported === false) return;
    // A command that failed on a healthy connection (a timeout) is not an outage.
    if (this.redis.status === 'ready') return;
    this.reported = false;
    this.onAvailabilityChange(false, err);
  }
}
