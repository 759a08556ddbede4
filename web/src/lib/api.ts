import { type KeyValueStore, loadSession, needsRefresh, type StoredSession, saveSession } from './tokens.ts';

/** An error answered by the API, with the server's own words. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: unknown;
  constructor(status: number, detail: unknown) {
    super(describeDetail(status, detail));
    this.status = status;
    this.detail = detail;
  }
}

/** `{detail}` as /api/v1 answers it: a sentence, or FastAPI's list of field errors. */
export function describeDetail(status: number, detail: unknown): string {
  if (typeof detail === 'string' && detail) return detail;
  if (Array.isArray(detail) && detail.length > 0) {
    return detail
      .map((d: { loc?: unknown[]; msg?: string }) => {
        const field = Array.isArray(d.loc) ? d.loc.filter((p) => p !== 'body' && p !== 'query').join('.') : '';
        return field ? `${field}: ${d.msg ?? 'invalid'}` : (d.msg ?? 'invalid');
      })
      .join('; ');
  }
  if (detail && typeof detail === 'object' && 'message' in detail && typeof detail.message === 'string') return detail.message;
  if (status === 0) return 'The server cannot be reached';
  return `Request failed (${status})`;
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: User;
}

export interface User {
  id: string;
  email: string;
  display_name: string | null;
  role: 'user' | 'admin';
  tier: 'free' | 'pro' | 'enterprise';
  is_active: boolean;
  created_at: string;
}

type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Skip the bearer token (sign-in, registration, public share links). */
  anonymous?: boolean;
}

interface Env {
  fetch: typeof fetch;
  store: KeyValueStore;
  now: () => number;
  /** Serializes token refreshes across tabs (Web Locks when the browser has them). */
  lock: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

const browserLock = <T>(name: string, fn: () => Promise<T>): Promise<T> =>
  typeof navigator !== 'undefined' && navigator.locks ? navigator.locks.request(name, fn) : fn();

/**
 * The client of Parley's /api/v1. It keeps the tokens, refreshes the access token before it
 * expires and once more after a 401, and turns error answers into ApiError. Refresh tokens
 * rotate and a reused one ends the login, so refreshes are serialized across tabs and a tab
 * first takes the tokens another tab has just stored.
 */
export class Api {
  private readonly env: Env;
  private session: StoredSession | undefined;
  private refreshing: Promise<StoredSession | undefined> | undefined;
  /** Called when the login has ended (refresh refused): the app shows sign-in. */
  onSignedOut: () => void = () => {};

  constructor(env: Partial<Env> = {}) {
    this.env = {
      fetch: env.fetch ?? ((input, init) => fetch(input, init)),
      store: env.store ?? localStorage,
      now: env.now ?? Date.now,
      lock: env.lock ?? browserLock,
    };
    this.session = loadSession(this.env.store);
  }

  get signedIn(): boolean {
    return this.session !== undefined;
  }

  /** The current access token, refreshed first when it is about to expire (for WebSocket URLs). */
  async accessToken(): Promise<string | undefined> {
    const session = await this.freshSession();
    return session?.accessToken;
  }

  adopt(tokens: TokenResponse): void {
    this.setSession({
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      expiresAt: this.env.now() + tokens.expires_in * 1000,
    });
  }

  async signOut(): Promise<void> {
    const session = this.session;
    if (session) {
      await this.env
        .fetch('/api/v1/auth/logout', {
          method: 'POST',
          headers: { authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ refresh_token: session.refreshToken }),
        })
        .catch(() => undefined);
    }
    this.setSession(undefined);
  }

  get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.json<T>('GET', path, opts);
  }
  post<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.json<T>('POST', path, { ...opts, body });
  }
  put<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.json<T>('PUT', path, { ...opts, body });
  }
  patch<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.json<T>('PATCH', path, { ...opts, body });
  }
  delete<T = void>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.json<T>('DELETE', path, opts);
  }

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, opts);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Sends a request and answers the raw response when it succeeded (for streams and files);
   * an error answer throws ApiError.
   */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    let response = await this.attempt(method, path, opts);
    if (response.status === 401 && !opts.anonymous && this.session) {
      const renewed = await this.refresh(this.session);
      if (renewed) response = await this.attempt(method, path, opts);
    }
    if (!response.ok) {
      const detail = await response
        .json()
        .then((b: { detail?: unknown; message?: unknown; error?: unknown }) => b.detail ?? b.error ?? b.message ?? b)
        .catch(() => undefined);
      if (response.status === 401 && !opts.anonymous) this.endLogin();
      throw new ApiError(response.status, detail);
    }
    return response;
  }

  private async attempt(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    if (!opts.anonymous) {
      const session = await this.freshSession();
      if (session) headers.authorization = `Bearer ${session.accessToken}`;
    }
    let body: BodyInit | undefined;
    if (opts.body instanceof FormData || opts.body instanceof Blob) body = opts.body;
    else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    try {
      return await this.env.fetch(withQuery(path, opts.query), { method, headers, body, signal: opts.signal });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(0, undefined);
    }
  }

  private async freshSession(): Promise<StoredSession | undefined> {
    const session = this.session;
    if (!session || !needsRefresh(session, this.env.now())) return session;
    return this.refresh(session);
  }

  /** One refresh at a time, in this tab and across tabs. */
  private refresh(stale: StoredSession): Promise<StoredSession | undefined> {
    this.refreshing ??= this.env
      .lock('parley.refresh', async () => {
        // Another tab may have rotated the tokens while this one waited: take them.
        const stored = loadSession(this.env.store);
        if (stored && stored.refreshToken !== stale.refreshToken && !needsRefresh(stored, this.env.now())) {
          this.session = stored;
          return stored;
        }
        const current = stored ?? stale;
        const response = await this.env
          .fetch('/api/v1/auth/refresh', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ refresh_token: current.refreshToken }),
          })
          .catch(() => undefined);
        if (!response) return this.session; // offline: keep the tokens, the request will fail on its own
        if (!response.ok) {
          this.endLogin();
          return undefined;
        }
        this.adopt((await response.json()) as TokenResponse);
        return this.session;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private endLogin(): void {
    if (!this.session) return;
    this.setSession(undefined);
    this.onSignedOut();
  }

  private setSession(session: StoredSession | undefined): void {
    this.session = session;
    saveSession(this.env.store, session);
  }
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}
