import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import type { LimitState, RequestLimits } from '../../core/limits/request-limits.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set once on the root instance by buildApp; every surface's auth hooks count against it. */
    requestLimits?: RequestLimits;
  }
  interface FastifyContextConfig {
    /**
     * Set on routes that call a model (turns, previews, completions): their requests count
     * against the tier's per-minute limit; every other authenticated request against the API limit.
     */
    modelCall?: boolean;
  }
}

// A route may sit behind two auth hooks (its plugin's and its own): it still counts once.
const counted = new WeakSet<FastifyRequest>();

/**
 * Counts the request against one of the caller's per-minute limits, right after authentication:
 * the tier's model limit on routes marked `modelCall`, the API limit on all others. Reports that
 * limit in X-RateLimit-* headers. A refusal is an AppError, so each surface's own error handler
 * renders it (applyErrorHeaders adds Retry-After and the same headers).
 */
export async function enforceRequestLimit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const limits = request.server.requestLimits;
  if (!limits || counted.has(request)) return;
  counted.add(request);
  const kind = request.routeOptions.config?.modelCall === true ? 'model' : 'api';
  let state: LimitState;
  try {
    state = await limits.hit(request.actor ? { actor: request.actor } : { address: request.ip }, kind);
  } catch (err) {
    if (err instanceof AppError) throw err;
    // The limiters count in memory while Redis is down, so this is a fault of their own:
    // serving the request uncounted beats refusing it.
    request.log.error({ err }, 'rate limiter failed; request not counted');
    return;
  }
  // Set on the raw response so the headers also go out with streams that take the response over.
  reply.raw.setHeader('x-ratelimit-limit', String(state.limit));
  reply.raw.setHeader('x-ratelimit-remaining', String(state.remaining));
  reply.raw.setHeader('x-ratelimit-reset', String(state.resetSeconds));
}
