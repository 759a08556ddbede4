/** A frame the server relays from a conversation's event bus. */
export interface LiveEvent {
  event: string;
  data: unknown;
}

/** Close codes after which trying again cannot help: the login ended, or the conversation is gone. */
export const FINAL_CLOSE_CODES = new Set([4401, 4403, 4404]);

/** How long to wait before reconnect number `attempt` (0-based): doubling from 1 s to 30 s, with jitter. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
  return Math.round(base * (0.75 + random() * 0.5));
}

/** Reads an event frame; anything else (pong, errors, turn frames of this socket) answers undefined. */
export function parseLiveFrame(text: string): LiveEvent | undefined {
  try {
    const frame = JSON.parse(text) as { type?: unknown; event?: unknown; data?: unknown };
    if (frame?.type === 'event' && typeof frame.event === 'string') return { event: frame.event, data: frame.data };
  } catch {
    // Not JSON: ignored.
  }
  return undefined;
}

interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number): void;
}

export interface LiveSocketOptions {
  /** The socket's URL, with a fresh token (or undefined when signed out: no connection). */
  url: () => Promise<string | undefined>;
  onEvent: (event: LiveEvent) => void;
  /** Called on each (re)connection after the first: events may have been missed meanwhile. */
  onReconnect?: () => void;
  /** Called once when the server closed the socket for good (4401, 4403, 4404). */
  onFinalClose?: (code: number) => void;
  createSocket?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
}

/**
 * A conversation's live channel (`/ws/<id>`): reconnects with backoff when the connection
 * drops, stops for good on the close codes that say it cannot succeed, and on `close()`.
 */
export class LiveSocket {
  private readonly opts: LiveSocketOptions;
  private socket: SocketLike | undefined;
  private timer: unknown;
  private attempt = 0;
  private connectedOnce = false;
  private closed = false;

  constructor(opts: LiveSocketOptions) {
    this.opts = opts;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async open(): Promise<void> {
    if (this.closed) return;
    let url: string | undefined;
    try {
      url = await this.opts.url();
    } catch {
      url = undefined;
      this.retry();
      return;
    }
    if (this.closed || !url) return;
    const socket = this.opts.createSocket ? this.opts.createSocket(url) : (new WebSocket(url) as unknown as SocketLike);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      if (this.connectedOnce) this.opts.onReconnect?.();
      this.connectedOnce = true;
    };
    socket.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const event = parseLiveFrame(ev.data);
      if (event) this.opts.onEvent(event);
    };
    socket.onerror = () => {
      // Followed by close, which decides.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.closed) return;
      if (FINAL_CLOSE_CODES.has(ev.code)) {
        this.closed = true;
        this.opts.onFinalClose?.(ev.code);
        return;
      }
      this.retry();
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) (this.opts.clearTimer ?? clearTimeout)(this.timer as ReturnType<typeof setTimeout>);
    this.timer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000);
  }

  private retry(): void {
    if (this.closed) return;
    const wait = reconnectDelay(this.attempt++, this.opts.random);
    const set = this.opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    this.timer = set(() => {
      this.timer = undefined;
      void this.open();
    }, wait);
  }
}

/** The live channel's address for a conversation, on this page's host. */
export function liveSocketUrl(location: { protocol: string; host: string }, conversationId: string, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/${conversationId}?token=${encodeURIComponent(token)}`;
}
