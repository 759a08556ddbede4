import WebSocket from 'ws';

export interface SocketOptions {
  /** Sent as `Authorization: Bearer`; with `query`, as `?token=` instead. */
  token?: string;
  via?: 'header' | 'query';
  /** False: the client ignores server pings (a dead client, for heartbeat tests). */
  autoPong?: boolean;
}

export interface TestSocket {
  ws: WebSocket;
  /** Every JSON frame received so far, in order. */
  frames: any[];
  pings: number;
  send(frame: unknown): void;
  sendRaw(text: string): void;
  /** The first received frame (past or future) matching, after `skip` earlier matches. */
  waitFor(match: (frame: any) => boolean, opts?: { skip?: number; timeoutMs?: number }): Promise<any>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export function wsUrl(httpUrl: string, sessionId: string, opts: SocketOptions = {}): string {
  const base = `${httpUrl.replace(/^http/, 'ws')}/ws/${sessionId}`;
  return opts.via === 'query' && opts.token ? `${base}?token=${encodeURIComponent(opts.token)}` : base;
}

/** Opens a socket and resolves once it is open (a refused one opens, then closes with a code). */
export async function openSocket(httpUrl: string, sessionId: string, opts: SocketOptions = {}): Promise<TestSocket> {
  const headers: Record<string, string> = {};
  if (opts.token && opts.via !== 'query') headers.authorization = `Bearer ${opts.token}`;
  const ws = new WebSocket(wsUrl(httpUrl, sessionId, opts), { headers, autoPong: opts.autoPong ?? true });
  const frames: any[] = [];
  const waiters = new Set<() => void>();
  const socket: TestSocket = {
    ws,
    frames,
    pings: 0,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (text) => ws.send(text),
    closed: new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    waitFor(match, { skip = 0, timeoutMs = 5000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.filter(match)[skip];
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await socket.closed;
    },
  };
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    for (const check of [...waiters]) check();
  });
  ws.on('ping', () => {
    socket.pings++;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return socket;
}

/** Opens a socket the server is expected to refuse; resolves with the close code and reason. */
export async function refusal(httpUrl: string, sessionId: string, opts: SocketOptions = {}) {
  const socket = await openSocket(httpUrl, sessionId, opts);
  return socket.closed;
}
