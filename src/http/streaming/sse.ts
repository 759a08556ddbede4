import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * Takes the response over from Fastify for a stream: headers are sent at once and
 * every write goes straight to the socket (no buffering of the whole reply).
 */
export function openStream(reply: FastifyReply, contentType: string, headers: Record<string, string> = {}): ServerResponse {
  // Headers the hooks set on the reply (CORS above all) are written by Fastify only for replies
  // it sends itself: a hijacked one must carry them over.
  const fromHooks: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) fromHooks[name] = value;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    ...fromHooks,
    'content-type': contentType,
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Proxies such as nginx must not hold tokens back.
    'x-accel-buffering': 'no',
    ...headers,
  });
  res.flushHeaders();
  // Small writes go out at once instead of waiting to be coalesced.
  res.socket?.setNoDelay(true);
  return res;
}

/** One SSE event. Data with line breaks is split over several `data:` lines, as the format requires. */
export function sseEvent(data: string, opts: { id?: string | number; event?: string } = {}): string {
  let out = '';
  if (opts.id !== undefined) out += `id: ${opts.id}\n`;
  if (opts.event) out += `event: ${opts.event}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** Writes unless the client is gone; a gone client is not an error. */
export function safeWrite(res: ServerResponse, chunk: string): boolean {
  if (res.destroyed || res.writableEnded) return false;
  res.write(chunk);
  return true;
}

/** An AbortSignal that fires when the client closes the connection before the reply ends. */
export function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
