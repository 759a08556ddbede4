import type { RateLimiter, WindowHit } from './rate-limiter.ts';

interface Window {
  count: number;
  endsAt: number;
}

const SWEEP_EVERY_MS = 60_000;

/**
 * Counters in this process's memory: right for a single instance. Memory stays bounded:
 * ended windows are swept at most once a minute, and past `maxKeys` the oldest windows go first.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly maxKeys: number;
  private lastSweep = Date.now();

  constructor(opts: { maxKeys?: number } = {}) {
    this.maxKeys = opts.maxKeys ?? 100_000;
  }

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      // Re-inserted, so the insertion order is the order in which windows started: with keys of
      // several window lengths (minutes for requests, an hour for registrations) it only
      // approximates the order in which they end, which is all eviction needs.
      this.windows.delete(key);
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
      this.evictOverflow();
    }
    window.count += 1;
    return { count: window.count, resetMs: window.endsAt - now };
  }

  async peek(key: string): Promise<WindowHit> {
    const now = Date.now();
    const window = this.windows.get(key);
    if (!window || window.endsAt <= now) return { count: 0, resetMs: 0 };
    return { count: window.count, resetMs: window.endsAt - now };
  }

  /** Number of keys held; for tests and metrics. */
  get size(): number {
    return this.windows.size;
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, window] of this.windows) {
      if (window.endsAt <= now) this.windows.delete(key);
    }
  }

  private evictOverflow(): void {
    while (this.windows.size > this.maxKeys) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) return;
      this.windows.delete(oldest);
    }
  }
}
