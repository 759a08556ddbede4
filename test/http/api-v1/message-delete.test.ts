import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';
import { eventually } from '../../support/stream-reader.ts';
import { openSocket } from '../../support/ws.ts';

const MODEL = 'gpt-4o-mini';

describe('DELETE /api/v1/conversations/{id}/messages/{message_id}: a message with its whole subtree', () => {
  const fx = useTestServer({ upstream: 'openai' });

  const base = (id: string) => `/api/v1/conversations/${id}`;
  // Titled, so no title request reaches the mock.
  const newConversation = (owner: TestUser = fx.user) => createConversation(fx.api, owner.token, { title: 'fixed', model: MODEL });
  const remove = (id: string, messageId: string, token = fx.user.token) => fx.api.delete(`${base(id)}/messages/${messageId}`, { token });

  async function send(id: string, content: string) {
    fx.mock.enqueue({ tokens: [`re ${content}`] });
    const res = await fx.api.post(`${base(id)}/messages`, { content }, { token: fx.user.token });
    assert.equal(res.status, 200, res.text);
    return { q: res.body.user_message.id as string, a: res.body.assistant_message.id as string };
  }
  async function edit(id: string, messageId: string, content: string) {
    fx.mock.enqueue({ tokens: [`re ${content}`] });
    const res = await fx.api.post(`${base(id)}/messages/${messageId}/edit`, { content }, { token: fx.user.token });
    assert.equal(res.status, 200, res.text);
    return { q: res.body.user_message.id as string, a: res.body.assistant_message.id as string };
  }
  const activePath = async (id: string) => {
    const res = await fx.api.get(`${base(id)}/messages`, { token: fx.user.token });
    assert.equal(res.status, 200, res.text);
    return res.body.map((m: any) => m.content);
  };
  const everyBranch = async (id: string) => {
    const res = await fx.api.get(`${base(id)}/messages?branch=all`, { token: fx.user.token });
    assert.equal(res.status, 200, res.text);
    return res.body.map((m: any) => m.content).sort();
  };
  const messageCount = async (id: string) => (await fx.api.get(base(id), { token: fx.user.token })).body.message_count;

  it('deletes a middle user message with its reply and everything after it; the path moves to the sibling branch', async () => {
    const id = await newConversation();
    await send(id, 'q1');
    const second = await send(id, 'q2');
    await send(id, 'q3');
    // An edit of q2 starts a second branch under a1, which becomes the active one and goes on.
    const edited = await edit(id, second.q, 'q2b');
    await send(id, 'q4');
    assert.deepEqual(await activePath(id), ['q1', 're q1', 'q2b', 're q2b', 'q4', 're q4']);

    const res = await remove(id, edited.q);
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');
    // The active path moved to the newest remaining branch under a1, down to its leaf.
    assert.deepEqual(await activePath(id), ['q1', 're q1', 'q2', 're q2', 'q3', 're q3']);
    assert.deepEqual(await everyBranch(id), ['q1', 'q2', 'q3', 're q1', 're q2', 're q3']);
    assert.equal(await messageCount(id), 6);
    // Gone for the other routes too.
    assert.equal((await remove(id, edited.a)).status, 404, 'a message deleted with its parent');
    assert.equal((await fx.api.put(`${base(id)}/active-leaf`, { message_id: edited.a }, { token: fx.user.token })).status, 404);

    // The model reads the path that is left.
    await send(id, 'q5');
    const context = fx.mock.chatRequests().at(-1)!.body.messages.map((m: any) => m.content);
    assert.deepEqual(context, ['q1', 're q1', 'q2', 're q2', 'q3', 're q3', 'q5']);
  });

  it('deleting a message on the active path with no sibling leaves its parent as the leaf', async () => {
    const id = await newConversation();
    await send(id, 'q1');
    const second = await send(id, 'q2');
    await send(id, 'q3');
    assert.equal((await remove(id, second.q)).status, 204);
    assert.deepEqual(await activePath(id), ['q1', 're q1']);
    assert.deepEqual(await everyBranch(id), ['q1', 're q1']);
    // Deleting an assistant reply works the same way: the user message it answered is the leaf.
    const third = await send(id, 'q3 again');
    assert.equal((await remove(id, third.a)).status, 204);
    assert.deepEqual(await activePath(id), ['q1', 're q1', 'q3 again']);
  });

  it('deleting a branch off the active path leaves the active path as it was', async () => {
    const id = await newConversation();
    await send(id, 'q1');
    const second = await send(id, 'q2');
    await send(id, 'q3');
    await edit(id, second.q, 'q2b');
    const before = await activePath(id);
    assert.equal((await remove(id, second.q)).status, 204);
    assert.deepEqual(await activePath(id), before);
    assert.deepEqual(await everyBranch(id), ['q1', 'q2b', 're q1', 're q2b']);
  });

  it('deleting a first message moves the path to the newest remaining first message, or empties the conversation', async () => {
    const id = await newConversation();
    const first = await send(id, 'q1');
    await send(id, 'q2');
    const rewritten = await edit(id, first.q, 'q1b');
    assert.deepEqual(await activePath(id), ['q1b', 're q1b']);

    assert.equal((await remove(id, rewritten.q)).status, 204);
    assert.deepEqual(await activePath(id), ['q1', 're q1', 'q2', 're q2']);

    assert.equal((await remove(id, first.q)).status, 204);
    assert.deepEqual(await activePath(id), []);
    assert.deepEqual(await everyBranch(id), []);
    assert.equal(await messageCount(id), 0);
    // The conversation goes on from nothing: the next message is a new first message.
    await send(id, 'fresh');
    assert.deepEqual(await activePath(id), ['fresh', 're fresh']);
    assert.deepEqual(fx.mock.chatRequests().at(-1)!.body.messages.map((m: any) => m.content), ['fresh']);
  });

  it('tells the conversation’s sockets about each deleted message and the moved path', async () => {
    const id = await newConversation();
    await send(id, 'q1');
    const second = await send(id, 'q2');
    const socket = await openSocket(fx.server.url, id, { token: fx.user.token });
    try {
      assert.equal((await remove(id, second.q)).status, 204);
      for (const messageId of [second.q, second.a]) {
        const frame = await socket.waitFor((f) => f.type === 'event' && f.event === 'message.deleted' && f.data.message_id === messageId);
        assert.deepEqual(frame.data, { message_id: messageId, session_id: id });
      }
      const updated = await socket.waitFor((f) => f.type === 'event' && f.event === 'session.updated');
      assert.equal(updated.data.session_id, id);
      assert.equal(updated.data.message_count, 2, 'the count of the path that is left');
    } finally {
      await socket.close();
    }
  });

  it('answers 409 while a reply in the subtree is being written, and changes nothing', async () => {
    const id = await newConversation();
    const first = await send(id, 'q1');
    const second = await send(id, 'q2');
    // A branch beside the one that will be streaming.
    const side = await edit(id, second.q, 'q2 side');
    await fx.api.put(`${base(id)}/active-leaf`, { message_id: second.a }, { token: fx.user.token });

    const content = `slow ${randomUUID()}`;
    fx.mock.enqueue({ tokens: Array.from({ length: 100 }, (_, i) => ` t${i}`), delayMs: 40 });
    const pending = fx.api.post(`${base(id)}/messages`, { content }, { token: fx.user.token });
    await eventually(() => fx.mock.requests.find((r) => r.body?.messages?.at(-1)?.content === content));
    const all = (await fx.api.get(`${base(id)}/messages?branch=all`, { token: fx.user.token })).body;
    const streaming = all.find((m: any) => m.status === 'streaming');
    assert.ok(streaming, 'a reply is being written');
    const asked = all.find((m: any) => m.content === content);

    for (const messageId of [streaming.id, asked.id, second.q, first.q]) {
      const refused = await remove(id, messageId);
      assert.equal(refused.status, 409, refused.text);
      assert.deepEqual(refused.body, { detail: 'A reply is being written; stop it first' });
    }
    assert.equal((await fx.api.get(`${base(id)}/messages?branch=all`, { token: fx.user.token })).body.length, all.length, 'nothing deleted');
    // A branch that does not hold the reply may go.
    assert.equal((await remove(id, side.q)).status, 204);

    const stop = await fx.api.post(`${base(id)}/stop`, undefined, { token: fx.user.token });
    assert.deepEqual(stop.body, { stopped: true });
    assert.equal((await pending).status, 200);
    assert.equal((await remove(id, second.q)).status, 204);
    assert.deepEqual(await activePath(id), ['q1', 're q1']);
  });

  it('refuses missing credentials, another user, missing and foreign messages, and bad ids', async () => {
    const id = await newConversation();
    const first = await send(id, 'q1');
    const path = `${base(id)}/messages/${first.q}`;

    const anonymous = await fx.api.delete(path);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.detail, 'Not authenticated');
    assert.equal((await fx.api.delete(path, { token: 'garbage' })).status, 401);

    // Another user's conversation: refused as on every route of the conversation.
    const stranger = await registerUser(fx.api);
    const forbidden = await remove(id, first.q, stranger.token);
    assert.equal(forbidden.status, 403);
    assert.deepEqual(forbidden.body, { detail: 'Access denied' });
    // Their own conversation does not hold someone else's message.
    const theirs = await newConversation(stranger);
    const notTheirs = await remove(theirs, first.q, stranger.token);
    assert.equal(notTheirs.status, 404);
    assert.deepEqual(notTheirs.body, { detail: 'Message not found' });

    // A message of another of the caller's conversations.
    const otherId = await newConversation();
    const elsewhere = await send(otherId, 'elsewhere');
    assert.equal((await remove(id, elsewhere.q)).status, 404);
    assert.deepEqual((await remove(randomUUID(), first.q)).body, { detail: 'Conversation not found' });
    assert.deepEqual((await remove(id, randomUUID())).body, { detail: 'Message not found' });

    for (const bad of [`${base('nope')}/messages/${first.q}`, `${base(id)}/messages/nope`]) {
      const res = await fx.api.delete(bad, { token: fx.user.token });
      assert.equal(res.status, 422, bad);
      assert.ok(Array.isArray(res.body.detail));
    }
    // Nothing above deleted anything.
    assert.deepEqual(await activePath(id), ['q1', 're q1']);
    assert.deepEqual(await activePath(otherId), ['elsewhere', 're elsewhere']);

    // Once deleted, it is not found.
    assert.equal((await remove(id, first.q)).status, 204);
    assert.equal((await remove(id, first.q)).status, 404);
  });
});
