import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../../core/accounts/authenticator.ts';
import type { Actor } from '../../core/actor.ts';
import { errors } from '../../core/errors.ts';
import { enforceRequestLimit } from './rate-limits.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw errors.unauthorized();
  return match[1];
}

/** An onRequest hook (authentication runs before body validation, so 401 comes before 422) that requires a valid bearer credential and sets `request.actor`. */
export function requireAuth(authenticator: Authenticator) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      throw errors.unauthorized('Not authenticated');
    }
    request.actor = await authenticator.authenticate(token);
    await enforceRequestLimit(request, reply);
  };
}

/** An onRequest hook for routes open to anonymous visitors: a credential, if sent, must still be valid. */
export function optionalAuth(authenticator: Authenticator) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    request.actor = token ? await authenticator.authenticate(token) : null;
    await enforceRequestLimit(request, reply);
  };
}

/** The authenticated caller; only for routes behind `requireAuth`. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw errors.unauthorized('Not authenticated');
  return request.actor;
}
