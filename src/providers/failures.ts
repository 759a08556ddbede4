import { ProviderError, type ProviderErrorKind } from './types.ts';

/** What a provider's failure messages may name: never its key, which is only used to scrub. */
export interface FailureContext {
  provider: string;
  /** The endpoint, named in connection failures so an operator sees which address failed. */
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

// Network failures are told apart by the error codes Node and undici set, never by message text.
const CODE_KINDS: Record<string, ProviderErrorKind> = {
  ECONNREFUSED: 'connection_refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_FAIL: 'dns',
  EAI_NODATA: 'dns',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ECONNRESET: 'connection',
  ECONNABORTED: 'connection',
  EPIPE: 'connection',
  UND_ERR_SOCKET: 'connection',
  UND_ERR_CLOSED: 'connection',
  // OpenSSL reports a protocol mismatch (TLS spoken to a plain HTTP port) as EPROTO.
  EPROTO: 'tls',
};
// Certificate and handshake failures: OpenSSL's verification codes and Node's ERR_TLS_* / ERR_SSL_*.
const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|INVALID_CA$)/;

/** The kind of a network failure, from the first known code along its `cause` chain. */
export function networkKind(err: unknown): { kind: ProviderErrorKind; code: string } | undefined {
  for (const code of errorCodes(err)) {
    const kind = CODE_KINDS[code] ?? (TLS_CODE.test(code) ? 'tls' : undefined);
    if (kind) return { kind, code };
  }
  return undefined;
}

/** Every string `code` on the error, its causes and (for an AggregateError of several addresses) its members. */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 6 || seen.has(e)) return;
    seen.add(e);
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const member of errors) visit(member, depth + 1);
  };
  visit(err, 0);
  return codes;
}

/** A failure to connect or a connection cut; once the reply streams, any cut is an unfinished stream. */
export function networkFailure(ctx: FailureContext, err: unknown, midReply: boolean): ProviderError {
  const found = networkKind(err);
  if (found?.kind === 'timeout') return timeoutFailure(ctx, midReply);
  if (midReply) return streamCut(ctx);
  const where = endpoint(ctx.baseUrl);
  const p = ctx.provider;
  switch (found?.kind) {
    case 'connection_refused':
      return failure(ctx, 'connection_refused', `The ${p} provider refused the connection (${where})`);
    case 'dns':
      return failure(ctx, 'dns', `The ${p} provider's host could not be found (${where})`);
    case 'tls':
      return failure(ctx, 'tls', `The ${p} provider failed the TLS handshake (${where}): ${found.code}`);
    case 'unreachable':
      return failure(ctx, 'unreachable', `The ${p} provider could not be reached (${where})`);
    case 'connection':
      return failure(ctx, 'connection', `The ${p} provider closed the connection before answering (${where})`);
    default:
      return failure(ctx, 'connection', `The ${p} provider could not be reached (${where})${found ? `: ${found.code}` : ''}`);
  }
}

/** The idle timer fired: before the reply began, or part way through it. */
export function timeoutFailure(ctx: FailureContext, midReply: boolean): ProviderError {
  const message = midReply
    ? `The ${ctx.provider} provider stopped responding mid-reply (nothing for ${ctx.timeoutMs} ms)`
    : `The ${ctx.provider} provider did not respond within ${ctx.timeoutMs} ms`;
  return failure(ctx, 'timeout', message);
}

/** An error status from the provider. Its own message is kept (scrubbed), except for a refused key. */
export function httpFailure(ctx: FailureContext, status: number, headers: Headers | undefined, upstreamMessage?: string): ProviderError {
  const p = ctx.provider;
  if (status === 401 || status === 403) {
    // Some providers quote part of the key they refused: their message is not repeated.
    return failure(ctx, 'auth', `The ${p} provider rejected its API key (${status})`, { upstreamStatus: status });
  }
  if (status === 429) {
    const retryAfterSeconds = retryAfter(headers);
    const when = retryAfterSeconds === undefined ? '' : `; retry after ${retryAfterSeconds} s`;
    return failure(ctx, 'rate_limited', `The ${p} provider is rate limiting requests (429)${when}`, { upstreamStatus: status, retryAfterSeconds });
  }
  const said = upstreamMessage ? `: ${scrub(ctx, upstreamMessage)}` : '';
  if (status >= 500) return failure(ctx, 'upstream_5xx', `The ${p} provider failed with ${status}${said}`, { upstreamStatus: status });
  return failure(ctx, 'rejected', `The ${p} provider refused the request (${status})${said}`, { upstreamStatus: status });
}

/** An error event inside a stream that had begun (Anthropic's `error` event, an OpenAI `error` chunk). */
export function streamErrorEvent(ctx: FailureContext, type: string | undefined, upstreamMessage?: string): ProviderError {
  const said = upstreamMessage ? `: ${scrub(ctx, upstreamMessage)}` : '';
  if (type === 'rate_limit_error' || type === 'rate_limit_exceeded') {
    return failure(ctx, 'rate_limited', `The ${ctx.provider} provider is rate limiting requests${said}`, { upstreamStatus: 429 });
  }
  if (type === 'overloaded_error' || type === 'api_error' || type === 'server_error') {
    return failure(ctx, 'upstream_5xx', `The ${ctx.provider} provider failed mid-reply${said}`);
  }
  return failure(ctx, 'upstream_error', `The ${ctx.provider} provider sent an error mid-reply${said}`);
}

export function malformedChunk(ctx: FailureContext): ProviderError {
  return failure(ctx, 'bad_response', `The ${ctx.provider} provider sent a malformed stream (a chunk that is not valid JSON)`);
}

/** A reply asked for whole that is not a chat completion: not JSON, no choice, or no end. */
export function malformedReply(ctx: FailureContext): ProviderError {
  return failure(ctx, 'bad_response', `The ${ctx.provider} provider sent a malformed reply (not a whole chat completion)`);
}

export function streamCut(ctx: FailureContext): ProviderError {
  return failure(ctx, 'bad_response', `The ${ctx.provider} provider closed the stream before the reply ended`);
}

function failure(
  ctx: FailureContext,
  kind: ProviderErrorKind,
  message: string,
  extra: { upstreamStatus?: number; retryAfterSeconds?: number } = {},
): ProviderError {
  return new ProviderError(message, { kind, provider: ctx.provider, ...extra });
}

/** Retry-After in whole seconds: delta-seconds or an HTTP date (and OpenAI's retry-after-ms). */
export function retryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms / 1000);
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The endpoint without credentials, query or fragment. */
function endpoint(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return 'its configured address';
  }
}

const MAX_UPSTREAM_MESSAGE = 300;

function scrub(ctx: FailureContext, text: string): string {
  const clean = ctx.apiKey ? text.replaceAll(ctx.apiKey, '[key]') : text;
  return clean.length > MAX_UPSTREAM_MESSAGE ? `${clean.slice(0, MAX_UPSTREAM_MESSAGE)}…` : clean;
}
