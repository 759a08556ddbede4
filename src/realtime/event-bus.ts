import type { Revocation, RevocationPublisher } from '../core/accounts/revocations.ts';

export type SessionEventName =
  | 'message.created'
  | 'message.updated'
  | 'message.deleted'
  | 'session.updated'
  | 'session.deleted';

export interface SessionEvent {
  sessionId: string;
  event: SessionEventName;
  data: unknown;
}

export type SessionEventListener = (event: SessionEvent) => void;

export type RevocationListener = (revocation: Revocation) => void;

/** Told the id of a user whose role, tier or limits changed. */
export type AccountChangeListener = (userId: string) => void;

/**
 * Changes to a session, published by the core and pushed to that session's sockets; revoked
 * credentials, which close the sockets opened with them; and both revocations and changed
 * accounts, which make every instance forget the credentials it remembers. In-process by
 * default; a Redis implementation fans them out across instances.
 */
export interface EventBus extends RevocationPublisher {
  publish(event: SessionEvent): void;
  subscribe(sessionId: string, listener: SessionEventListener): () => void;
  onRevocation(listener: RevocationListener): () => void;
  onAccountChange(listener: AccountChangeListener): () => void;
  close(): Promise<void>;
}

export class InProcessEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<SessionEventListener>>();
  private readonly revocationListeners = new Set<RevocationListener>();
  private readonly accountListeners = new Set<AccountChangeListener>();

  publish(event: SessionEvent): void {
    this.deliver(event);
  }

  /** Hands an event to this process's listeners; also used by bus implementations that receive from elsewhere. */
  deliver(event: SessionEvent): void {
    const set = this.listeners.get(event.sessionId);
    if (!set) return;
    for (const listener of set) listener(event);
  }

  /** Whether anything on this process follows the session. */
  has(sessionId: string): boolean {
    return this.listeners.has(sessionId);
  }

  subscribe(sessionId: string, listener: SessionEventListener): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) {
      set = new Set();
      this.listeners.set(sessionId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(sessionId);
    };
  }

  async publishRevocation(revocation: Revocation): Promise<void> {
    this.deliverRevocation(revocation);
  }

  /** Hands a revocation to this process's listeners, wherever it was published. */
  deliverRevocation(revocation: Revocation): void {
    for (const listener of this.revocationListeners) listener(revocation);
  }

  onRevocation(listener: RevocationListener): () => void {
    this.revocationListeners.add(listener);
    return () => {
      this.revocationListeners.delete(listener);
    };
  }

  async publishAccountChange(userId: string): Promise<void> {
    this.deliverAccountChange(userId);
  }

  /** Hands a changed account to this process's listeners, wherever it was published. */
  deliverAccountChange(userId: string): void {
    for (const listener of this.accountListeners) listener(userId);
  }

  onAccountChange(listener: AccountChangeListener): () => void {
    this.accountListeners.add(listener);
    return () => {
      this.accountListeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.revocationListeners.clear();
    this.accountListeners.clear();
  }
}
