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
      // Until connected, hits are counted in memory.
      await Promise.all([a.waitUntilReady(5_000), b.waitUntilReady(5_000)]);
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

  it('peeks at a window without counting', { skip: !process.env.REDIS_URL && 'needs REDIS_URL' }, async () => {
    const limiter = new RedisRateLimiter(process.env.REDIS_URL as string, { prefix: `parley:test:${randomUUID()}:` });
    try {
      await limiter.waitUntilReady(5_000);
      assert.deepEqual(await limiter.peek('k'), { count: 0, resetMs: 0 });
      await limiter.hit('k', 60_000);
      await limiter.hit('k', 60_000);
      const seen = await limiter.peek('k');
      assert.equal(seen.count, 2);
      assert.ok(seen.resetMs > 0 && seen.resetMs <= 60_000, String(seen.resetMs));
      assert.equal((await limiter.peek('k')).count, 2, 'peeking does not count');
      assert.equal((await limiter.hit('k', 60_000)).count, 3);
    } finally {
      await limiter.close();
    }
  });

  it('counts in memory, without waiting, when Redis cannot be reached, and reports it once', async () => {
    const reports: boolean[] = [];
    // Port 1 on the loopback interface: refused at once, no network involved.
    const limiter = new RedisRateLimiter('redis://127.0.0.1:1', { onAvailabilityChange: (available) => reports.push(available) });
    try {
      await assert.rejects(limiter.waitUntilReady(300));
      assert.deepEqual([(await limiter.hit('k', 60_000)).count, (await limiter.hit('k', 60_000)).count], [1, 2]);
      assert.equal((await limiter.peek('k')).count, 2);
      await assert.rejects(limiter.ping());
      assert.deepEqual(reports, [false]);
    } finally {
      await limiter.close();
    }
  });
});
