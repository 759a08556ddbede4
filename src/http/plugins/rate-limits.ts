import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import type { LimitState, RequestLimits } from '../../core/limits/request-limits.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set once on the root instance by buildApp; every surface's auth hooks count against it. */
    requestLimits?: RequestLimits;
  }
}

// A route may sit behind two auth hooks (its plugin's and its own): it still counts once.
const counted = new WeakSet<FastifyRequest>();

/**
 * Counts the request against the caller's per-minute limit, right after authentication, and
 * reports the state in X-RateLimit-* headers. A refusal is an AppError, so each surface's own
 * error handler renders it (applyErrorHeaders adds Retry-After and the same headers).
 */
export async function enforceRequestLimit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const limits = request.server.requestLimits;
  if (!limits || counted.has(request)) return;
  counted.add(request);
  let state: LimitState;
  try {
    state = await limits.hit(request.actor ? { actor: request.actor } : { address: request.ip });
  } catch (err) {
    if (err instanceof AppError) throw err;
    // The counter store is down: serving without limits beats refusing every request.
    request.log.warn({ err }, 'rate limiter unavailable; request not counted');
    return;
  }
  // Set on the raw response so the headers also go out with streams that take the response over.
  reply.raw.setHeader('x-ratelimit-limit', String(state.limit));
  reply.raw.setHeader('x-ratelimit-remaining', String(state.remaining));
  reply.raw.setHeader('x-ratelimit-reset', String(state.resetSeconds));
}
