import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { addMessage, createSession, fails, MESSAGE_KEYS, ok, SESSION_KEYS, sameKeys } from './helpers.ts';

describe('seed 003 view routes', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    admin = await registerUser(api);
  });
  after(() => server.close());

  it('getsessionlist pages full session objects with their paging', async () => {
    const user = await registerUser(api);
    for (let i = 0; i < 3; i++) await createSession(api, user.token, { title: `v${i}` });
    const data = ok(await api.get(`/aichat/getsessionlist/${user.id}`, { token: user.token }));
    assert.deepEqual(Object.keys(data).sort(), ['items', 'page', 'page_size', 'total']);
    assert.equal(data.total, 3);
    assert.equal(data.page, 1);
    assert.equal(data.page_size, 20);
    sameKeys(data.items[0], SESSION_KEYS);
    assert.ok(data.items.every((s: any) => s.user_id === user.id && s.is_deleted === false));

    const paged = ok(await api.get(`/aichat/getsessionlist/${user.id}?page=2&page_size=2`, { token: user.token }));
    assert.equal(paged.items.length, 1);
    assert.equal(paged.page_size, 2);
    assert.equal(paged.items[0].session_id, data.items[2].session_id);
    assert.equal(ok(await api.get(`/aichat/getsessionlist/${user.id}?page_size=1000`, { token: user.token })).page_size, 100);
    fails(await api.get(`/aichat/getsessionlist/${user.id}?page=0`, { token: user.token }), 422);
  });

  it("refuses another user's user_id in the path with 403, except to an admin", async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    await createSession(api, other.token);
    fails(await api.get(`/aichat/getsessionlist/${other.id}`, { token: user.token }), 403);
    fails(await api.get(`/aichat/getsessionlistshow/${other.id}`, { token: user.token }), 403);
    fails(await api.post('/aichat/createsession', { user_id: other.id }, { token: user.token }), 403);
    assert.equal(ok(await api.get(`/aichat/getsessionlist/${other.id}`, { token: admin.token })).total, 1);
    // An admin naming an id that is no user sees an empty list.
    assert.equal(ok(await api.get('/aichat/getsessionlist/542738228948500480', { token: admin.token })).total, 0);
  });

  it('getsessionlistshow adds the last 50 messages of the most recently updated session', async () => {
    const user = await registerUser(api);
    const busy = await createSession(api, user.token, { title: 'busy' });
    await createSession(api, user.token, { title: 'newer but idle' });
    const sent = [];
    for (let i = 0; i < 55; i++) sent.push(await addMessage(api, user.token, busy.session_id, `line ${i}`));

    const data = ok(await api.get(`/aichat/getsessionlistshow/${user.id}`, { token: user.token }));
    assert.deepEqual(Object.keys(data).sort(), ['items', 'latest_session_id', 'messages', 'page', 'page_size', 'total']);
    assert.equal(data.total, 2);
    assert.equal(data.latest_session_id, busy.session_id);
    assert.equal(data.items[0].session_id, busy.session_id);
    assert.equal(data.items[0].message_count, 55);
    assert.equal(data.messages.length, 50);
    sameKeys(data.messages[0], MESSAGE_KEYS);
    assert.deepEqual(
      data.messages.map((m: any) => m.message_id),
      sent.slice(5).map((m) => m.message_id),
    );
    assert.ok(data.messages.every((m: any) => m.session_id === busy.session_id));

    // On a later page the latest session's messages are still the ones shown.
    const page2 = ok(await api.get(`/aichat/getsessionlistshow/${user.id}?page=2&page_size=1`, { token: user.token }));
    assert.equal(page2.items[0].title, 'newer but idle');
    assert.equal(page2.latest_session_id, busy.session_id);

    const nobody = await registerUser(api);
    const empty = ok(await api.get(`/aichat/getsessionlistshow/${nobody.id}`, { token: nobody.token }));
    assert.deepEqual(empty, { items: [], total: 0, page: 1, page_size: 20, latest_session_id: null, messages: [] });
  });

  it('sessions/:id answers the session with its last 50 messages', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const session = await createSession(api, user.token, { title: 'detail' });
    for (let i = 0; i < 3; i++) await addMessage(api, user.token, session.session_id, `d${i}`, i === 1 ? 'assistant' : 'user');
    const data = ok(await api.get(`/aichat/sessions/${session.session_id}`, { token: user.token }));
    sameKeys(data, [...SESSION_KEYS, 'messages']);
    assert.equal(data.title, 'detail');
    assert.equal(data.message_count, 3);
    assert.deepEqual(
      data.messages.map((m: any) => [m.role, m.content]),
      [
        ['user', 'd0'],
        ['assistant', 'd1'],
        ['user', 'd2'],
      ],
    );
    fails(await api.get(`/aichat/sessions/${randomUUID()}`, { token: user.token }), 404);
    fails(await api.get(`/aichat/sessions/${session.session_id}`, { token: other.token }), 403);
  });

  it('createsession, rename and deletesession', async () => {
    const user = await registerUser(api);
    const created = ok(await api.post('/aichat/createsession', { user_id: user.id, title: '会话标题' }, { token: user.token }));
    sameKeys(created, SESSION_KEYS);
    assert.equal(created.title, '会话标题');
    const untitled = ok(await api.post('/aichat/createsession', { user_id: user.id }, { token: user.token }));
    assert.equal(untitled.title, '新会话');
    fails(await api.post('/aichat/createsession', { user_id: user.id, title: 7 }, { token: user.token }), 422);

    assert.equal(ok(await api.patch(`/aichat/sessions/${created.session_id}`, { new_title: '新标题' }, { token: user.token })), '标题更新成功');
    assert.equal(ok(await api.get(`/aichat/sessions/${created.session_id}`, { token: user.token })).title, '新标题');
    fails(await api.patch(`/aichat/sessions/${created.session_id}`, { title: 'wrong field' }, { token: user.token }), 422);

    assert.equal(ok(await api.delete(`/aichat/deletesession/${created.session_id}`, { token: user.token })), '会话删除成功');
    fails(await api.get(`/aichat/sessions/${created.session_id}`, { token: user.token }), 404);
    fails(await api.delete(`/aichat/deletesession/${created.session_id}`, { token: user.token }), 404);
    const list = ok(await api.get(`/aichat/getsessionlist/${user.id}`, { token: user.token }));
    assert.deepEqual(
      list.items.map((s: any) => s.session_id),
      [untitled.session_id],
    );
  });

  it('sessions/:id/messages pages full message objects, pageSize as documented', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push(await addMessage(api, user.token, session.session_id, `p${i}`));
    const data = ok(await api.get(`/aichat/sessions/${session.session_id}/messages?page=2&pageSize=3`, { token: user.token }));
    assert.deepEqual(Object.keys(data).sort(), ['items', 'page', 'page_size', 'total']);
    assert.equal(data.total, 4);
    assert.equal(data.page_size, 3);
    assert.equal(data.items.length, 1);
    sameKeys(data.items[0], MESSAGE_KEYS);
    assert.equal(data.items[0].message_id, sent[3].message_id);
    assert.equal(data.items[0].is_deleted, false);
    assert.equal(ok(await api.get(`/aichat/sessions/${session.session_id}/messages`, { token: user.token })).page_size, 50);
    fails(await api.get(`/aichat/sessions/${session.session_id}/messages?pageSize=-1`, { token: user.token }), 422);
  });

  it('answers 401 without a token and 404 for unknown view paths, in the envelope', async () => {
    const user = await registerUser(api);
    fails(await api.get(`/aichat/getsessionlist/${user.id}`), 401);
    fails(await api.get(`/aichat/getsessionlistshow/${user.id}`, { token: 'garbage' }), 401);
    fails(await api.post('/aichat/createsession', {}), 401);
    fails(await api.get('/aichat/nothing-here', { token: user.token }), 404);
    fails(await api.get('/aichat'), 404);
  });
});

describe('seed 003 in the OpenAPI document', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('documents every REST route of the surface with its envelope', async () => {
    const res = await client(server.url).get('/openapi.json');
    assert.equal(res.status, 200);
    const paths = res.body.paths;
    const expected: Array<[string, string]> = [
      ['post', '/api/chat/session'],
      ['get', '/api/chat/sessions/{session_id}'],
      ['post', '/api/chat/sessions'],
      ['patch', '/api/chat/sessions/{session_id}'],
      ['delete', '/api/chat/sessions/{session_id}'],
      ['post', '/api/chat/message'],
      ['get', '/api/chat/sessions/{session_id}/messages/{message_id}'],
      ['get', '/api/chat/sessions/{session_id}/messages'],
      ['delete', '/api/chat/messages/{message_id}'],
      ['patch', '/api/chat/messages/{message_id}'],
      ['get', '/aichat/getsessionlist/{user_id}'],
      ['get', '/aichat/getsessionlistshow/{user_id}'],
      ['get', '/aichat/sessions/{session_id}'],
      ['post', '/aichat/createsession'],
      ['patch', '/aichat/sessions/{session_id}'],
      ['delete', '/aichat/deletesession/{session_id}'],
      ['get', '/aichat/sessions/{session_id}/messages'],
      ['post', '/api/v1/admin/conversations/{id}/restore'],
    ];
    for (const [method, path] of expected) {
      const op = paths[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
      assert.ok(op.summary, `${path} has a summary`);
      for (const status of ['200', '401', '404']) assert.ok(op.responses[status], `${method} ${path} documents ${status}`);
    }
    const ok200 = paths['/api/chat/session'].post.responses['200'].content['application/json'].schema;
    assert.deepEqual(Object.keys(ok200.properties).sort(), ['code', 'data', 'message']);
  });
});
