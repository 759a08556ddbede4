/** One counted hit: how many hits the key has in its current window, and when that window ends. */
export interface WindowHit {
  count: number;
  resetMs: number;
}

/**
 * Fixed-window hit counters shared by everything that limits a rate. The window of a key
 * starts at its first hit and lasts `windowMs`; the count restarts in the next window.
 */
export interface RateLimiter {
  hit(key: string, windowMs: number): Promise<WindowHit>;
  /** The key's current window without counting a hit: `{ count: 0, resetMs: 0 }` when it has none. */
  peek(key: string): Promise<WindowHit>;
  close(): Promise<void>;
}
