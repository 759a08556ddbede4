import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { addMessage, createSession, fails, MESSAGE_KEYS, ok, SESSION_KEYS, sameKeys } from '../http/aichat/helpers.ts';
import { redactUrl } from '../../src/http/plugins/log-serializers.ts';
import { registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openSocket, refusal } from '../support/ws.ts';

describe('seed 003 websocket', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    admin = await registerUser(api);
  });
  after(() => server.close());

  async function userWithSession(): Promise<{ user: TestUser; sessionId: string }> {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    return { user, sessionId: session.session_id };
  }

  it('accepts the token in the Authorization header and in ?token=', async () => {
    const { user, sessionId } = await userWithSession();
    for (const via of ['header', 'query'] as const) {
      const socket = await openSocket(server.url, sessionId, { token: user.token, via });
      socket.send({ type: 'ping' });
      assert.deepEqual(await socket.waitFor((f) => f.type === 'pong'), { type: 'pong' });
      await socket.close();
    }
  });

  it('closes with 4401 without a valid token, 4403 on another user’s session, 4404 on a missing one', async () => {
    const { user, sessionId } = await userWithSession();
    const other = await registerUser(api);
    assert.equal((await refusal(server.url, sessionId)).code, 4401);
    assert.equal((await refusal(server.url, sessionId, { token: 'not-a-token' })).code, 4401);
    assert.equal((await refusal(server.url, sessionId, { token: 'not-a-token', via: 'query' })).code, 4401);
    assert.equal((await refusal(server.url, sessionId, { token: 'pk_unknown_key', via: 'query' })).code, 4401);
    const forbidden = await refusal(server.url, sessionId, { token: other.token });
    assert.equal(forbidden.code, 4403);
    assert.equal(forbidden.reason, 'Access denied');
    assert.equal((await refusal(server.url, randomUUID(), { token: user.token })).code, 4404);
    assert.equal((await refusal(server.url, 'not-a-session', { token: user.token, via: 'query' })).code, 4404);
    ok(await api.delete(`/api/chat/sessions/${sessionId}`, { token: user.token }));
    assert.equal((await refusal(server.url, sessionId, { token: user.token })).code, 4404);
    // Without an upgrade the path is not an HTTP route: a 404 in the envelope, and no admission is attempted.
    const plain = fails(await api.get(`/ws/${sessionId}`, { token: user.token }), 404);
    assert.equal(plain.data, null);
    fails(await api.get(`/ws/${randomUUID()}`), 404);
  });

  it('runs a turn: message, tokens, done, matching what is stored', async () => {
    const { user, sessionId } = await userWithSession();
    const socket = await openSocket(server.url, sessionId, { token: user.token });
    socket.send({ type: 'message', content: 'hello over the socket' });
    const done = await socket.waitFor((f) => f.type === 'done');
    const turnFrames = socket.frames.filter((f) => f.type !== 'event');
    assert.equal(turnFrames[0].type, 'message');
    assert.equal(turnFrames.at(-1), done);
    const tokens = turnFrames.slice(1, -1);
    assert.ok(tokens.length >= 2);
    assert.ok(tokens.every((f) => f.type === 'token' && typeof f.content === 'string'));

    const userMessage = turnFrames[0].data;
    sameKeys(userMessage, MESSAGE_KEYS);
    assert.equal(userMessage.role, 'user');
    assert.equal(userMessage.content, 'hello over the socket');
    sameKeys(done.data, MESSAGE_KEYS);
    assert.equal(done.data.role, 'assistant');
    assert.equal(done.data.content, tokens.map((f) => f.content).join(''));
    assert.equal(done.data.content, 'Echo: hello over the socket');
    assert.equal(done.status, 'complete');
    assert.deepEqual(Object.keys(done.usage).sort(), ['completion_tokens', 'prompt_tokens', 'total_tokens']);
    assert.equal(done.usage.total_tokens, done.usage.prompt_tokens + done.usage.completion_tokens);
    assert.ok(done.usage.completion_tokens > 0);

    const stored = ok(await api.get(`/aichat/sessions/${sessionId}/messages`, { token: user.token }));
    assert.deepEqual(stored.items, [userMessage, done.data]);
    await socket.close();
  });

  it('answers bad frames with error frames and stays usable', async () => {
    const { user, sessionId } = await userWithSession();
    const socket = await openSocket(server.url, sessionId, { token: user.token });
    const bad = ['not json', '{"type":"dance"}', '{"type":"message"}', '{"type":"message","content":"   "}', '[1,2]', '42', '{"content":"x"}'];
    for (const text of bad) socket.sendRaw(text);
    const errors = [];
    for (let i = 0; i < bad.length; i++) errors.push(await socket.waitFor((f) => f.type === 'error', { skip: i }));
    for (const frame of errors) {
      assert.equal(typeof frame.detail, 'string');
      assert.ok(frame.detail.length > 0);
    }
    assert.match(errors[0].detail, /JSON/);
    assert.match(errors[1].detail, /dance/);
    assert.match(errors[2].detail, /content/);

    socket.send({ type: 'ping' });
    await socket.waitFor((f) => f.type === 'pong');
    socket.send({ type: 'message', content: 'still here' });
    const done = await socket.waitFor((f) => f.type === 'done');
    assert.equal(done.data.content, 'Echo: still here');
    socket.send({ type: 'stop' });
    const nothing = await socket.waitFor((f) => f.type === 'error', { skip: bad.length });
    assert.equal(nothing.code, 409);
    assert.equal(socket.ws.readyState, socket.ws.OPEN);
    await socket.close();
  });

  it('refuses a message the database cannot store with a 400 error frame; the session stays usable', async () => {
    const { user, sessionId } = await userWithSession();
    const socket = await openSocket(server.url, sessionId, { token: user.token });
    socket.send({ type: 'message', content: 'nul\u0000inside' });
    const refused = await socket.waitFor((f) => f.type === 'error');
    assert.equal(refused.code, 400);
    assert.match(refused.detail, /NUL/);
    socket.send({ type: 'message', content: 'clean' });
    const done = await socket.waitFor((f) => f.type === 'done');
    assert.equal(done.data.content, 'Echo: clean');
    const stored = ok(await api.get(`/aichat/sessions/${sessionId}/messages`, { token: user.token }));
    assert.deepEqual(
      stored.items.map((m: any) => m.content),
      ['clean', 'Echo: clean'],
    );
    await socket.close();
  });

  it('pushes changes made over REST to a second socket of the session, in seed 003 shapes', async () => {
    const { user, sessionId } = await userWithSession();
    const watcher = await openSocket(server.url, sessionId, { token: user.token });
    const event = (name: string, skip = 0) => watcher.waitFor((f) => f.type === 'event' && f.event === name, { skip });

    const created = await addMessage(api, user.token, sessionId, 'typed elsewhere');
    const createdEvent = await event('message.created');
    sameKeys(createdEvent.data, MESSAGE_KEYS);
    assert.equal(createdEvent.data.message_id, created.message_id);
    assert.equal(createdEvent.data.content, 'typed elsewhere');
    assert.equal(createdEvent.data.session_id, sessionId);

    ok(await api.patch(`/api/chat/messages/${created.message_id}`, { new_content: 'edited' }, { token: user.token }));
    const updated = await event('message.updated');
    sameKeys(updated.data, MESSAGE_KEYS);
    assert.equal(updated.data.content, 'edited');

    ok(await api.delete(`/api/chat/messages/${created.message_id}`, { token: user.token }));
    assert.deepEqual((await event('message.deleted')).data, { message_id: created.message_id, session_id: sessionId });

    ok(await api.patch(`/api/chat/sessions/${sessionId}`, { new_title: '改名' }, { token: user.token }));
    const renamed = await event('session.updated');
    sameKeys(renamed.data, SESSION_KEYS);
    assert.equal(renamed.data.title, '改名');
    assert.equal(renamed.data.message_count, 0);

    // Any surface: a rename through seed 000.
    assert.equal((await api.put(`/api/v1/conversations/${sessionId}`, { title: 'via seed 000' }, { token: user.token })).status, 200);
    assert.equal((await event('session.updated', 1)).data.title, 'via seed 000');

    // A turn run by another socket reaches the watcher as created messages.
    const talker = await openSocket(server.url, sessionId, { token: user.token, via: 'query' });
    talker.send({ type: 'message', content: 'from the other tab' });
    await talker.waitFor((f) => f.type === 'done');
    const reply = await watcher.waitFor((f) => f.type === 'event' && f.event === 'message.created' && f.data.role === 'assistant');
    assert.equal(reply.data.content, 'Echo: from the other tab');
    assert.ok(!watcher.frames.some((f) => f.type === 'token'), 'tokens go only to the socket that asked');

    ok(await api.delete(`/api/chat/sessions/${sessionId}`, { token: user.token }));
    assert.deepEqual((await event('session.deleted')).data, { session_id: sessionId });
    // Then both sockets are closed: the session they followed is gone.
    assert.deepEqual(await watcher.closed, { code: 4404, reason: 'Session deleted' });
    assert.deepEqual(await talker.closed, { code: 4404, reason: 'Session deleted' });
    assert.equal(talker.frames.filter((f) => f.event === 'session.deleted').length, 1);
    // An admin may still restore it; new sockets can follow it again.
    assert.equal((await api.post(`/api/v1/admin/conversations/${sessionId}/restore`, undefined, { token: admin.token })).status, 200);
    const again = await openSocket(server.url, sessionId, { token: user.token });
    ok(await api.patch(`/api/chat/sessions/${sessionId}`, { new_title: 'back again' }, { token: user.token }));
    const renamedAgain = await again.waitFor((f) => f.type === 'event' && f.event === 'session.updated');
    assert.equal(renamedAgain.data.is_deleted, false);
    assert.equal(renamedAgain.data.message_count, 2);
    await again.close();
  });

  it('does not push one session’s events to another session’s sockets', async () => {
    const { user, sessionId } = await userWithSession();
    const otherSession = await createSession(api, user.token);
    const socket = await openSocket(server.url, sessionId, { token: user.token });
    await addMessage(api, user.token, otherSession.session_id, 'elsewhere');
    await addMessage(api, user.token, sessionId, 'here');
    const seen = await socket.waitFor((f) => f.type === 'event');
    assert.equal(seen.data.content, 'here');
    assert.equal(socket.frames.filter((f) => f.type === 'event').length, 1);
    await socket.close();
  });

  it('keeps ?token= out of request logs', () => {
    assert.equal(redactUrl('/ws/abc?token=secret.jwt.value'), '/ws/abc?token=[redacted]');
    assert.equal(redactUrl('/ws/abc?x=1&token=pk_live&y=2'), '/ws/abc?x=1&token=[redacted]&y=2');
    assert.equal(redactUrl('/api/chat/sessions?page=2'), '/api/chat/sessions?page=2');
  });
});
