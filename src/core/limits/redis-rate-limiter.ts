import { Redis } from 'ioredis';
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

interface WithHitCommand {
  parleyRateHit(key: string, windowMs: string): Promise<[number, number]>;
}

/** Counters in Redis, so that every instance sharing it enforces one limit per key. */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(url: string, opts: { prefix?: string } = {}) {
    this.prefix = opts.prefix ?? 'parley:rl:';
    this.redis = new Redis(url, {
      // A limiter must answer fast or not at all: callers fail open on an error.
      maxRetriesPerRequest: 1,
      commandTimeout: 1_000,
    });
    // Connection trouble shows up as failed commands, which callers log per request.
    this.redis.on('error', () => {});
    this.redis.defineCommand('parleyRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  }

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    const redis = this.redis as unknown as WithHitCommand;
    const [count, ttl] = await redis.parleyRateHit(this.prefix + key, String(windowMs));
    return { count: Number(count), resetMs: Number(ttl) };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
