import type { RawData, WebSocket } from 'ws';
import type { Revocation } from '../core/accounts/revocations.ts';
import type { Actor } from '../core/actor.ts';
import type { Metrics } from '../core/metrics/metrics.ts';
import type { EventBus, SessionEvent } from './event-bus.ts';

/**
 * Close codes: 4000 + the HTTP status the same request would get over REST. Sent when a socket
 * is refused, when its credential stops working (4401) and when its session is deleted (4404).
 */
export const CLOSE_CODES = { unauthorized: 4401, forbidden: 4403, notFound: 4404, rateLimited: 4429 } as const;

const REVOKED_REASONS: Record<Revocation['kind'], string> = {
  login: 'Session has ended; please log in again',
  user: 'Account is disabled',
  api_key: 'API key has been revoked',
};

// setTimeout cannot wait longer than this (about 24.8 days); a later expiry re-arms.
const MAX_TIMER_MS = 2_147_483_647;

/** What the hub keeps per socket: whose it is (with its credential) and which session it follows. */
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
  /** Reads the number of open sockets at each scrape. */
  metrics?: Pick<Metrics, 'watch'>;
}

const OPEN = 1;

/** Sockets whose credential expires at the same moment share one timer (sockets of one token do). */
interface ExpiryBucket {
  sockets: Set<WebSocket>;
  timer: NodeJS.Timeout;
}

/**
 * The sockets of each session on this instance. One bus subscription per session (not per
 * socket) fans events out; one heartbeat timer serves every socket; socket listeners are shared
 * functions. Each socket is also indexed by its user, its login or API key and its credential's
 * expiry, so a revocation or an expiry finds its sockets without scanning: an idle socket costs
 * the hub a few map and set entries and its member record.
 */
export class SocketHub {
  private readonly deps: SocketHubDeps;
  private readonly sessions = new Map<string, { sockets: Set<WebSocket>; unsubscribe: () => void }>();
  private readonly members = new Map<WebSocket, SocketMember>();
  private readonly awaitingPong = new Set<WebSocket>();
  private readonly byUser = new Map<string, Set<WebSocket>>();
  private readonly byLogin = new Map<string, Set<WebSocket>>();
  private readonly byApiKey = new Map<string, Set<WebSocket>>();
  private readonly expiries = new Map<number, ExpiryBucket>();
  private readonly stopRevocations: () => void;
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
    this.stopRevocations = deps.bus.onRevocation((revocation) => this.revoke(revocation));
    deps.metrics?.watch('websocket_connections', () => this.size);
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
    const { actor } = member;
    addTo(this.byUser, actor.userId, socket);
    if (actor.loginId) addTo(this.byLogin, actor.loginId, socket);
    if (actor.apiKeyId) addTo(this.byApiKey, actor.apiKeyId, socket);
    if (actor.expiresAt !== undefined) this.expireAt(actor.expiresAt, socket);
  }

  /** Sends a frame unless the socket is closing; a gone client is not an error. */
  send(socket: WebSocket, frame: unknown): void {
    if (socket.readyState === OPEN) socket.send(JSON.stringify(frame));
  }

  /** Closes every socket (server shutdown) and stops the heartbeat. */
  close(code = 1001, reason = 'Server shutting down'): void {
    clearInterval(this.heartbeat);
    this.stopRevocations();
    this.closeAll(this.members.keys(), code, reason);
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
    // The socket has nothing left to follow; it hears why before it closes.
    if (event.event === 'session.deleted') this.closeAll(sockets, CLOSE_CODES.notFound, 'Session deleted');
  }

  /** Closes the sockets opened with a credential that was just revoked, on this instance. */
  private revoke(revocation: Revocation): void {
    const index = revocation.kind === 'login' ? this.byLogin : revocation.kind === 'user' ? this.byUser : this.byApiKey;
    const sockets = index.get(revocation.id);
    if (sockets) this.closeAll(sockets, CLOSE_CODES.unauthorized, REVOKED_REASONS[revocation.kind]);
  }

  private expireAt(at: number, socket: WebSocket): void {
    let bucket = this.expiries.get(at);
    if (!bucket) {
      const sockets = new Set<WebSocket>();
      bucket = { sockets, timer: this.expiryTimer(at, sockets) };
      this.expiries.set(at, bucket);
    }
    bucket.sockets.add(socket);
  }

  private expiryTimer(at: number, sockets: Set<WebSocket>): NodeJS.Timeout {
    const wait = at - Date.now();
    const timer = setTimeout(() => {
      const bucket = this.expiries.get(at);
      if (!bucket) return;
      if (wait > MAX_TIMER_MS) {
        bucket.timer = this.expiryTimer(at, sockets);
        return;
      }
      this.expiries.delete(at);
      for (const socket of [...sockets]) {
        const reason = this.members.get(socket)?.actor.apiKeyId ? 'API key has expired' : 'Token has expired';
        this.closeAll([socket], CLOSE_CODES.unauthorized, reason);
      }
    }, Math.min(Math.max(wait, 0), MAX_TIMER_MS));
    timer.unref();
    return timer;
  }

  /** Closes sockets with a code; `sockets` may be one of the hub's own sets, which leaving empties. */
  private closeAll(sockets: Iterable<WebSocket>, code: number, reason: string): void {
    for (const socket of [...sockets]) {
      socket.close(code, reason);
      this.leave(socket);
    }
  }

  private leave(socket: WebSocket): void {
    const member = this.members.get(socket);
    if (!member) return;
    this.members.delete(socket);
    this.awaitingPong.delete(socket);
    member.relay?.abort();
    const { actor } = member;
    removeFrom(this.byUser, actor.userId, socket);
    if (actor.loginId) removeFrom(this.byLogin, actor.loginId, socket);
    if (actor.apiKeyId) removeFrom(this.byApiKey, actor.apiKeyId, socket);
    if (actor.expiresAt !== undefined) {
      const bucket = this.expiries.get(actor.expiresAt);
      if (bucket?.sockets.delete(socket) && bucket.sockets.size === 0) {
        clearTimeout(bucket.timer);
        this.expiries.delete(actor.expiresAt);
      }
    }
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

function addTo(index: Map<string, Set<WebSocket>>, key: string, socket: WebSocket): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(socket);
}

function removeFrom(index: Map<string, Set<WebSocket>>, key: string, socket: WebSocket): void {
  const set = index.get(key);
  if (set?.delete(socket) && set.size === 0) index.delete(key);
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
