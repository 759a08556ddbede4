import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { addMessage, BRIEF_MESSAGE_KEYS, createSession, fails, ok, sameKeys } from './helpers.ts';

describe('seed 003 messages', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    admin = await registerUser(api);
  });
  after(() => server.close());

  async function sessionWith(user: TestUser, count: number) {
    const session = await createSession(api, user.token);
    const messages = [];
    for (let i = 0; i < count; i++) messages.push(await addMessage(api, user.token, session.session_id, `m${i}`));
    return { session, messages };
  }

  it('stores a message of any role as sent, without calling a model', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const data = await addMessage(api, user.token, session.session_id, '如何学习Python？');
    sameKeys(data, BRIEF_MESSAGE_KEYS);
    assert.equal(data.content, '如何学习Python？');
    assert.equal(data.role, 'user');
    assert.ok(!Number.isNaN(Date.parse(data.created_at)));
    assert.equal((await addMessage(api, user.token, session.session_id, 'an answer', 'assistant')).role, 'assistant');
    assert.equal((await addMessage(api, user.token, session.session_id, 'be brief', 'system')).role, 'system');
    const defaulted = ok(await api.post('/api/chat/message', { session_id: session.session_id, content: 'no role' }, { token: user.token }));
    assert.equal(defaulted.role, 'user');

    const page = ok(await api.get(`/api/chat/sessions/${session.session_id}/messages`, { token: user.token }));
    // Exactly what was sent: no reply was generated.
    assert.deepEqual(
      page.items.map((m: any) => [m.role, m.content]),
      [
        ['user', '如何学习Python？'],
        ['assistant', 'an answer'],
        ['system', 'be brief'],
        ['user', 'no role'],
      ],
    );
  });

  it('answers 422 for bad message input, 404 for a missing session, 403 for another user’s', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const session = await createSession(api, user.token);
    const theirs = await createSession(api, other.token);
    const bad = [
      { session_id: session.session_id, content: 'x', role: 'robot' },
      { session_id: session.session_id, content: '' },
      { session_id: session.session_id, content: '   ' },
      { session_id: session.session_id },
      { content: 'no session' },
      { session_id: session.session_id, content: 42 },
      { session_id: session.session_id, content: 'x'.repeat(100_001) },
    ];
    for (const body of bad) {
      const res = fails(await api.post('/api/chat/message', body, { token: user.token }), 422);
      assert.equal(res.data[0].loc[0], 'body', JSON.stringify(body).slice(0, 80));
    }
    fails(await api.post('/api/chat/message', { session_id: randomUUID(), content: 'x' }, { token: user.token }), 404);
    fails(await api.post('/api/chat/message', { session_id: 'not-a-uuid', content: 'x' }, { token: user.token }), 404);
    fails(await api.post('/api/chat/message', { session_id: theirs.session_id, content: 'x' }, { token: user.token }), 403);
  });

  it('answers one message of a session in the short form', async () => {
    const user = await registerUser(api);
    const { session, messages } = await sessionWith(user, 2);
    const data = ok(await api.get(`/api/chat/sessions/${session.session_id}/messages/${messages[1].message_id}`, { token: user.token }));
    sameKeys(data, BRIEF_MESSAGE_KEYS);
    assert.deepEqual(data, messages[1]);
  });

  it('answers 404 for a message outside the session or missing, 403 for another user’s', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const a = await sessionWith(user, 1);
    const b = await sessionWith(user, 1);
    const theirs = await sessionWith(other, 1);
    const path = (sid: string, mid: string) => `/api/chat/sessions/${sid}/messages/${mid}`;
    fails(await api.get(path(b.session.session_id, a.messages[0].message_id), { token: user.token }), 404);
    fails(await api.get(path(a.session.session_id, randomUUID()), { token: user.token }), 404);
    fails(await api.get(path(a.session.session_id, '1'), { token: user.token }), 404);
    fails(await api.get(path(theirs.session.session_id, theirs.messages[0].message_id), { token: user.token }), 403);
    ok(await api.get(path(theirs.session.session_id, theirs.messages[0].message_id), { token: admin.token }));
  });

  it('pages messages oldest first: 50 by default, page_size or pageSize, capped at 100', async () => {
    const user = await registerUser(api);
    const { session, messages } = await sessionWith(user, 105);
    const base = `/api/chat/sessions/${session.session_id}/messages`;

    const first = ok(await api.get(base, { token: user.token }));
    assert.deepEqual(Object.keys(first).sort(), ['items', 'page', 'page_size', 'total']);
    assert.equal(first.total, 105);
    assert.equal(first.page, 1);
    assert.equal(first.page_size, 50);
    assert.equal(first.items.length, 50);
    sameKeys(first.items[0], BRIEF_MESSAGE_KEYS);
    assert.deepEqual(first.items[0], messages[0]);

    const camel = ok(await api.get(`${base}?page=2&pageSize=10`, { token: user.token }));
    assert.equal(camel.page_size, 10);
    assert.deepEqual(
      camel.items.map((m: any) => m.message_id),
      messages.slice(10, 20).map((m) => m.message_id),
    );
    const snake = ok(await api.get(`${base}?page=2&page_size=10`, { token: user.token }));
    assert.deepEqual(snake, camel);
    const both = ok(await api.get(`${base}?page_size=7&pageSize=3`, { token: user.token }));
    assert.equal(both.page_size, 7);
    assert.equal(both.items.length, 7);

    const capped = ok(await api.get(`${base}?pageSize=500`, { token: user.token }));
    assert.equal(capped.page_size, 100);
    assert.equal(capped.items.length, 100);
    const last = ok(await api.get(`${base}?page=2&pageSize=500`, { token: user.token }));
    assert.equal(last.items.length, 5);
    assert.deepEqual(last.items.at(-1), messages[104]);
    const past = ok(await api.get(`${base}?page=9`, { token: user.token }));
    assert.deepEqual(past.items, []);
    assert.equal(past.total, 105);

    for (const query of ['page=0', 'page=-2', 'pageSize=0', 'page_size=0', 'pageSize=abc', 'page=1.5']) {
      const res = fails(await api.get(`${base}?${query}`, { token: user.token }), 422);
      assert.equal(res.data[0].loc[0], 'query', query);
    }
  });

  it('deletes a message: gone from the list, the count and direct reads', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const { session, messages } = await sessionWith(user, 3);
    fails(await api.delete(`/api/chat/messages/${messages[0].message_id}`, { token: other.token }), 403);
    const data = ok(await api.delete(`/api/chat/messages/${messages[0].message_id}`, { token: user.token }));
    assert.equal(data, '消息删除成功');
    const page = ok(await api.get(`/api/chat/sessions/${session.session_id}/messages`, { token: user.token }));
    assert.equal(page.total, 2);
    assert.ok(!page.items.some((m: any) => m.message_id === messages[0].message_id));
    const detail = ok(await api.get(`/api/chat/sessions/${session.session_id}`, { token: user.token }));
    assert.equal(detail.message_count, 2);
    fails(await api.get(`/api/chat/sessions/${session.session_id}/messages/${messages[0].message_id}`, { token: user.token }), 404);
    fails(await api.delete(`/api/chat/messages/${messages[0].message_id}`, { token: user.token }), 404);
    fails(await api.delete(`/api/chat/messages/${randomUUID()}`, { token: user.token }), 404);
  });

  it('edits user messages only; other roles are refused with 403', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const session = await createSession(api, user.token);
    const mine = await addMessage(api, user.token, session.session_id, 'before');
    const reply = await addMessage(api, user.token, session.session_id, 'assistant text', 'assistant');
    const system = await addMessage(api, user.token, session.session_id, 'system text', 'system');

    const data = ok(await api.patch(`/api/chat/messages/${mine.message_id}`, { new_content: '更新后的消息内容' }, { token: user.token }));
    assert.equal(data, '消息编辑成功');
    const read = ok(await api.get(`/api/chat/sessions/${session.session_id}/messages/${mine.message_id}`, { token: user.token }));
    assert.equal(read.content, '更新后的消息内容');

    for (const id of [reply.message_id, system.message_id]) {
      const refused = fails(await api.patch(`/api/chat/messages/${id}`, { new_content: 'hacked' }, { token: user.token }), 403);
      assert.match(refused.message, /user messages/i);
    }
    const unchanged = ok(await api.get(`/api/chat/sessions/${session.session_id}/messages/${reply.message_id}`, { token: user.token }));
    assert.equal(unchanged.content, 'assistant text');

    fails(await api.patch(`/api/chat/messages/${mine.message_id}`, { new_content: 'x' }, { token: other.token }), 403);
    fails(await api.patch(`/api/chat/messages/${randomUUID()}`, { new_content: 'x' }, { token: user.token }), 404);
    for (const body of [{}, { new_content: '' }, { new_content: '  ' }, { new_content: ['x'] }]) {
      fails(await api.patch(`/api/chat/messages/${mine.message_id}`, body, { token: user.token }), 422);
    }
  });

  it('requires a valid bearer token on every message route', async () => {
    const id = randomUUID();
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/api/chat/message', { session_id: id, content: 'x' }],
      ['GET', `/api/chat/sessions/${id}/messages/${id}`],
      ['GET', `/api/chat/sessions/${id}/messages`],
      ['DELETE', `/api/chat/messages/${id}`],
      ['PATCH', `/api/chat/messages/${id}`, { new_content: 'x' }],
    ];
    for (const [method, path, body] of routes) {
      fails(await api.request(method, path, { body }), 401);
      fails(await api.request(method, path, { body, token: 'pk_not_a_real_key' }), 401);
    }
  });
});
