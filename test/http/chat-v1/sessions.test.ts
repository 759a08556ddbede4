import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import type { MockOpenAI } from '../../support/mock-openai.ts';
import type { TestServer } from '../../support/server.ts';
import { postSse, tokensOf } from '../../support/sse-reader.ts';
import { startChatServer, storedMessages, titledSession, untilTitled } from './helpers.ts';

type Msg = { role: string; content: string };
const u = (content: string): Msg => ({ role: 'user', content });
const a = (content: string): Msg => ({ role: 'assistant', content });
const sys = (content: string): Msg => ({ role: 'system', content });

describe('seed 002 sessions: context, switch-model, history, delete', () => {
  let server: TestServer;
  let mock: MockOpenAI;
  let api: Client;
  before(async () => {
    ({ server, mock } = await startChatServer());
    api = client(server.url);
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  /** One complete turn with stream: false and a scripted reply; the stored transcript after it. */
  async function turn(user: TestUser, body: Record<string, unknown>, reply: string) {
    mock.enqueue({ tokens: [reply] });
    const res = await api.post('/v1/chat/stream', { model: 'gpt-4o', stream: false, ...body }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.message.content, reply);
    return res.body;
  }
  const transcript = async (user: TestUser, id: string) =>
    (await storedMessages(api, user.token, id)).map((m) => ({ role: m.role, content: m.content }));

  it('uses the stored history as context and does not store a resent history twice', async () => {
    const user = await registerUser(api);
    const id = await titledSession(api, user.token);
    await turn(user, { session_id: id, messages: [u('Q1')] }, 'A1');
    // A client that resends the whole chat with its new message.
    await turn(user, { session_id: id, messages: [u('Q1'), a('A1'), u('Q2')] }, 'A2');
    assert.deepEqual(await transcript(user, id), [u('Q1'), a('A1'), u('Q2'), a('A2')]);
    assert.deepEqual(mock.chatRequests().at(-1)?.body.messages, [u('Q1'), a('A1'), u('Q2')]);

    // Only the newest message: the stored history is still the context.
    await turn(user, { session_id: id, messages: [u('Q3')] }, 'A3');
    assert.deepEqual(mock.chatRequests().at(-1)?.body.messages, [u('Q1'), a('A1'), u('Q2'), a('A2'), u('Q3')]);
    // The most recent part of the chat resent: still not stored twice.
    await turn(user, { session_id: id, messages: [u('Q3'), a('A3'), u('Q4')] }, 'A4');
    assert.deepEqual(await transcript(user, id), [u('Q1'), a('A1'), u('Q2'), a('A2'), u('Q3'), a('A3'), u('Q4'), a('A4')]);
  });

  it('stores new earlier messages of a request, in order, before the turn', async () => {
    const user = await registerUser(api);
    const id = await titledSession(api, user.token);
    await turn(user, { session_id: id, messages: [u('Q1')] }, 'A1');
    await turn(user, { session_id: id, messages: [u('Q1'), a('A1'), u('Aside'), a('Noted'), u('Q2')] }, 'A2');
    const expected = [u('Q1'), a('A1'), u('Aside'), a('Noted'), u('Q2'), a('A2')];
    assert.deepEqual(await transcript(user, id), expected);
    assert.deepEqual(mock.chatRequests().at(-1)?.body.messages, expected.slice(0, -1));
  });

  it('starts a session from a whole chat: system prompt, earlier messages, then the turn', async () => {
    const user = await registerUser(api);
    const body = await turn(user, { messages: [sys('Be terse.'), u('Hi'), a('Hello.'), u('Again')] }, 'Yes?');
    const id = body.session_id;
    assert.deepEqual(await transcript(user, id), [u('Hi'), a('Hello.'), u('Again'), a('Yes?')]);
    assert.deepEqual(mock.chatRequests().at(-1)?.body.messages, [sys('Be terse.'), u('Hi'), a('Hello.'), u('Again')]);
    // Resending everything, system message included, stores only what is new.
    await turn(user, { session_id: id, messages: [sys('Be terse.'), u('Hi'), a('Hello.'), u('Again'), a('Yes?'), u('Bye')] }, 'Bye.');
    assert.deepEqual(await transcript(user, id), [u('Hi'), a('Hello.'), u('Again'), a('Yes?'), u('Bye'), a('Bye.')]);
    const history = await api.get('/v1/chat/history', { token: user.token });
    assert.deepEqual(history.body.sessions[0].messages, [sys('Be terse.'), u('Hi'), a('Hello.'), u('Again'), a('Yes?'), u('Bye'), a('Bye.')]);
  });

  it('makes the model a request names the session’s model', async () => {
    const user = await registerUser(api);
    const id = await titledSession(api, user.token, 'gpt-4o');
    await turn(user, { session_id: id, model: 'gpt-4o-mini', messages: [u('Cheaper please')] }, 'Sure');
    assert.equal(mock.chatRequests().at(-1)?.body.model, 'gpt-4o-mini');
    const conversation = await api.get(`/api/v1/conversations/${id}`, { token: user.token });
    assert.equal(conversation.body.model, 'gpt-4o-mini');
  });

  it('switches the model, keeping the history; the next turns use the new model', async () => {
    const user = await registerUser(api);
    const id = await titledSession(api, user.token, 'gpt-4o');
    await turn(user, { session_id: id, messages: [u('Q1')] }, 'A1');

    const unknown = await api.post('/v1/chat/switch-model', { session_id: id, model: 'gpt-9000' }, { token: user.token });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.detail, /gpt-9000/);

    const switched = await api.post('/v1/chat/switch-model', { session_id: id, model: 'gpt-4.1-mini' }, { token: user.token });
    assert.equal(switched.status, 200, switched.text);
    assert.deepEqual(switched.body, { session_id: id, model: 'gpt-4.1-mini', messages: [u('Q1'), a('A1')], title: 'Scripted' });

    // The next turn without a model: the session's new one.
    mock.enqueue({ tokens: ['A2'] });
    const res = await postSse(`${server.url}/v1/chat/stream`, { session_id: id, messages: [u('Q2')] }, { token: user.token });
    assert.deepEqual(tokensOf(await res.all()), ['A2']);
    const upstream = mock.chatRequests().at(-1);
    assert.equal(upstream?.body.model, 'gpt-4.1-mini');
    assert.deepEqual(upstream?.body.messages, [u('Q1'), a('A1'), u('Q2')], 'the new model sees the whole history');
    // And on the other surfaces too.
    mock.enqueue({ tokens: ['A3'] });
    const sent = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Q3' }, { token: user.token });
    assert.equal(sent.status, 200);
    assert.equal(mock.chatRequests().at(-1)?.body.model, 'gpt-4.1-mini');
    assert.equal(sent.body.assistant_message.model, 'gpt-4.1-mini');
  });

  it('lists history newest activity first, with messages, filters and pages', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    await createConversation(api, other.token, { title: 'Not mine', model: 'gpt-4o' });
    const ids: string[] = [];
    const models = ['gpt-4o', 'gpt-4o-mini', 'gpt-4o', 'gpt-4o-mini', 'gpt-4o'];
    for (const model of models) {
      ids.push(await createConversation(api, user.token, { title: `T${ids.length}`, model }));
      // Distinct creation times, so the date filters below have a boundary between sessions.
      await new Promise((r) => setTimeout(r, 5));
    }
    // Activity moves the first session to the top.
    await turn(user, { session_id: ids[0], messages: [u('Bump')] }, 'Bumped');

    const all = await api.get('/v1/chat/history', { token: user.token });
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.total, 5);
    assert.equal(all.body.page, 1);
    assert.equal(all.body.page_size, 10);
    assert.deepEqual(
      all.body.sessions.map((s: any) => s.id),
      [ids[0], ids[4], ids[3], ids[2], ids[1]],
    );
    const top = all.body.sessions[0];
    assert.deepEqual(Object.keys(top).sort(), ['application_id', 'created_at', 'id', 'messages', 'model', 'title', 'updated_at', 'user_id']);
    assert.equal(top.user_id, user.id);
    assert.equal(top.application_id, null);
    assert.equal(top.model, 'gpt-4o');
    assert.equal(top.title, 'T0');
    assert.deepEqual(top.messages, [u('Bump'), a('Bumped')]);
    assert.deepEqual(all.body.sessions[1].messages, []);

    const pages = [];
    for (const page of [1, 2, 3]) {
      const res = await api.get(`/v1/chat/history?page=${page}&page_size=2`, { token: user.token });
      assert.equal(res.body.total, 5);
      assert.equal(res.body.page_size, 2);
      pages.push(res.body.sessions.map((s: any) => s.id));
    }
    assert.deepEqual(pages, [
      [ids[0], ids[4]],
      [ids[3], ids[2]],
      [ids[1]],
    ]);
    const beyond = await api.get('/v1/chat/history?page=4&page_size=2', { token: user.token });
    assert.deepEqual(beyond.body.sessions, []);
    assert.equal(beyond.body.total, 5);

    const mini = await api.get('/v1/chat/history?model=gpt-4o-mini', { token: user.token });
    assert.equal(mini.body.total, 2);
    assert.deepEqual(mini.body.sessions.map((s: any) => s.id).sort(), [ids[1], ids[3]].sort());

    const byId = new Map(all.body.sessions.map((s: any) => [s.id, s]));
    const boundary = (byId.get(ids[2]) as any).created_at;
    const from = await api.get(`/v1/chat/history?start_date=${encodeURIComponent(boundary)}`, { token: user.token });
    assert.deepEqual(from.body.sessions.map((s: any) => s.id).sort(), [ids[2], ids[3], ids[4]].sort());
    assert.equal(from.body.total, 3);
    const until = await api.get(`/v1/chat/history?end_date=${encodeURIComponent(boundary)}`, { token: user.token });
    assert.deepEqual(until.body.sessions.map((s: any) => s.id).sort(), [ids[0], ids[1]].sort());
    const both = await api.get(
      `/v1/chat/history?start_date=${encodeURIComponent(boundary)}&end_date=2999-01-01&model=gpt-4o`,
      { token: user.token },
    );
    assert.deepEqual(both.body.sessions.map((s: any) => s.id).sort(), [ids[2], ids[4]].sort());
    const future = await api.get('/v1/chat/history?start_date=2999-01-01T00:00:00', { token: user.token });
    assert.equal(future.body.total, 0);
  });

  it('records the API key a session was created with as its application_id', async () => {
    const user = await registerUser(api);
    const key = await api.post('/api/v1/auth/api-keys', { name: 'app' }, { token: user.token });
    assert.equal(key.status, 201);
    const res = await api.post('/v1/chat/stream', { model: 'gpt-4o', stream: false, messages: [u('From an app')] }, { token: key.body.key });
    assert.equal(res.status, 200, res.text);
    const history = await api.get('/v1/chat/history', { token: user.token });
    assert.equal(history.body.sessions[0].id, res.body.session_id);
    assert.equal(history.body.sessions[0].application_id, key.body.id);
  });

  it('deletes a session: gone from history, then 404 everywhere', async () => {
    const user = await registerUser(api);
    const res = await postSse(`${server.url}/v1/chat/stream`, { model: 'gpt-4o', messages: [u('Short-lived')] }, { token: user.token });
    const id = res.headers.get('x-session-id') ?? '';
    await res.all();
    await untilTitled(api, user.token, id);

    const deleted = await api.delete(`/v1/chat/sessions/${id}`, { token: user.token });
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, { message: 'Session deleted successfully' });

    const history = await api.get('/v1/chat/history', { token: user.token });
    assert.equal(history.body.total, 0);
    assert.equal((await api.delete(`/v1/chat/sessions/${id}`, { token: user.token })).status, 404);
    assert.equal((await api.post('/v1/chat/switch-model', { session_id: id, model: 'gpt-4o' }, { token: user.token })).status, 404);
    const again = await api.post('/v1/chat/stream', { session_id: id, messages: [u('Hello?')] }, { token: user.token });
    assert.equal(again.status, 404);
    assert.equal((await api.get(`/api/v1/conversations/${id}`, { token: user.token })).status, 404);
  });
});
