import net from 'node:net';

/** The error shape each path answers in (SPEC §3), decided from the path alone, independently of the server's code. */
export type SurfaceKind = 'fastapi' | 'fastapi-400' | 'envelope' | 'openai' | 'ops' | 'page';

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

export function surfaceOf(rawPath: string): SurfaceKind {
  const path = rawPath.split('?')[0];
  if (['/healthz', '/readyz', '/metrics', '/openapi.json'].includes(path) || under(path, '/docs')) return 'ops';
  // Shared-conversation pages are read in a browser: a missing one is an HTML page, other errors `{detail}`.
  if (under(path, '/s')) return 'page';
  if (/^\/api\/chat\/sessions\/[^/]+\/(upload|files)(\/|$)/.test(path)) return 'fastapi';
  const envelope = ['/api/chat/session', '/api/chat/sessions', '/api/chat/message', '/api/chat/messages', '/aichat', '/ws'];
  if (envelope.some((prefix) => under(path, prefix))) return 'envelope';
  if (under(path, '/v1/chat') && !under(path, '/v1/chat/completions')) return 'fastapi-400';
  if (under(path, '/v1')) return 'openai';
  return 'fastapi';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fieldList(v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length === 0) return 'a non-empty list of field errors';
  for (const f of v) {
    if (!isObject(f) || !Array.isArray(f.loc) || typeof f.msg !== 'string' || typeof f.type !== 'string') return 'items {loc, msg, type}';
  }
  return undefined;
}

/**
 * What is wrong with an error reply for the surface, or undefined when it has the right shape.
 * `body` is the parsed JSON body (undefined when it is not JSON).
 */
export function shapeProblem(surface: SurfaceKind, status: number, body: unknown): string | undefined {
  if (status < 400) return undefined;
  if (status >= 500) return `a ${status}`;
  if (surface === 'page' && status === 404) return body === undefined || typeof body === 'string' ? undefined : 'a 404 that is not a page';
  if (!isObject(body)) return 'a body that is not a JSON object';
  const keys = Object.keys(body).sort().join(',');
  switch (surface) {
    case 'ops':
    case 'page':
    case 'fastapi':
    case 'fastapi-400': {
      if (keys !== 'detail') return `keys ${keys} instead of detail`;
      if (typeof body.detail === 'string') return undefined;
      // A list of field errors: 422 on FastAPI surfaces, 400 on seed 002's /v1/chat.
      const listStatus = surface === 'fastapi-400' ? 400 : 422;
      if (status !== listStatus) return `a field list with status ${status}`;
      return fieldList(body.detail);
    }
    case 'envelope': {
      if (keys !== 'code,data,message') return `keys ${keys} instead of code,data,message`;
      if (body.code !== status) return `code ${String(body.code)} with status ${status}`;
      if (typeof body.message !== 'string') return 'a message that is not a string';
      if (status === 422) return fieldList(body.data);
      return body.data === null ? undefined : 'data not null on an error';
    }
    case 'openai': {
      if (keys !== 'error' || !isObject(body.error)) return `keys ${keys} instead of error`;
      const e = body.error;
      if (typeof e.message !== 'string' || typeof e.type !== 'string') return 'error without message and type';
      if (!('param' in e) || !('code' in e)) return 'error without param and code';
      if (e.param !== null && typeof e.param !== 'string') return 'param neither string nor null';
      if (e.code !== null && typeof e.code !== 'string') return 'code neither string nor null';
      return status === 422 ? 'a 422 (OpenAI answers bad parameters with 400)' : undefined;
    }
  }
}

export interface RawReply {
  status: number;
  headers: string;
  text: string;
}

/** Sends bytes as they are over a fresh TCP connection (a URL object would percent-encode them). */
export function rawRequest(baseUrl: string, bytes: Buffer, timeoutMs = 10_000): Promise<RawReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(bytes));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      // latin1 keeps one character per byte, so chunk sizes (in bytes) can be counted in characters.
      const all = Buffer.concat(chunks).toString('latin1');
      const end = all.indexOf('\r\n\r\n');
      const head = end < 0 ? all : all.slice(0, end);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      let text = end < 0 ? '' : all.slice(end + 4);
      // Chunked replies: keep only the data of each chunk.
      if (/transfer-encoding:\s*chunked/i.test(head)) text = dechunk(text);
      resolve({ status, headers: head, text: Buffer.from(text, 'latin1').toString('utf8') });
    });
  });
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  while (rest.length > 0) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd < 0) break;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!size) break;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
  return out;
}

/** A GET request line with a path given as raw bytes. */
export const rawGet = (pathBytes: Buffer, extraHeaders = '') =>
  Buffer.concat([Buffer.from('GET '), pathBytes, Buffer.from(` HTTP/1.1\r\nHost: test\r\n${extraHeaders}Connection: close\r\n\r\n`)]);

export const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
