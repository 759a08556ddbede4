import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { chatV1ErrorHandler } from '../chat-v1/errors.ts';
import { envelopeErrorHandler, isEnvelopePath } from '../aichat/envelope.ts';
import { openaiErrorBody, openaiErrorHandler } from '../openai/error-handler.ts';
import { clipPath, fastapiErrorHandler } from './errors.ts';

/** The error shape a path answers in: FastAPI's `{detail}` (seed 002's /v1/chat with 400 for bad parameters), seed 003's envelope, OpenAI's `{error}`. */
export type Surface = 'fastapi' | 'chat-v1' | 'envelope' | 'openai';

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** Which surface a request path belongs to; operations routes and unknown paths outside /v1 answer `{detail}`. */
export function surfaceOf(path: string): Surface {
  // The websocket path answers a plain GET in seed 003's envelope.
  if (isEnvelopePath(path) || path.startsWith('/ws/')) return 'envelope';
  if (under(path, '/v1/chat') && !under(path, '/v1/chat/completions')) return 'chat-v1';
  // Everything else under /v1 (completions, models, and paths no route has) is the OpenAI surface.
  if (under(path, '/v1')) return 'openai';
  return 'fastapi';
}

/** A plain error message in the surface's shape (no field list): not-found replies and refused requests. */
export function errorBody(surface: Surface, status: number, message: string): unknown {
  if (surface === 'envelope') return { code: status, message, data: null };
  if (surface === 'openai') return openaiErrorBody(status, message);
  return { detail: message };
}

const HANDLERS = {
  fastapi: fastapiErrorHandler,
  'chat-v1': chatV1ErrorHandler,
  envelope: envelopeErrorHandler,
  openai: openaiErrorHandler,
} satisfies Record<Surface, unknown>;

const pathOf = (url: string) => url.split('?')[0];

/**
 * Errors the router raises before any route matches (a path with malformed percent-encoding,
 * a path parameter over `maxParamLength`). No surface's error handler sees them, so they are
 * given here the error shape of the surface the path belongs to, instead of Fastify's own.
 * The path is echoed cut short: it may be as long as the request line allows.
 */
export function frameworkErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const path = pathOf(request.url);
  const code = (err as { code?: string }).code;
  let error = err;
  if (code === 'FST_ERR_BAD_URL') error = Object.assign(new Error(`'${clipPath(path)}' is not a valid url component`), { statusCode: 400 });
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') {
    error = Object.assign(new Error(`'${clipPath(path)}' has a path parameter longer than the limit`), { statusCode: 414 });
  }
  return HANDLERS[surfaceOf(path)](error, request, reply);
}

/** Unknown paths, and unknown methods on known paths, in the shape of the surface the path belongs to. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const path = pathOf(request.url);
  const surface = surfaceOf(path);
  if (surface === 'envelope') return reply.status(404).send(errorBody(surface, 404, `Route ${request.method} ${clipPath(path)} not found`));
  if (surface === 'openai') return reply.status(404).send(errorBody(surface, 404, `Invalid URL (${request.method} ${clipPath(path)})`));
  return reply.status(404).send(errorBody(surface, 404, 'Not Found'));
}

const CLIENT_ERRORS: Record<string, { status: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'Request timed out' },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'Request headers too large' },
};

/** The request target of a raw request line, as far as it can be read: only to choose the error shape. */
function rawPath(packet: unknown): string {
  if (!Buffer.isBuffer(packet)) return '/';
  const line = packet.subarray(0, Math.min(packet.length, 8192)).toString('latin1').split('\r\n', 1)[0];
  const target = line.split(' ')[1] ?? '/';
  return pathOf(target.replace(/^[a-z]+:\/\/[^/]*/i, ''));
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (raw non-ASCII bytes in the path,
 * a malformed request line or header): answered in the shape of the surface the path names,
 * instead of Fastify's own body, then the connection is closed as Node does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = CLIENT_ERRORS[err.code ?? ''] ?? { status: 400, message: 'Malformed HTTP request' };
  const body = JSON.stringify(errorBody(surfaceOf(rawPath(err.rawPacket)), status, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
