import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';

/**
 * The HTTP side of an OpenAI-compatible provider: `POST {base}/chat/completions` over
 * keep-alive connections (node:http, no web streams), for the provider to read the reply as it
 * comes. One client per configured provider, so each keeps its own pool of connections.
 */
export function openaiHttpClient(opts: { baseUrl: string; apiKey?: string }) {
  const url = new URL(`${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`);
  const secure = url.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const request = secure ? https.request : http.request;
  const baseHeaders: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'Parley' };
  // Local servers take no key: no Authorization header at all rather than an empty one.
  if (opts.apiKey) baseHeaders.authorization = `Bearer ${opts.apiKey}`;

  return {
    /**
     * Sends the body; resolves with the response once its status and headers arrive, rejects
     * with the network error (codes as Node sets them) when none does. The signal cuts the
     * request at any point, also while its body is being read. (A URL Node cannot request
     * throws inside the executor: a rejection too.)
     */
    post(body: string, signal: AbortSignal): Promise<IncomingMessage> {
      // Never retried, even on a pooled connection reset before any answer: the request may have
      // reached the model, and a second call would be charged without being recorded.
      return new Promise((resolve, reject) => {
        const req = request(url, {
          method: 'POST',
          agent,
          signal,
          headers: { ...baseHeaders, 'content-length': Buffer.byteLength(body) },
        });
        req.once('response', resolve);
        req.once('error', reject);
        req.end(body);
      });
    },
  };
}

/** The whole body as text (UTF-8); `onPiece` hears each piece arrive. Rejects if the connection is cut before it ends. */
export async function readText(res: IncomingMessage, onPiece?: () => void): Promise<string> {
  let text = '';
  for await (const batch of textPieces(res)) {
    onPiece?.();
    for (const piece of batch) text += piece;
  }
  return text;
}

/** The response headers as a `Headers` object, for the failure helpers (Retry-After). */
export function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/**
 * The body as it arrives, decoded from UTF-8 (a character split between packets is kept whole):
 * each step gives every piece received since the last one. Read through 'data' events, which
 * costs less than a stream's async iterator, and paused while the reader lags far behind.
 * Rejects with the error that cut the body; the caller destroys the response if it stops early.
 */
export async function* textPieces(res: IncomingMessage): AsyncGenerator<string[]> {
  let pieces: string[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const onData = (piece: string) => {
    pieces.push(piece);
    if (pieces.length >= MAX_UNREAD_PIECES) res.pause();
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (err: unknown) => {
    failure = err;
    wake?.();
  };
  res.setEncoding('utf8');
  res.on('data', onData);
  res.once('end', onEnd);
  res.once('error', onError);
  try {
    while (true) {
      if (pieces.length) {
        const batch = pieces;
        pieces = [];
        if (res.isPaused()) res.resume();
        yield batch;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    res.off('data', onData);
    res.off('end', onEnd);
    res.off('error', onError);
  }
}

const MAX_UNREAD_PIECES = 64;
