/** The signed-in user's tokens, kept in localStorage so a reload stays signed in. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds after which the access token is refreshed before use. */
  expiresAt: number;
}

const KEY = 'parley.session';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function loadSession(store: KeyValueStore): StoredSession | undefined {
  try {
    const raw = store.getItem(KEY);
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof value.accessToken !== 'string' || typeof value.refreshToken !== 'string' || typeof value.expiresAt !== 'number') return undefined;
    return value as StoredSession;
  } catch {
    return undefined;
  }
}

export function saveSession(store: KeyValueStore, session: StoredSession | undefined): void {
  if (session) store.setItem(KEY, JSON.stringify(session));
  else store.removeItem(KEY);
}

/** Refresh this long before expiry, so a request in flight never carries an expired token. */
export const REFRESH_MARGIN_MS = 30_000;

export function needsRefresh(session: StoredSession, now: number): boolean {
  return now >= session.expiresAt - REFRESH_MARGIN_MS;
}
