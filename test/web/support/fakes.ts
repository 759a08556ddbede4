import type { TokenResponse } from '../../../web/src/lib/api.ts';
import type { KeyValueStore } from '../../../web/src/lib/tokens.ts';

/** localStorage as the browser keeps it: one store shared by every tab of a site. */
export function memoryStore(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

/** Web Locks as the browser grants them: one holder of a name at a time, across tabs, in request order. */
export function tabLocks() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(name) ?? Promise.resolve()).then(fn);
    tails.set(
      name,
      run.catch(() => undefined),
    );
    return run;
  };
}

export interface Call {
  method: string;
  path: string;
  authorization?: string;
  body?: unknown;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * Parley's auth as the client sees it: access tokens are accepted until revoked, refresh tokens
 * rotate (each works once), and every other request answers `{path, token}` to a valid token.
 */
export class FakeServer {
  readonly calls: Call[] = [];
  private readonly access = new Set<string>();
  private readonly refresh = new Set<string>();
  private issued = 0;
  private gate: Promise<void> | undefined;
  private readonly scripted = new Map<string, Response[]>();
  expiresIn = 900;

  /** A new pair of tokens, as a login or a refresh answers them. */
  issue(): TokenResponse {
    this.issued++;
    const pair = { access_token: `access-${this.issued}`, refresh_token: `refresh-${this.issued}` };
    this.access.add(pair.access_token);
    this.refresh.add(pair.refresh_token);
    return {
      ...pair,
      expires_in: this.expiresIn,
      user: { id: 'u1', email: 'a@example.test', display_name: null, role: 'user', tier: 'free', is_active: true, created_at: '2026-01-01T00:00:00Z' },
    };
  }

  revoke(accessToken: string): void {
    this.access.delete(accessToken);
  }

  /** Holds refresh answers until the returned function is called. */
  holdRefreshes(): () => void {
    let release = () => {};
    this.gate = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      this.gate = undefined;
      release();
    };
  }

  /** The next request to `path` gets this answer, whatever its token. */
  answerNext(path: string, response: Response): void {
    this.scripted.set(path, [...(this.scripted.get(path) ?? []), response]);
  }

  callsTo(path: string): Call[] {
    return this.calls.filter((c) => c.path === path);
  }

  readonly fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const path = String(input);
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    this.calls.push({ method: init.method ?? 'GET', path, authorization: headers.get('authorization') ?? undefined, body });
    const scripted = this.scripted.get(path)?.shift();
    if (scripted) return scripted;
    if (path === '/api/v1/auth/refresh') {
      await this.gate;
      const token = (body as { refresh_token: string }).refresh_token;
      if (!this.refresh.delete(token)) return json(401, { detail: 'Invalid or expired refresh token' });
      return json(200, this.issue());
    }
    const token = headers.get('authorization')?.replace(/^Bearer /, '');
    if (!token || !this.access.has(token)) return json(401, { detail: 'Not authenticated' });
    return json(200, { path, token });
  }) as typeof fetch;
}
