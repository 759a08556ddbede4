import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { applyErrorHeaders, classifyError, clipPath } from '../plugins/errors.ts';

/** The path families of this surface. Seed 002 also lives under /api/chat, so only these answer in the envelope. */
export const ENVELOPE_PREFIXES = ['/api/chat/session', '/api/chat/sessions', '/api/chat/message', '/api/chat/messages', '/aichat'];

// Seed 002's uploads and file lists live under seed 003's /api/chat/sessions, and answer `{detail}`.
const SESSION_FILES = /^\/api\/chat\/sessions\/[^/]+\/(upload|files)(\/|$)/;

/** Whether a request path belongs to this surface (and its errors to the envelope). */
export const isEnvelopePath = (path: string) =>
  ENVELOPE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) && !SESSION_FILES.test(path);

/** Seed 003's success reply. */
export const success = <T>(data: T) => ({ code: 200 as const, message: 'success' as const, data });

/** Every error of this surface as `{code, message, data}`, with the HTTP status equal to `code`. */
export function envelopeErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const error = classifyError(err, request);
  applyErrorHeaders(reply, error);
  const data = error.kind === 'validation' ? error.fields : null;
  return reply.status(error.status).send({ code: error.status, message: error.message, data });
}

/** Unknown paths (and unknown methods on known paths) under this surface's prefixes. */
export function envelopeNotFound(request: FastifyRequest, reply: FastifyReply) {
  const path = clipPath(request.url.split('?')[0]);
  return reply.status(404).send({ code: 404, message: `Route ${request.method} ${path} not found`, data: null });
}

/** Under the surface's prefixes, but seed 002's session files: `{detail}` (see isEnvelopePath). */
function prefixNotFound(request: FastifyRequest, reply: FastifyReply) {
  if (isEnvelopePath(request.url.split('?')[0])) return envelopeNotFound(request, reply);
  return reply.status(404).send({ detail: 'Not Found' });
}

/** Fastify keys not-found handlers by prefix, so each path family of the surface gets one. */
export function envelopeNotFoundUnder(prefixes: string[]): FastifyPluginAsync {
  return async (app) => {
    for (const prefix of prefixes) {
      await app.register(
        async (scope) => {
          scope.setNotFoundHandler(prefixNotFound);
        },
        { prefix },
      );
    }
  };
}
