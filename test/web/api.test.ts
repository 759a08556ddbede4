import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, ApiError, describeDetail, withQuery } from '../../web/src/lib/api.ts';
import { loadSession, REFRESH_MARGIN_MS, saveSession } from '../../web/src/lib/tokens.ts';
import { FakeServer, memoryStore, tabLocks } from './support/fakes.ts';

const REFRESH = '/api/v1/auth/refresh';
const ME = '/api/v1/auth/me';

/** One browser: a clock, a store and locks shared by its tabs, a server. */
function browser() {
  const server = new FakeServer();
  const store = memoryStore();
  const lock = tabLocks();
  const clock = { now: 1_750_000_000_000 };
  /** A signed-in session whose access token expires in `ttlMs`. */
  const signIn = (ttlMs = 600_000) => {
    const tokens = server.issue();
    saveSession(store, { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiresAt: clock.now + ttlMs });
  };
  /** A tab: an Api reading the shared store, counting its sign-outs; without Web Locks if asked. */
  const tab = (opts: { webLocks?: boolean } = {}) => {
    const noLocks = <T>(_name: string, fn: () => Promise<T>) => fn();
    const api = new Api({ fetch: server.fetch, store, lock: opts.webLocks === false ? noLocks : lock, now: () => clock.now });
    const signedOut = { count: 0 };
    api.onSignedOut = () => signedOut.count++;
    return { api, signedOut };
  };
  return { server, store, clock, signIn, tab };
}

const rejectsWith = async (promise: Promise<unknown>, status: number, message?: string) => {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, status);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
};

describe('Api: tokens', () => {
  it('sends the stored access token, and refreshes it first when it is about to expire', async () => {
    const b = browser();
    b.signIn();
    const { api } = b.tab();
    assert.deepEqual(await api.get(ME), { path: ME, token: 'access-1' });
    assert.equal(b.server.callsTo(REFRESH).length, 0);

    b.clock.now += 600_000 - REFRESH_MARGIN_MS;
    assert.deepEqual(await api.get(ME), { path: ME, token: 'access-2' });
    assert.deepEqual(
      b.server.calls.map((c) => [c.path, c.authorization ?? (c.body as { refresh_token: string }).refresh_token]),
      [
        [ME, 'Bearer access-1'],
        [REFRESH, 'refresh-1'],
        [ME, 'Bearer access-2'],
      ],
    );
    // The rotated tokens are kept for the next page load.
    assert.deepEqual(loadSession(b.store), { accessToken: 'access-2', refreshToken: 'refresh-2', expiresAt: b.clock.now + 900_000 });
  });

  it('after a 401, refreshes once and retries the request once', async () => {
    const b = browser();
    b.signIn();
    const { api, signedOut } = b.tab();
    b.server.revoke('access-1');
    assert.deepEqual(await api.get(ME), { path: ME, token: 'access-2' });
    assert.deepEqual(
      b.server.calls.map((c) => c.path),
      [ME, REFRESH, ME],
    );
    assert.equal(signedOut.count, 0);

    // A 401 to the retry too: no second refresh, no loop; the login has ended.
    b.server.answerNext(ME, new Response(JSON.stringify({ detail: 'Not authenticated' }), { status: 401 }));
    b.server.answerNext(ME, new Response(JSON.stringify({ detail: 'Not authenticated' }), { status: 401 }));
    await rejectsWith(api.get(ME), 401, 'Not authenticated');
    assert.deepEqual(
      b.server.calls.slice(3).map((c) => c.path),
      [ME, REFRESH, ME],
    );
    assert.equal(signedOut.count, 1);
    assert.equal(api.signedIn, false);
  });

  it('signs out when the refresh is refused, and says so once', async () => {
    const b = browser();
    b.signIn(10_000);
    const { api, signedOut } = b.tab();
    // The refresh token was revoked (signed out elsewhere): the server refuses it.
    b.server.answerNext(REFRESH, new Response(JSON.stringify({ detail: 'Invalid or expired refresh token' }), { status: 401 }));
    await rejectsWith(api.get(ME), 401);
    assert.equal(api.signedIn, false);
    assert.equal(loadSession(b.store), undefined);
    assert.equal(signedOut.count, 1);
    assert.equal(b.server.callsTo(REFRESH).length, 1);
    // Signed out, the next request goes without a token and without a refresh.
    await rejectsWith(api.get(ME), 401);
    assert.equal(b.server.callsTo(REFRESH).length, 1);
    assert.equal(b.server.calls.at(-1)?.authorization, undefined);
    assert.equal(signedOut.count, 1);
  });

  it('keeps the tokens when the refresh cannot reach the server', async () => {
    const b = browser();
    b.signIn(10_000);
    const { api, signedOut } = b.tab();
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const offlineApi = new Api({ fetch: offline, store: b.store, lock: tabLocks(), now: () => b.clock.now });
    await rejectsWith(offlineApi.get(ME), 0, 'The server cannot be reached');
    assert.equal(offlineApi.signedIn, true);
    assert.equal(loadSession(b.store)?.refreshToken, 'refresh-1');
    // Back online, the same tokens still work.
    assert.deepEqual(await api.get(ME), { path: ME, token: 'access-2' });
    assert.equal(signedOut.count, 0);
  });

  it('shares one refresh between concurrent requests, before expiry and after 401s', async () => {
    const b = browser();
    b.signIn(10_000);
    // Without Web Locks, so the tab's own bookkeeping is what keeps it to one refresh.
    const { api } = b.tab({ webLocks: false });
    let release = b.server.holdRefreshes();
    const expiring = Promise.all([api.get(ME), api.get('/api/v1/conversations'), api.get('/api/v1/models')]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    const answers = (await expiring) as Array<{ token: string }>;
    assert.deepEqual(
      answers.map((a) => a.token),
      ['access-2', 'access-2', 'access-2'],
    );
    assert.equal(b.server.callsTo(REFRESH).length, 1);

    b.server.revoke('access-2');
    release = b.server.holdRefreshes();
    const rejected = Promise.all([api.get(ME), api.get('/api/v1/models')]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    assert.deepEqual(
      ((await rejected) as Array<{ token: string }>).map((a) => a.token),
      ['access-3', 'access-3'],
    );
    assert.equal(b.server.callsTo(REFRESH).length, 2);
  });

  it('takes the tokens another tab has just stored instead of reusing its own refresh token', async () => {
    const b = browser();
    b.signIn(10_000);
    const first = b.tab();
    const second = b.tab();
    // The first tab refreshes; the second still holds the rotated-away refresh token in memory.
    assert.deepEqual(await first.api.get(ME), { path: ME, token: 'access-2' });
    assert.deepEqual(await second.api.get(ME), { path: ME, token: 'access-2' });
    assert.equal(b.server.callsTo(REFRESH).length, 1);
    assert.equal(second.signedOut.count, 0);

    // Both tabs at once: the lock lets one refresh, the other waits and takes its tokens.
    b.clock.now += 900_000;
    const release = b.server.holdRefreshes();
    const both = Promise.all([first.api.get(ME), second.api.get(ME)]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    assert.deepEqual(
      ((await both) as Array<{ token: string }>).map((a) => a.token),
      ['access-3', 'access-3'],
    );
    assert.equal(b.server.callsTo(REFRESH).length, 2);
    assert.equal(first.signedOut.count + second.signedOut.count, 0);
    assert.equal(loadSession(b.store)?.refreshToken, 'refresh-3');
  });

  it('sends anonymous requests without a token, and a refused sign-in ends no login', async () => {
    const b = browser();
    b.signIn(10_000);
    const { api, signedOut } = b.tab();
    b.server.answerNext('/api/v1/auth/login', new Response(JSON.stringify({ detail: 'Incorrect email or password' }), { status: 401 }));
    await rejectsWith(api.post('/api/v1/auth/login', { email: 'a@example.test', password: 'x' }, { anonymous: true }), 401, 'Incorrect email or password');
    const login = b.server.callsTo('/api/v1/auth/login')[0];
    assert.equal(login.authorization, undefined);
    assert.deepEqual(login.body, { email: 'a@example.test', password: 'x' });
    assert.equal(b.server.callsTo(REFRESH).length, 0);
    assert.equal(api.signedIn, true);
    assert.equal(signedOut.count, 0);
  });
});

describe('Api: errors', () => {
  const answering = (response: Response | Error) => {
    const store = memoryStore();
    const fake = (async () => {
      if (response instanceof Error) throw response;
      return response;
    }) as typeof fetch;
    return new Api({ fetch: fake, store, lock: tabLocks(), now: () => 0 });
  };
  const reply = (status: number, body: unknown) =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('words a FastAPI field list, a sentence, and the other surfaces’ shapes', async () => {
    const fields = [
      { loc: ['body', 'email'], msg: 'value is not a valid email address', type: 'value_error' },
      { loc: ['body', 'password'], msg: 'String should have at least 8 characters', type: 'string_too_short' },
      { loc: ['query', 'limit'], msg: 'Input should be less than or equal to 100', type: 'less_than_equal' },
      { loc: ['body'], msg: 'Field required', type: 'missing' },
    ];
    await rejectsWith(
      answering(reply(422, { detail: fields })).post('/api/v1/auth/register', {}),
      422,
      'email: value is not a valid email address; password: String should have at least 8 characters; limit: Input should be less than or equal to 100; Field required',
    );
    await rejectsWith(answering(reply(404, { detail: 'Conversation not found' })).get('/api/v1/conversations/x'), 404, 'Conversation not found');
    await rejectsWith(answering(reply(429, { error: { message: 'Rate limit exceeded', type: 'rate_limit_error' } })).get('/v1/models'), 429, 'Rate limit exceeded');
    await rejectsWith(answering(reply(404, { code: 404, message: 'Session not found', data: null })).get('/api/chat/sessions/x'), 404, 'Session not found');
    await rejectsWith(answering(new Response('<html>Bad gateway</html>', { status: 502 })).get(ME), 502, 'Request failed (502)');
    await rejectsWith(answering(new TypeError('fetch failed')).get(ME), 0, 'The server cannot be reached');
  });

  it('keeps the server’s detail on the error', async () => {
    const detail = [{ loc: ['body', 'title'], msg: 'too long', type: 'string_too_long' }];
    await assert.rejects(answering(reply(422, { detail })).post('/api/v1/conversations/', {}), (err: ApiError) => {
      assert.deepEqual(err.detail, detail);
      return true;
    });
  });

  it('lets an abort through as it is', async () => {
    const abort = new DOMException('The operation was aborted.', 'AbortError');
    await assert.rejects(answering(abort).get(ME), (err: unknown) => err === abort);
  });

  it('describes details without a server sentence', () => {
    assert.equal(describeDetail(400, 'Bad thing'), 'Bad thing');
    assert.equal(describeDetail(400, ''), 'Request failed (400)');
    assert.equal(describeDetail(422, [{ msg: 'no location' }]), 'no location');
    assert.equal(describeDetail(422, [{ loc: ['body', 'messages', 0, 'content'] }]), 'messages.0.content: invalid');
    assert.equal(describeDetail(500, undefined), 'Request failed (500)');
    assert.equal(describeDetail(0, undefined), 'The server cannot be reached');
  });
});

describe('withQuery', () => {
  it('adds the set parameters, repeating lists, after any query already there', () => {
    assert.equal(withQuery('/a', undefined), '/a');
    assert.equal(withQuery('/a', { q: 'x y', skip: 0, archived: false, empty: '', none: null, gone: undefined }), '/a?q=x+y&skip=0&archived=false');
    assert.equal(withQuery('/a?x=1', { tag: ['p', 'q'] }), '/a?x=1&tag=p&tag=q');
    assert.equal(withQuery('/a', { empty: '' }), '/a');
  });
});
