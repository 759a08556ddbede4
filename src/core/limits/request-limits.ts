import type { Tier } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import { errors } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** Where a caller stands against its limit, as the X-RateLimit-* headers tell it. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Seconds until the current window ends and the count starts again. */
  resetSeconds: number;
}

/** A signed-in user is counted by account, an anonymous visitor (public assistants) by address. */
export type LimitedCaller = { actor: Actor } | { address: string };

/**
 * `model`: requests that call a model (turns, previews, completions), limited per tier.
 * `api`: every other request, against one generous limit, so that a user interface can list,
 * open and page freely without spending the model allowance.
 */
export type RequestKind = 'model' | 'api';

/** One of the two counters: counts a request, throws a 429 when it is over the limit. */
export interface RequestCounter {
  hit(caller: LimitedCaller): Promise<LimitState>;
}

const MINUTE_MS = 60_000;

interface RequestLimitsDeps {
  limiter: RateLimiter;
  perMinute: Record<Tier, number>;
  apiPerMinute: number;
  metrics?: Pick<Metrics, 'refused'>;
}

/** Requests per minute, in two separate counters per caller: model calls by tier, and everything else. */
export class RequestLimits {
  /** Counts model calls; handed as is to call sites that only run models (websocket frames). */
  readonly model: RequestCounter = { hit: (caller) => this.hit(caller, 'model') };
  /** Counts every other request. */
  readonly api: RequestCounter = { hit: (caller) => this.hit(caller, 'api') };

  private readonly deps: RequestLimitsDeps;
  constructor(deps: RequestLimitsDeps) {
    this.deps = deps;
  }

  /** Counts one request against exactly one of the caller's two limits; throws a 429 when over it. */
  async hit(caller: LimitedCaller, kind: RequestKind): Promise<LimitState> {
    // Anonymous visitors get the free tier's model limit.
    const tier: Tier = 'actor' in caller ? caller.actor.tier : 'free';
    const who = 'actor' in caller ? `user:${caller.actor.userId}` : `addr:${caller.address}`;
    const limit = kind === 'model' ? this.deps.perMinute[tier] : this.deps.apiPerMinute;
    const { count, resetMs } = await this.deps.limiter.hit(kind === 'model' ? who : `api:${who}`, MINUTE_MS);
    const resetSeconds = Math.max(1, Math.ceil(resetMs / 1000));
    const state = { limit, remaining: Math.max(0, limit - count), resetSeconds };
    if (count > limit) {
      this.deps.metrics?.refused(kind);
      const what =
        kind === 'model'
          ? `${limit} model requests per minute for the ${tier} tier`
          : `${limit} API requests per minute (requests that do not call a model)`;
      throw errors.rateLimited(`Rate limit exceeded: ${what}`, { retryAfterSeconds: resetSeconds, ...state });
    }
    return state;
  }
}
