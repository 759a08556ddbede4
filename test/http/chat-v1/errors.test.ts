import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import type { MockOpenAI } from '../../support/mock-openai.ts';
import type { TestServer } from '../../support/server.ts';
import { startChatServer, storedMessages, titledSession } from './helpers.ts';

const MISSING = '00000000-0000-7000-8000-000000000000';
const hi = [{ role: 'user', content: 'Hi' }];

describe('seed 002 /v1/chat errors', () => {
  let server: TestServer;
  let mock: MockOpenAI;
  let api: Client;
  let owner: TestUser;
  let intruder: TestUser;
  let sessionId: string;
  before(async () => {
    ({ server, mock } = await startChatServer());
    api = client(server.url);
    owner = await registerUser(api);
    intruder = await registerUser(api);
    sessionId = await titledSession(api, owner.token);
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  /** Every route of the surface, called with a session id, as `user` (or with no credential). */
  const routes = (id: string) => [
    { name: 'stream', call: (token?: string) => api.post('/v1/chat/stream', { model: 'gpt-4o', session_id: id, messages: hi }, { token }) },
    {
      name: 'stream:false',
      call: (token?: string) => api.post('/v1/chat/stream', { model: 'gpt-4o', session_id: id, stream: false, messages: hi }, { token }),
    },
    { name: 'switch-model', call: (token?: string) => api.post('/v1/chat/switch-model', { session_id: id, model: 'gpt-4o-mini' }, { token }) },
    { name: 'delete', call: (token?: string) => api.delete(`/v1/chat/sessions/${id}`, { token }) },
  ];

  it('answers 401 without a credential and with a bad one, on every route', async () => {
    const calls = [...routes(sessionId), { name: 'history', call: (token?: string) => api.get('/v1/chat/history', { token }) }];
    for (const { name, call } of calls) {
      for (const token of [undefined, 'not-a-token', 'pk_not_a_real_key']) {
        const res = await call(token);
        assert.equal(res.status, 401, `${name} with ${token}`);
        assert.equal(typeof res.body.detail, 'string', `${name}: ${res.text}`);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      }
    }
    const badScheme = await api.get('/v1/chat/history', { headers: { authorization: `Basic ${owner.token}` } });
    assert.equal(badScheme.status, 401);
  });

  it('answers 403 for another user’s session on every route, and leaves it untouched', async () => {
    for (const { name, call } of routes(sessionId)) {
      const res = await call(intruder.token);
      assert.equal(res.status, 403, `${name}: ${res.text}`);
      assert.deepEqual(res.body, { detail: 'Access denied' });
    }
    const conversation = await api.get(`/api/v1/conversations/${sessionId}`, { token: owner.token });
    assert.equal(conversation.status, 200);
    assert.equal(conversation.body.model, 'gpt-4o');
    assert.deepEqual(await storedMessages(api, owner.token, sessionId), []);
    const history = await api.get('/v1/chat/history', { token: intruder.token });
    assert.equal(history.body.total, 0, 'history lists only the caller’s own sessions');
  });

  it('answers 404 for a session that does not exist, whatever the id looks like', async () => {
    for (const id of [MISSING, 'not-a-uuid', '123']) {
      for (const { name, call } of routes(id)) {
        const res = await call(owner.token);
        assert.equal(res.status, 404, `${name} ${id}: ${res.text}`);
        assert.equal(typeof res.body.detail, 'string');
      }
    }
    // Seed 002 shows integer session ids: a number is accepted and matches no session.
    const numeric = await api.post('/v1/chat/switch-model', { session_id: 123, model: 'gpt-4o' }, { token: owner.token });
    assert.equal(numeric.status, 404);
    const numericStream = await api.post('/v1/chat/stream', { session_id: 123, messages: hi }, { token: owner.token });
    assert.equal(numericStream.status, 404);
  });

  it('answers 400 in FastAPI’s list form for every bad stream parameter', async () => {
    const base = { model: 'gpt-4o', messages: hi };
    const cases: Array<[string, unknown, string]> = [
      ['temperature above 2', { ...base, temperature: 3 }, 'temperature'],
      ['negative temperature', { ...base, temperature: -0.1 }, 'temperature'],
      ['temperature as text', { ...base, temperature: 'hot' }, 'temperature'],
      ['max_tokens 0', { ...base, max_tokens: 0 }, 'max_tokens'],
      ['negative max_tokens', { ...base, max_tokens: -5 }, 'max_tokens'],
      ['fractional max_tokens', { ...base, max_tokens: 1.5 }, 'max_tokens'],
      ['huge max_tokens', { ...base, max_tokens: 1_000_000_000 }, 'max_tokens'],
      ['max_tokens as text', { ...base, max_tokens: 'many' }, 'max_tokens'],
      ['empty messages', { ...base, messages: [] }, 'messages'],
      ['no messages', { model: 'gpt-4o' }, 'messages'],
      ['messages not a list', { ...base, messages: 'Hi' }, 'messages'],
      ['bad role', { ...base, messages: [{ role: 'robot', content: 'Hi' }] }, 'messages'],
      ['content not a string', { ...base, messages: [{ role: 'user', content: 42 }] }, 'messages'],
      ['message without content', { ...base, messages: [{ role: 'user' }] }, 'messages'],
      ['last message not from the user', { ...base, messages: [...hi, { role: 'assistant', content: 'Hello' }] }, 'messages'],
      ['empty final user message', { ...base, messages: [{ role: 'user', content: '  ' }] }, 'messages'],
      ['no model for a new session', { messages: hi }, 'model'],
      ['model not a string', { ...base, model: 4 }, 'model'],
      ['stream not a boolean', { ...base, stream: 'yes' }, 'stream'],
      ['session_id an object', { ...base, session_id: { id: 1 } }, 'session_id'],
    ];
    for (const [name, body, field] of cases) {
      const res = await api.post('/v1/chat/stream', body, { token: owner.token });
      assert.equal(res.status, 400, `${name}: ${res.text}`);
      assert.ok(Array.isArray(res.body.detail), name);
      assert.deepEqual(res.body.detail[0].loc.slice(0, 2), ['body', field], name);
      assert.equal(typeof res.body.detail[0].msg, 'string');
      assert.equal(typeof res.body.detail[0].type, 'string');
    }
    const notJson = await api.request('POST', '/v1/chat/stream', {
      token: owner.token,
      raw: '{"model":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.detail[0].type, 'json_invalid');
    assert.equal(mock.chatRequests().length, 0, 'no bad request reached the model');
  });

  it('answers 400 naming an unknown model, and stores nothing', async () => {
    for (const stream of [true, false]) {
      const res = await api.post('/v1/chat/stream', { model: 'gpt-9000', stream, messages: hi }, { token: owner.token });
      assert.equal(res.status, 400);
      assert.equal(res.body.detail, "Model 'gpt-9000' is not available");
    }
    const inSession = await api.post('/v1/chat/stream', { model: 'nope-1', session_id: sessionId, messages: hi }, { token: owner.token });
    assert.equal(inSession.status, 400);
    assert.match(inSession.body.detail, /nope-1/);
    const history = await api.get('/v1/chat/history', { token: owner.token });
    assert.equal(history.body.total, 1, 'no session was created');
    assert.deepEqual(await storedMessages(api, owner.token, sessionId), []);
  });

  it('answers 400 for bad switch-model and history parameters', async () => {
    const switches: Array<[string, unknown]> = [
      ['no model', { session_id: sessionId }],
      ['no session_id', { model: 'gpt-4o' }],
      ['empty model', { session_id: sessionId, model: '' }],
      ['model not a string', { session_id: sessionId, model: 3 }],
    ];
    for (const [name, body] of switches) {
      const res = await api.post('/v1/chat/switch-model', body, { token: owner.token });
      assert.equal(res.status, 400, `${name}: ${res.text}`);
      assert.equal(res.body.detail[0].loc[0], 'body');
    }
    const queries = [
      'page=0',
      'page=-1',
      'page=x',
      'page_size=0',
      'page_size=101',
      'page_size=ten',
      'start_date=yesterday',
      'end_date=2024-13-01',
      'start_date=2024-02-01&end_date=2024-01-01',
      'model=',
    ];
    for (const query of queries) {
      const res = await api.get(`/v1/chat/history?${query}`, { token: owner.token });
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.equal(res.body.detail[0].loc[0], 'query');
    }
  });

  it('answers 400 for text the database cannot store (NUL), storing nothing', async () => {
    const id = await titledSession(api, owner.token);
    const calls = mock.chatRequests().length;
    const before = (await api.get('/v1/chat/history', { token: owner.token })).body.total;
    const nul = [{ role: 'user', content: 'Hi\u0000there' }];
    for (const body of [
      { session_id: id, messages: nul },
      { session_id: id, stream: false, messages: nul },
      { model: 'gpt-4o', messages: nul },
      { model: 'gpt-4o', messages: [{ role: 'system', content: 'Be\u0000brief' }, ...hi] },
      { session_id: id, messages: [{ role: 'assistant', content: 'Earlier\u0000' }, ...hi] },
    ]) {
      const res = await api.post('/v1/chat/stream', body, { token: owner.token });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.match(res.body.detail, /NUL/);
    }
    assert.equal(mock.chatRequests().length, calls, 'no model was called');
    assert.deepEqual(await storedMessages(api, owner.token, id), []);
    const after = await api.get('/v1/chat/history', { token: owner.token });
    assert.equal(after.body.total, before, 'no session was left behind');
    const filtered = await api.get('/v1/chat/history?model=%00', { token: owner.token });
    assert.equal(filtered.status, 400, filtered.text);
  });

  it('answers 409 while a reply is being generated in the session', async () => {
    const id = await titledSession(api, owner.token);
    mock.enqueue({ tokens: ['slow', ' reply'], delayMs: 300 });
    const first = fetch(`${server.url}/v1/chat/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: id, messages: [{ role: 'user', content: 'First' }] }),
    });
    const firstRes = await first;
    const second = await api.post('/v1/chat/stream', { session_id: id, messages: [{ role: 'user', content: 'Second' }] }, { token: owner.token });
    assert.equal(second.status, 409);
    assert.equal(typeof second.body.detail, 'string');
    assert.match(await firstRes.text(), /data: \[DONE\]/);
    const stored = await storedMessages(api, owner.token, id);
    assert.deepEqual(
      stored.map((m) => m.content),
      ['First', 'slow reply'],
      'the refused request stored nothing',
    );
  });
});
