import type { RawData, WebSocket } from 'ws';
import type { Actor } from '../core/actor.ts';
import type { EventBus, SessionEvent } from './event-bus.ts';

/** What the hub keeps per socket: whose it is and which session it follows. */
export interface SocketMember {
  sessionId: string;
  actor: Actor;
  /** Set while a turn this socket asked for is being relayed to it. */
  relay?: AbortController;
}

export interface SocketHubDeps {
  bus: EventBus;
  heartbeatMs: number;
  /** Renders a bus event as the text frame the session's sockets receive. */
  eventFrame(event: SessionEvent): string;
  /** A text frame from a client. */
  onFrame(socket: WebSocket, member: SocketMember, text: string): void;
  /** `socket`: a client's connection failed (routine); `event`: an event could not be relayed (a bug). */
  onError?(err: unknown, source: 'socket' | 'event'): void;
}

const OPEN = 1;

/**
 * The sockets of each session on this instance. One bus subscription per session (not per
 * socket) fans events out; one heartbeat timer serves every socket; socket listeners are shared
 * functions, so an idle socket costs the hub two map entries and its member record.
 */
export class SocketHub {
  private readonly deps: SocketHubDeps;
  private readonly sessions = new Map<string, { sockets: Set<WebSocket>; unsubscribe: () => void }>();
  private readonly members = new Map<WebSocket, SocketMember>();
  private readonly awaitingPong = new Set<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;
  private readonly onError: (this: WebSocket, err: Error) => void;

  constructor(deps: SocketHubDeps) {
    this.deps = deps;
    const hub = this;
    // ws calls listeners with the socket as `this`, so these four serve every socket.
    this.onMessage = function (data) {
      const member = hub.members.get(this);
      if (member) deps.onFrame(this, member, rawText(data));
    };
    this.onPong = function () {
      hub.awaitingPong.delete(this);
    };
    this.onClose = function () {
      hub.leave(this);
    };
    this.onError = function (err) {
      deps.onError?.(err, 'socket');
      this.terminate();
    };
    this.heartbeat = setInterval(() => this.beat(), deps.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.members.size;
  }

  /** Starts following the session for an authenticated, authorized socket. */
  join(socket: WebSocket, member: SocketMember): void {
    // Error listeners added by the upgrade may hold the whole HTTP request; the shared one replaces them.
    socket.removeAllListeners('error');
    socket.on('error', this.onError);
    socket.on('message', this.onMessage);
    socket.on('pong', this.onPong);
    socket.on('close', this.onClose);
    this.members.set(socket, member);
    let session = this.sessions.get(member.sessionId);
    if (!session) {
      const sockets = new Set<WebSocket>();
      const unsubscribe = this.deps.bus.subscribe(member.sessionId, (event) => this.broadcast(sockets, event));
      session = { sockets, unsubscribe };
      this.sessions.set(member.sessionId, session);
    }
    session.sockets.add(socket);
  }

  /** Sends a frame unless the socket is closing; a gone client is not an error. */
  send(socket: WebSocket, frame: unknown): void {
    if (socket.readyState === OPEN) socket.send(JSON.stringify(frame));
  }

  /** Closes every socket (server shutdown) and stops the heartbeat. */
  close(code = 1001, reason = 'Server shutting down'): void {
    clearInterval(this.heartbeat);
    for (const socket of [...this.members.keys()]) {
      socket.close(code, reason);
      this.leave(socket);
    }
  }

  private broadcast(sockets: Set<WebSocket>, event: SessionEvent): void {
    // Listeners run inside the publisher's call: a failure here must never fail the change itself.
    try {
      // Rendered once for all the session's sockets.
      const frame = this.deps.eventFrame(event);
      for (const socket of sockets) if (socket.readyState === OPEN) socket.send(frame);
    } catch (err) {
      this.deps.onError?.(err, 'event');
    }
  }

  private leave(socket: WebSocket): void {
    const member = this.members.get(socket);
    if (!member) return;
    this.members.delete(socket);
    this.awaitingPong.delete(socket);
    member.relay?.abort();
    const session = this.sessions.get(member.sessionId);
    if (!session) return;
    session.sockets.delete(socket);
    if (session.sockets.size === 0) {
      session.unsubscribe();
      this.sessions.delete(member.sessionId);
    }
  }

  /** A socket that has not answered the previous ping is dead: terminate it; ping the others. */
  private beat(): void {
    for (const socket of this.members.keys()) {
      if (this.awaitingPong.has(socket)) {
        socket.terminate();
        this.leave(socket);
        continue;
      }
      this.awaitingPong.add(socket);
      if (socket.readyState === OPEN) socket.ping();
    }
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
