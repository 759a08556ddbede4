import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession } from '../http/aichat/helpers.ts';
import { registerUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openSocket } from '../support/ws.ts';

describe('websocket turns against a slow upstream', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  let api: Client;
  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url } });
    api = client(server.url);
    await registerUser(api);
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  const slowReply = () => ({ tokens: Array.from({ length: 40 }, (_, i) => ` w${i}`), delayMs: 50 });

  it('a stop frame cancels the turn: the partial reply is saved as incomplete', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const socket = await openSocket(server.url, session.session_id, { token: user.token });
    mock.enqueue(slowReply());
    socket.send({ type: 'message', content: 'tell me a long story' });
    await socket.waitFor((f) => f.type === 'token', { skip: 1 });
    socket.send({ type: 'stop' });
    const done = await socket.waitFor((f) => f.type === 'done');

    assert.equal(done.status, 'incomplete');
    const tokens = socket.frames.filter((f) => f.type === 'token').map((f) => f.content);
    assert.equal(done.data.content, tokens.join(''));
    assert.ok(tokens.length >= 2 && tokens.length < 40, `got ${tokens.length} tokens`);
    // The upstream request was aborted, not read to its end (the mock hears the close a moment later).
    const request = mock.chatRequests().at(-1)!;
    for (let i = 0; i < 100 && !request.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(request.aborted, true);
    assert.equal(request.finished, false);

    const stored = await api.get(`/api/v1/conversations/${session.session_id}/messages`, { token: user.token });
    const reply = stored.body.find((m: any) => m.id === done.data.message_id);
    assert.equal(reply.status, 'incomplete');
    assert.equal(reply.content, done.data.content);
    await socket.close();
  });

  it('refuses a second message while a reply is being generated, with a 409 error frame', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const socket = await openSocket(server.url, session.session_id, { token: user.token });
    mock.enqueue(slowReply());
    socket.send({ type: 'message', content: 'first' });
    await socket.waitFor((f) => f.type === 'token');
    socket.send({ type: 'message', content: 'second' });
    const refused = await socket.waitFor((f) => f.type === 'error');
    assert.equal(refused.code, 409);
    socket.send({ type: 'stop' });
    const done = await socket.waitFor((f) => f.type === 'done');
    assert.equal(done.status, 'incomplete');
    assert.equal(socket.frames.filter((f) => f.type === 'message').length, 1);
    await socket.close();
  });

  it('keeps generating after the socket closes; the reply is saved complete', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const watcher = await openSocket(server.url, session.session_id, { token: user.token });
    const socket = await openSocket(server.url, session.session_id, { token: user.token });
    mock.enqueue({ tokens: ['one', ' two', ' three', ' four'], delayMs: 40 });
    socket.send({ type: 'message', content: 'go on without me' });
    await socket.waitFor((f) => f.type === 'token');
    await socket.close();

    const reply = await watcher.waitFor((f) => f.type === 'event' && f.event === 'message.created' && f.data.role === 'assistant');
    assert.equal(reply.data.content, 'one two three four');
    const stored = await api.get(`/api/v1/conversations/${session.session_id}/messages`, { token: user.token });
    assert.equal(stored.body.find((m: any) => m.role === 'assistant').status, 'complete');
    await watcher.close();
  });

  it('reports an upstream failure as an error frame and stays open', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const socket = await openSocket(server.url, session.session_id, { token: user.token });
    mock.enqueue({ status: 500 });
    socket.send({ type: 'message', content: 'this fails' });
    const failure = await socket.waitFor((f) => f.type === 'error');
    assert.equal(failure.code, 502);
    assert.equal(typeof failure.detail, 'string');
    assert.equal(failure.data.role, 'assistant');
    socket.send({ type: 'ping' });
    await socket.waitFor((f) => f.type === 'pong');
    await socket.close();
  });
});
