import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession } from '../http/aichat/helpers.ts';
import { registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openSocket, type TestSocket } from '../support/ws.ts';

const ENDED = { code: 4401, reason: 'Session has ended; please log in again' };

/** A second login of the same user: its own refresh-token family and access token. */
async function login(api: Client, user: TestUser) {
  const res = await api.post('/api/v1/auth/login', { email: user.email, password: user.password });
  assert.equal(res.status, 200, res.text);
  return { token: res.body.access_token as string, refreshToken: res.body.refresh_token as string };
}

async function apiKey(api: Client, user: TestUser, body: Record<string, unknown> = {}) {
  const res = await api.post('/api/v1/auth/api-keys', { name: 'socket', ...body }, { token: user.token });
  assert.equal(res.status, 201, res.text);
  return res.body as { id: string; key: string; expires_at: string | null };
}

/** The socket is open and served: it answers a ping. */
async function stillServed(socket: TestSocket) {
  const pongs = socket.frames.filter((f) => f.type === 'pong').length;
  socket.send({ type: 'ping' });
  await socket.waitFor((f) => f.type === 'pong', { skip: pongs });
}

/** Polls a condition the server reaches in the background (the upstream hears an abort a moment later). */
async function eventually(check: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`never happened: ${what}`);
}

const slowReply = () => ({ tokens: Array.from({ length: 200 }, (_, i) => ` w${i}`), delayMs: 50 });

describe('a websocket’s credential is checked for its whole life', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url } });
    api = client(server.url);
    admin = await registerUser(api);
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  async function userWithSession() {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    return { user, sessionId: session.session_id as string };
  }

  it('logout closes the sockets of that login with 4401; another login’s socket stays', async () => {
    const { user, sessionId } = await userWithSession();
    const other = await login(api, user);
    const mine = await openSocket(server.url, sessionId, { token: user.token });
    const theirs = await openSocket(server.url, sessionId, { token: other.token, via: 'query' });
    await stillServed(mine);

    const out = await api.post('/api/v1/auth/logout', { refresh_token: user.refreshToken }, { token: user.token });
    assert.equal(out.status, 200, out.text);
    assert.deepEqual(await mine.closed, ENDED);
    await stillServed(theirs);
    // Logging out every login closes the rest.
    assert.equal((await api.post('/api/v1/auth/logout', undefined, { token: other.token })).status, 200);
    assert.deepEqual(await theirs.closed, ENDED);
  });

  it('a reused refresh token closes the sockets of its login, whichever token of the family opened them', async () => {
    const { user, sessionId } = await userWithSession();
    const rotated = await api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
    assert.equal(rotated.status, 200, rotated.text);
    const withOld = await openSocket(server.url, sessionId, { token: user.token });
    const withNew = await openSocket(server.url, sessionId, { token: rotated.body.access_token });
    const otherLogin = await openSocket(server.url, sessionId, { token: (await login(api, user)).token });

    assert.equal((await api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken })).status, 401);
    assert.deepEqual(await withOld.closed, ENDED);
    assert.deepEqual(await withNew.closed, ENDED);
    await stillServed(otherLogin);
    await otherLogin.close();
  });

  it('disabling the account closes all its sockets, access tokens and API keys alike, and no one else’s', async () => {
    const { user, sessionId } = await userWithSession();
    const key = await apiKey(api, user);
    const byToken = await openSocket(server.url, sessionId, { token: user.token });
    const byKey = await openSocket(server.url, sessionId, { token: key.key });
    const bystander = await userWithSession();
    const theirs = await openSocket(server.url, bystander.sessionId, { token: bystander.user.token });

    const disabled = await api.patch(`/api/v1/admin/users/${user.id}`, { active: false }, { token: admin.token });
    assert.equal(disabled.status, 200, disabled.text);
    const closed = { code: 4401, reason: 'Account is disabled' };
    assert.deepEqual(await byToken.closed, closed);
    assert.deepEqual(await byKey.closed, closed);
    await stillServed(theirs);
    await theirs.close();
  });

  it('revoking an API key closes the sockets it opened; the owner’s other sockets stay', async () => {
    const { user, sessionId } = await userWithSession();
    const key = await apiKey(api, user);
    const otherKey = await apiKey(api, user);
    const byKey = await openSocket(server.url, sessionId, { token: key.key });
    const byOtherKey = await openSocket(server.url, sessionId, { token: otherKey.key });
    const byToken = await openSocket(server.url, sessionId, { token: user.token });
    await stillServed(byKey);

    assert.equal((await api.delete(`/api/v1/auth/api-keys/${key.id}`, { token: user.token })).status, 204);
    assert.deepEqual(await byKey.closed, { code: 4401, reason: 'API key has been revoked' });
    await stillServed(byOtherKey);
    await stillServed(byToken);
    await byOtherKey.close();
    await byToken.close();
  });

  it('an API key’s socket is closed when the key expires', async () => {
    const { user, sessionId } = await userWithSession();
    const key = await apiKey(api, user, { expires_at: new Date(Date.now() + 1500).toISOString() });
    const socket = await openSocket(server.url, sessionId, { token: key.key });
    await stillServed(socket);
    assert.deepEqual(await socket.closed, { code: 4401, reason: 'API key has expired' });
    assert.ok(Date.now() >= Date.parse(key.expires_at!), 'not closed before the key expired');
  });

  it('deleting the session sends session.deleted, closes its sockets with 4404 and stops its turn unsaved as complete', async () => {
    const { user, sessionId } = await userWithSession();
    const talker = await openSocket(server.url, sessionId, { token: user.token });
    const watcher = await openSocket(server.url, sessionId, { token: user.token });
    const elsewhere = await openSocket(server.url, (await createSession(api, user.token)).session_id, { token: user.token });
    mock.enqueue(slowReply());
    talker.send({ type: 'message', content: 'a long story, please' });
    const started = await talker.waitFor((f) => f.type === 'message');
    await talker.waitFor((f) => f.type === 'token', { skip: 1 });

    // Deleted through another surface than the sockets'.
    assert.equal((await api.delete(`/api/v1/conversations/${sessionId}`, { token: user.token })).status, 200);
    for (const socket of [talker, watcher]) {
      assert.deepEqual(await socket.closed, { code: 4404, reason: 'Session deleted' });
      const deleted = socket.frames.findIndex((f) => f.type === 'event' && f.event === 'session.deleted');
      assert.ok(deleted >= 0, 'the session.deleted frame came before the close');
      assert.deepEqual(socket.frames[deleted].data, { session_id: sessionId });
    }
    await stillServed(elsewhere);
    await elsewhere.close();

    // The provider request was aborted, not read to its end.
    const request = mock.chatRequests().at(-1)!;
    await eventually(() => request.aborted, 'the upstream request is aborted');
    assert.equal(request.finished, false);

    // An admin restores the session to look: the reply was saved as incomplete, not complete.
    assert.equal((await api.post(`/api/v1/admin/conversations/${sessionId}/restore`, undefined, { token: admin.token })).status, 200);
    let reply: any;
    await eventually(async () => {
      const stored = await api.get(`/api/v1/conversations/${sessionId}/messages`, { token: user.token });
      reply = stored.body.find((m: any) => m.role === 'assistant');
      return reply !== undefined && reply.status !== 'streaming';
    }, 'the reply is saved');
    assert.equal(reply.status, 'incomplete');
    assert.equal(reply.metadata.stop_reason, 'deleted');
    assert.ok(reply.content.split(' w').length - 1 < 200, 'the reply was cut short');
    assert.equal(started.data.session_id, sessionId);
  });
});

describe('a websocket is closed when its access token expires', () => {
  let server: TestServer;
  let api: Client;
  before(async () => {
    server = await startTestServer({ env: { ACCESS_TOKEN_TTL_SECONDS: '2' } });
    api = client(server.url);
    await registerUser(api);
  });
  after(() => server.close());

  it('closes with 4401 at the token’s expiry, not before', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const exp = JSON.parse(Buffer.from(user.token.split('.')[1], 'base64url').toString()).exp * 1000;
    const socket = await openSocket(server.url, session.session_id, { token: user.token });
    await stillServed(socket);
    assert.deepEqual(await socket.closed, { code: 4401, reason: 'Token has expired' });
    assert.ok(Date.now() >= exp - 50, `closed ${exp - Date.now()} ms before the token expired`);
    // A fresh token opens a new socket.
    const rotated = await api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
    assert.equal(rotated.status, 200, rotated.text);
    const again = await openSocket(server.url, session.session_id, { token: rotated.body.access_token });
    await stillServed(again);
    await again.close();
  });
});

// Two instances need one database: PostgreSQL (the embedded one belongs to one process).
const shared = process.env.REDIS_URL && process.env.DATABASE_URL;

describe('revocations across instances', { skip: shared ? false : 'REDIS_URL and DATABASE_URL are not both set' }, () => {
  let mock: MockOpenAI;
  let first: TestServer;
  let second: TestServer;
  before(async () => {
    mock = await startMockOpenAI();
    first = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url } });
    second = await startTestServer({ reuse: first });
  });
  after(async () => {
    await second.stop();
    await first.close();
    await mock.close();
  });

  it('a logout, a key revocation and a deletion made on instance B close the sockets on instance A', async () => {
    const apiA = client(first.url);
    const apiB = client(second.url);
    const admin = await registerUser(apiA);
    const user = await registerUser(apiA);
    const sessionId = (await createSession(apiA, user.token)).session_id;
    const key = await apiKey(apiA, user);
    const other = await login(apiA, user);
    const byToken = await openSocket(first.url, sessionId, { token: user.token });
    const byKey = await openSocket(first.url, sessionId, { token: key.key });
    const byOther = await openSocket(first.url, sessionId, { token: other.token });

    assert.equal((await apiB.post('/api/v1/auth/logout', undefined, { token: user.token })).status, 200);
    assert.deepEqual(await byToken.closed, ENDED);
    assert.deepEqual(await byOther.closed, ENDED);
    await stillServed(byKey);

    const fresh = await login(apiB, user);
    assert.equal((await apiB.delete(`/api/v1/auth/api-keys/${key.id}`, { token: fresh.token })).status, 204);
    assert.deepEqual(await byKey.closed, { code: 4401, reason: 'API key has been revoked' });

    // A turn running on A in a session deleted through B is stopped on A.
    const talker = await openSocket(first.url, sessionId, { token: fresh.token });
    mock.enqueue(slowReply());
    talker.send({ type: 'message', content: 'a long story, please' });
    await talker.waitFor((f) => f.type === 'token', { skip: 1 });
    assert.equal((await apiB.delete(`/api/chat/sessions/${sessionId}`, { token: fresh.token })).status, 200);
    assert.deepEqual(await talker.closed, { code: 4404, reason: 'Session deleted' });
    const request = mock.chatRequests().at(-1)!;
    await eventually(() => request.aborted, 'the upstream request is aborted');

    // Disabling the account through B closes its sockets on A.
    const last = await openSocket(first.url, (await createSession(apiA, fresh.token)).session_id, { token: fresh.token });
    assert.equal((await apiB.patch(`/api/v1/admin/users/${user.id}`, { active: false }, { token: admin.token })).status, 200);
    assert.deepEqual(await last.closed, { code: 4401, reason: 'Account is disabled' });
  });
});
