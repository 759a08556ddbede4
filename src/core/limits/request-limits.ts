import type { Tier } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import { errors } from '../errors.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** Where a caller stands against its limit, as the X-RateLimit-* headers tell it. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Seconds until the current window ends and the count starts again. */
  resetSeconds: number;
}

const MINUTE_MS = 60_000;

/** Requests per minute by tier: a signed-in user is counted by account, an anonymous visitor by address. */
export class RequestLimits {
  private readonly deps: { limiter: RateLimiter; perMinute: Record<Tier, number> };
  constructor(deps: { limiter: RateLimiter; perMinute: Record<Tier, number> }) {
    this.deps = deps;
  }

  /** Counts one request; throws a 429 when it is over the caller's limit. */
  async hit(caller: { actor: Actor } | { address: string }): Promise<LimitState> {
    // Anonymous visitors (public assistants) get the free tier's limit, per address.
    const tier: Tier = 'actor' in caller ? caller.actor.tier : 'free';
    const key = 'actor' in caller ? `user:${caller.actor.userId}` : `addr:${caller.address}`;
    const limit = this.deps.perMinute[tier];
    const { count, resetMs } = await this.deps.limiter.hit(key, MINUTE_MS);
    const resetSeconds = Math.max(1, Math.ceil(resetMs / 1000));
    const state = { limit, remaining: Math.max(0, limit - count), resetSeconds };
    if (count > limit) {
      throw errors.rateLimited(`Rate limit exceeded: ${limit} requests per minute for the ${tier} tier`, {
        retryAfterSeconds: resetSeconds,
        ...state,
      });
    }
    return state;
  }
}
