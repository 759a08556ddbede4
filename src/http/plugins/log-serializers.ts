import type { FastifyRequest } from 'fastify';

/** Masks credentials carried in a query string (`?token=`, how browsers authenticate websockets). */
export const redactUrl = (url: string) => url.replace(/([?&](?:token|access_token)=)[^&#]*/gi, '$1[redacted]');

/** Fastify's request log fields, without credentials in the URL. */
export function requestLogFields(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
