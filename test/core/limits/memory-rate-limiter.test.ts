import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { MemoryRateLimiter } from '../../../src/core/limits/memory-rate-limiter.ts';
import { secondsUntilUtcMidnight } from '../../../src/core/limits/budgets.ts';

describe('MemoryRateLimiter', () => {
  it('counts hits per key within a window', async () => {
    const limiter = new MemoryRateLimiter();
    const first = await limiter.hit('a', 60_000);
    const second = await limiter.hit('a', 60_000);
    const other = await limiter.hit('b', 60_000);
    assert.equal(first.count, 1);
    assert.equal(second.count, 2);
    assert.equal(other.count, 1);
    assert.ok(second.resetMs > 59_000 && second.resetMs <= 60_000);
  });

  it('starts a new count once the window has ended', async () => {
    const limiter = new MemoryRateLimiter();
    await limiter.hit('a', 5);
    await limiter.hit('a', 5);
    await sleep(20);
    assert.equal((await limiter.hit('a', 5)).count, 1);
  });

  it('peeks at a window without counting, and sees none once it has ended', async () => {
    const limiter = new MemoryRateLimiter();
    assert.deepEqual(await limiter.peek('a'), { count: 0, resetMs: 0 });
    await limiter.hit('a', 60_000);
    await limiter.hit('a', 60_000);
    const seen = await limiter.peek('a');
    assert.equal(seen.count, 2);
    assert.ok(seen.resetMs > 59_000 && seen.resetMs <= 60_000);
    assert.equal((await limiter.peek('a')).count, 2, 'peeking does not count');
    assert.equal((await limiter.hit('a', 60_000)).count, 3);
    await limiter.hit('short', 5);
    await sleep(20);
    assert.deepEqual(await limiter.peek('short'), { count: 0, resetMs: 0 });
  });

  it('holds at most maxKeys windows, dropping the oldest first', async () => {
    const limiter = new MemoryRateLimiter({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await limiter.hit(key, 60_000);
    assert.equal(limiter.size, 3);
    // `a` was dropped, so it starts again; `d` is still counted.
    assert.equal((await limiter.hit('d', 60_000)).count, 2);
    assert.equal((await limiter.hit('a', 60_000)).count, 1);
  });
});

describe('secondsUntilUtcMidnight', () => {
  it('counts the seconds left in the UTC day', () => {
    assert.equal(secondsUntilUtcMidnight(Date.parse('2025-03-01T23:59:30Z')), 30);
    assert.equal(secondsUntilUtcMidnight(Date.parse('2025-03-01T00:00:00Z')), 86_400);
    assert.equal(secondsUntilUtcMidnight(Date.parse('2025-03-01T12:00:00.500Z')), 43_200);
  });
});
