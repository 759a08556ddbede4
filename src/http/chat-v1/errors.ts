import type { FastifyReply, FastifyRequest } from 'fastify';
import { applyErrorHeaders, classifyError } from '../plugins/errors.ts';

/**
 * Seed 002 answers bad parameters on /v1/chat/* with 400, not FastAPI's 422. The body keeps
 * FastAPI's shape, so a client parses it the same way: `{"detail": [{loc, msg, type}]}` for
 * fields that failed validation, `{"detail": "..."}` for everything else.
 */
export function chatV1ErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const error = classifyError(err, request);
  applyErrorHeaders(reply, error);
  if (error.kind === 'validation') return reply.status(400).send({ detail: error.fields });
  return reply.status(error.status).send({ detail: error.message });
}
