import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** True when the client closed the connection before the reply ended. */
  aborted: boolean;
  finished: boolean;
}

/** Answers one request with a scripted reply; sets `record.finished` once the reply is whole. */
export type Answer<R> = (res: ServerResponse, record: ReceivedRequest, reply: R) => Promise<void> | void;

/**
 * An HTTP server on 127.0.0.1 that plays a model provider: each request is recorded and
 * answered with the next scripted reply (the default one when the queue is empty).
 */
export async function startScriptedUpstream<R>(opts: {
  defaultReply: R;
  answer: Answer<R>;
  /**
   * Answers `GET …/models` (a provider's model list) apart from the scripted replies: such
   * requests take no reply from the queue and are recorded in `modelListRequests`, not `requests`.
   */
  listModels?: (res: ServerResponse, record: ReceivedRequest) => void;
}) {
  const queue: R[] = [];
  const requests: ReceivedRequest[] = [];
  const modelListRequests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let fallback = opts.defaultReply;

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const record: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, aborted: false, finished: false };
    if (opts.listModels && req.method === 'GET' && /\/models(\?.*)?$/.test(record.path)) {
      modelListRequests.push(record);
      record.finished = true;
      return opts.listModels(res, record);
    }
    requests.push(record);
    res.on('close', () => {
      if (!record.finished) record.aborted = true;
    });
    await opts.answer(res, record, queue.shift() ?? fallback);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    modelListRequests,
    /** Scripts the next replies, in order. */
    enqueue(...replies: R[]) {
      queue.push(...replies);
    },
    setDefault(reply: R) {
      fallback = reply;
    },
    /** Requests for a chat turn, not for a conversation title (those ask for at most 24 tokens). */
    chatRequests() {
      return requests.filter((r) => r.body?.max_tokens !== 24);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
