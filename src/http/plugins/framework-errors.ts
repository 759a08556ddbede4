import type { FastifyReply, FastifyRequest } from 'fastify';
import { envelopeErrorHandler, isEnvelopePath } from '../aichat/envelope.ts';
import { openaiErrorHandler } from '../openai/error-handler.ts';
import { fastapiErrorHandler } from './errors.ts';

const OPENAI_PATHS = ['/v1/chat/completions', '/v1/models'];
const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * Errors the router raises before any route matches (a path with malformed percent-encoding,
 * a path parameter over `maxParamLength`). No surface's error handler sees them, so they are
 * given here the error shape of the surface the path belongs to, instead of Fastify's own.
 */
export function frameworkErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0];
  if (isEnvelopePath(path)) return envelopeErrorHandler(err, request, reply);
  if (OPENAI_PATHS.some((prefix) => under(path, prefix))) return openaiErrorHandler(err, request, reply);
  return fastapiErrorHandler(err, request, reply);
}
