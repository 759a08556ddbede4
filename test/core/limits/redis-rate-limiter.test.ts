import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisRateLimiter } from '../../../src/core/limits/redis-rate-limiter.ts';

describe('RedisRateLimiter', () => {
  it('counts one window per key across limiter instances', { skip: !process.env.REDIS_URL && 'needs REDIS_URL' }, async () => {
    const url = process.env.REDIS_URL as string;
    const prefix = `parley:test:${randomUUID()}:`;
    const a = new RedisRateLimiter(url, { prefix });
    const b = new RedisRateLimiter(url, { prefix });
    try {
      const first = await a.hit('k', 60_000);
      const second = await b.hit('k', 60_000);
      const other = await b.hit('other', 60_000);
      assert.equal(first.count, 1);
      assert.equal(second.count, 2);
      assert.equal(other.count, 1);
      assert.ok(second.resetMs > 0 && second.resetMs <= 60_000, String(second.resetMs));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('fails instead of waiting when Redis cannot be reached', async () => {
    // Port 1 on the loopback interface: refused at once, no network involved.
    const limiter = new RedisRateLimiter('redis://127.0.0.1:1');
    try {
      await assert.rejects(limiter.hit('k', 60_000));
    } finally {
      await limiter.close();
    }
  });
});
