import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { addMessage, createSession, fails, ok, SESSION_KEYS, sameKeys } from './helpers.ts';

describe('seed 003 sessions', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    // The first account of a fresh database is the admin; everyone after is a plain user.
    admin = await registerUser(api);
  });
  after(() => server.close());

  it('creates a session with the default title 新会话 and the full session object', async () => {
    const user = await registerUser(api);
    const data = await createSession(api, user.token, { user_id: user.id });
    sameKeys(data, SESSION_KEYS);
    assert.equal(data.user_id, user.id);
    assert.equal(data.title, '新会话');
    assert.equal(data.message_count, 0);
    assert.equal(data.is_deleted, false);
    assert.match(data.session_id, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(data.created_at)));
    assert.equal(data.created_at, data.updated_at);
  });

  it('keeps a given title, and takes the caller when user_id is absent', async () => {
    const user = await registerUser(api);
    const titled = await createSession(api, user.token, { user_id: user.id, title: '技术讨论' });
    assert.equal(titled.title, '技术讨论');
    const implicit = await createSession(api, user.token, {});
    assert.equal(implicit.user_id, user.id);
    assert.equal(implicit.title, '新会话');
    const empty = await createSession(api, user.token, { title: '' });
    assert.equal(empty.title, '新会话');
  });

  it("refuses a user_id that is not the caller's with 403, but lets an admin name anyone", async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const res = await api.post('/api/chat/session', { user_id: other.id }, { token: user.token });
    const body = fails(res, 403);
    assert.equal(body.message, 'Access denied');
    assert.equal(body.data, null);

    const forOther = await createSession(api, admin.token, { user_id: other.id, title: 'from admin' });
    assert.equal(forOther.user_id, other.id);
    // The session is the named user's own.
    ok(await api.get(`/api/chat/sessions/${forOther.session_id}`, { token: other.token }));
    fails(await api.post('/api/chat/session', { user_id: randomUUID() }, { token: admin.token }), 404);
  });

  it('answers one session without user_id, with a message count that follows deletes', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token, { title: 'counted' });
    const first = await addMessage(api, user.token, session.session_id, 'one');
    await addMessage(api, user.token, session.session_id, 'two', 'assistant');
    await addMessage(api, user.token, session.session_id, 'three');
    let data = ok(await api.get(`/api/chat/sessions/${session.session_id}`, { token: user.token }));
    sameKeys(data, ['session_id', 'title', 'message_count', 'created_at', 'updated_at', 'is_deleted']);
    assert.equal(data.message_count, 3);
    assert.equal(data.title, 'counted');
    assert.equal(data.is_deleted, false);

    ok(await api.delete(`/api/chat/messages/${first.message_id}`, { token: user.token }));
    data = ok(await api.get(`/api/chat/sessions/${session.session_id}`, { token: user.token }));
    assert.equal(data.message_count, 2);
    const listed = ok(await api.post('/api/chat/sessions', { user_id: user.id }, { token: user.token }));
    assert.equal(listed.find((s: any) => s.session_id === session.session_id).message_count, 2);
  });

  it('answers 404 for a missing session and 403 for another user’s', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const theirs = await createSession(api, other.token);
    fails(await api.get(`/api/chat/sessions/${randomUUID()}`, { token: user.token }), 404);
    fails(await api.get('/api/chat/sessions/123', { token: user.token }), 404);
    const forbidden = fails(await api.get(`/api/chat/sessions/${theirs.session_id}`, { token: user.token }), 403);
    assert.equal(forbidden.message, 'Access denied');
    fails(await api.patch(`/api/chat/sessions/${theirs.session_id}`, { new_title: 'x' }, { token: user.token }), 403);
    fails(await api.delete(`/api/chat/sessions/${theirs.session_id}`, { token: user.token }), 403);
    // An admin may read anyone's session.
    ok(await api.get(`/api/chat/sessions/${theirs.session_id}`, { token: admin.token }));
  });

  it('lists sessions by user_id, most recently updated first, in pages of 20 by default', async () => {
    const user = await registerUser(api);
    const created = [];
    for (let i = 0; i < 22; i++) created.push(await createSession(api, user.token, { title: `s${i}` }));
    // Activity moves a session to the top.
    await addMessage(api, user.token, created[0].session_id, 'bump');

    const page1 = ok(await api.post('/api/chat/sessions', { user_id: user.id }, { token: user.token }));
    assert.ok(Array.isArray(page1));
    assert.equal(page1.length, 20);
    sameKeys(page1[0], ['session_id', 'title', 'message_count', 'created_at']);
    assert.equal(page1[0].session_id, created[0].session_id);
    assert.equal(page1[0].message_count, 1);

    const page2 = ok(await api.post('/api/chat/sessions', { user_id: user.id, page: 2, page_size: 20 }, { token: user.token }));
    assert.equal(page2.length, 2);
    const seen = new Set([...page1, ...page2].map((s: any) => s.session_id));
    assert.equal(seen.size, 22);

    const small = ok(await api.post('/api/chat/sessions', { user_id: user.id, page: 3, page_size: 5 }, { token: user.token }));
    assert.deepEqual(
      small.map((s: any) => s.session_id),
      page1.slice(10, 15).map((s: any) => s.session_id),
    );
    const beyond = ok(await api.post('/api/chat/sessions', { user_id: user.id, page: 99 }, { token: user.token }));
    assert.deepEqual(beyond, []);
    // Without user_id the caller's own sessions are listed.
    assert.equal(ok(await api.post('/api/chat/sessions', {}, { token: user.token })).length, 20);
  });

  it("refuses to list another user's sessions, except to an admin", async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    await createSession(api, other.token);
    fails(await api.post('/api/chat/sessions', { user_id: other.id }, { token: user.token }), 403);
    const asAdmin = ok(await api.post('/api/chat/sessions', { user_id: other.id }, { token: admin.token }));
    assert.equal(asAdmin.length, 1);
  });

  it('answers 422 in the envelope for bad list input', async () => {
    const user = await registerUser(api);
    for (const body of [{ page: 0 }, { page: -1 }, { page_size: 0 }, { page: 'abc' }, { page: 1.5 }, { user_id: 42 }]) {
      const res = fails(await api.post('/api/chat/sessions', body, { token: user.token }), 422);
      assert.ok(Array.isArray(res.data), JSON.stringify(body));
      assert.equal(res.data[0].loc[0], 'body');
    }
    const invalidJson = await api.request('POST', '/api/chat/sessions', {
      token: user.token,
      raw: '{"page":',
      headers: { 'content-type': 'application/json' },
    });
    fails(invalidJson, 422);
  });

  it('renames a session with new_title', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const data = ok(await api.patch(`/api/chat/sessions/${session.session_id}`, { new_title: '更新后的标题' }, { token: user.token }));
    assert.equal(data, '标题更新成功');
    const after = ok(await api.get(`/api/chat/sessions/${session.session_id}`, { token: user.token }));
    assert.equal(after.title, '更新后的标题');
    for (const body of [{}, { new_title: '' }, { new_title: '   ' }, { new_title: 5 }, { new_title: 'x'.repeat(201) }]) {
      fails(await api.patch(`/api/chat/sessions/${session.session_id}`, body, { token: user.token }), 422);
    }
    fails(await api.patch(`/api/chat/sessions/${randomUUID()}`, { new_title: 'x' }, { token: user.token }), 404);
  });

  it('deletes a session: hidden everywhere at once, with its messages', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const message = await addMessage(api, user.token, session.session_id, 'soon gone');
    const data = ok(await api.delete(`/api/chat/sessions/${session.session_id}`, { token: user.token }));
    assert.equal(data, '会话删除成功');
    fails(await api.get(`/api/chat/sessions/${session.session_id}`, { token: user.token }), 404);
    fails(await api.get(`/api/chat/sessions/${session.session_id}/messages/${message.message_id}`, { token: user.token }), 404);
    fails(await api.get(`/api/chat/sessions/${session.session_id}/messages`, { token: user.token }), 404);
    const listed = ok(await api.post('/api/chat/sessions', {}, { token: user.token }));
    assert.ok(!listed.some((s: any) => s.session_id === session.session_id));
    // Through seed 000 too.
    assert.equal((await api.get(`/api/v1/conversations/${session.session_id}`, { token: user.token })).status, 404);
    fails(await api.delete(`/api/chat/sessions/${session.session_id}`, { token: user.token }), 404);
  });

  it('sees conversations created through another surface', async () => {
    const user = await registerUser(api);
    const res = await api.post('/api/v1/conversations', { title: 'from seed 000' }, { token: user.token });
    assert.equal(res.status, 201);
    const data = ok(await api.get(`/api/chat/sessions/${res.body.id}`, { token: user.token }));
    assert.equal(data.title, 'from seed 000');
    const untitled = await api.post('/api/v1/conversations', {}, { token: user.token });
    assert.equal(ok(await api.get(`/api/chat/sessions/${untitled.body.id}`, { token: user.token })).title, '新会话');
  });

  it('requires a valid bearer token on every route, answering 401 in the envelope', async () => {
    const id = randomUUID();
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/api/chat/session', {}],
      ['GET', `/api/chat/sessions/${id}`],
      ['POST', '/api/chat/sessions', {}],
      ['PATCH', `/api/chat/sessions/${id}`, { new_title: 'x' }],
      ['DELETE', `/api/chat/sessions/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const none = fails(await api.request(method, path, { body }), 401);
      assert.equal(none.message, 'Not authenticated');
      const bad = await api.request(method, path, { body, token: 'not-a-valid-token' });
      fails(bad, 401);
      assert.equal(bad.headers.get('www-authenticate'), 'Bearer');
      fails(await api.request(method, path, { body, headers: { authorization: 'Basic abc' } }), 401);
    }
  });

  it('answers unknown routes of the surface with a 404 envelope', async () => {
    const user = await registerUser(api);
    const res = fails(await api.get('/api/chat/sessions/a/b/c', { token: user.token }), 404);
    assert.equal(res.data, null);
    fails(await api.request('PUT', '/api/chat/session', { token: user.token, body: {} }), 404);
    fails(await api.get('/api/chat/messages/nothing/here'), 404);
  });
});
