import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { eventually, openStream, type StreamedSseEvent } from '../../support/stream-reader.ts';

describe('message tree: regenerate, edit, switch, fork', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  let other: TestUser;

  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url, RATE_LIMIT_FREE_RPM: '100000' } });
    api = client(server.url);
    user = await registerUser(api);
    other = await registerUser(api);
  });
  after(async () => {
    await mock.close();
    await server.close();
  });

  // Titled, so no title request reaches the mock.
  const newConversation = (owner = user) => createConversation(api, owner.token, { title: 'fixed', model: 'gpt-4o-mini' });
  const base = (id: string) => `/api/v1/conversations/${id}`;
  const data = (e: StreamedSseEvent | undefined) => JSON.parse(e?.data ?? 'null');

  async function send(id: string, content: string, reply: string) {
    mock.enqueue({ tokens: [reply] });
    const res = await api.post(`${base(id)}/messages`, { content }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    return res.body as { user_message: any; assistant_message: any };
  }
  const activeContents = async (id: string) => {
    const res = await api.get(`${base(id)}/messages`, { token: user.token });
    assert.equal(res.status, 200, res.text);
    return res.body.map((m: any) => m.content);
  };
  /** The messages the mock received last, as role: content. */
  const lastUpstreamContext = () => mock.requests.at(-1)!.body.messages.map((m: any) => `${m.role}: ${m.content}`);

  it('regenerates a reply as a sibling, edits a message as a sibling, and the model reads only the active path', async () => {
    const id = await newConversation();
    const first = await send(id, 'q1', 'a1');
    const second = await send(id, 'q2', 'a2');

    mock.enqueue({ tokens: ['a2 again'] });
    const regen = await api.post(`${base(id)}/messages/${second.assistant_message.id}/regenerate`, {}, { token: user.token });
    assert.equal(regen.status, 200, regen.text);
    assert.equal(regen.body.user_message.id, second.user_message.id, 'the reply answers the same user message');
    assert.equal(regen.body.assistant_message.content, 'a2 again');
    assert.notEqual(regen.body.assistant_message.id, second.assistant_message.id);
    assert.deepEqual(lastUpstreamContext(), ['user: q1', 'assistant: a1', 'user: q2'], 'the old reply is not in the context');
    assert.deepEqual(await activeContents(id), ['q1', 'a1', 'q2', 'a2 again']);

    mock.enqueue({ tokens: ['a2 edited'] });
    const edit = await api.post(`${base(id)}/messages/${second.user_message.id}/edit`, { content: 'q2 edited' }, { token: user.token });
    assert.equal(edit.status, 200, edit.text);
    assert.equal(edit.body.user_message.content, 'q2 edited');
    assert.notEqual(edit.body.user_message.id, second.user_message.id);
    assert.deepEqual(lastUpstreamContext(), ['user: q1', 'assistant: a1', 'user: q2 edited']);
    assert.deepEqual(await activeContents(id), ['q1', 'a1', 'q2 edited', 'a2 edited']);

    // The next turn continues the active branch only.
    await send(id, 'q3', 'a3');
    assert.deepEqual(lastUpstreamContext(), ['user: q1', 'assistant: a1', 'user: q2 edited', 'assistant: a2 edited', 'user: q3']);

    const all = await api.get(`${base(id)}/messages?branch=all`, { token: user.token });
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.length, 9, 'every message of every branch');
    const byId = new Map(all.body.map((m: any) => [m.id, m]));
    const editedUser: any = byId.get(edit.body.user_message.id);
    assert.equal(editedUser.parent_id, first.assistant_message.id);
    assert.deepEqual(editedUser.sibling_ids, [second.user_message.id, edit.body.user_message.id]);
    assert.equal(editedUser.sibling_index, 1);
    const regenerated: any = byId.get(regen.body.assistant_message.id);
    assert.equal(regenerated.parent_id, second.user_message.id);
    assert.equal(regenerated.sibling_ids, undefined, 'off the active path: no sibling fields');
    const root: any = byId.get(first.user_message.id);
    assert.equal(root.parent_id, null);
    assert.deepEqual(root.sibling_ids, [first.user_message.id]);

    // Back to the first user message's branch: the path continues down its newest reply.
    const back = await api.put(`${base(id)}/active-leaf`, { message_id: second.user_message.id }, { token: user.token });
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body.active_leaf_id, regen.body.assistant_message.id);
    assert.deepEqual(await activeContents(id), ['q1', 'a1', 'q2', 'a2 again']);
    const conversation = await api.get(base(id), { token: user.token });
    assert.equal(conversation.body.message_count, 4, 'message_count is the active path');

    await send(id, 'q4', 'a4');
    assert.deepEqual(lastUpstreamContext(), ['user: q1', 'assistant: a1', 'user: q2', 'assistant: a2 again', 'user: q4']);

    const toOld = await api.put(`${base(id)}/active-leaf`, { message_id: second.assistant_message.id }, { token: user.token });
    assert.equal(toOld.body.active_leaf_id, second.assistant_message.id);
    assert.deepEqual(await activeContents(id), ['q1', 'a1', 'q2', 'a2']);
  });

  it('every surface shows the active path after a branch switch', async () => {
    const id = await newConversation();
    await send(id, 'p1', 'r1');
    const second = await send(id, 'p2', 'r2');
    mock.enqueue({ tokens: ['r2 edited'] });
    const edit = await api.post(`${base(id)}/messages/${second.user_message.id}/edit`, { content: 'p2 edited' }, { token: user.token });
    assert.equal(edit.status, 200, edit.text);

    const check = async (expected: string[]) => {
      assert.deepEqual(await activeContents(id), expected, 'seed 000');
      const v1 = await api.get('/v1/chat/history?page_size=100', { token: user.token });
      assert.equal(v1.status, 200, v1.text);
      const session = v1.body.sessions.find((s: any) => s.session_id === id || s.id === id);
      assert.ok(session, v1.text);
      assert.deepEqual(
        session.messages.map((m: any) => m.content),
        expected,
        'seed 001 history',
      );
      const v2 = await api.get(`/api/v1/chat/${id}/history`, { token: user.token });
      assert.equal(v2.status, 200, v2.text);
      assert.deepEqual(
        v2.body.messages.map((m: any) => m.text),
        expected,
        'seed 002 history',
      );
      const v3 = await api.get(`/api/chat/sessions/${id}/messages`, { token: user.token });
      assert.equal(v3.status, 200, v3.text);
      const v3Items = v3.body.data?.items ?? v3.body.data?.messages ?? v3.body.data;
      assert.deepEqual(
        v3Items.map((m: any) => m.content),
        expected,
        'seed 003 messages',
      );
      const view = await api.get(`/aichat/sessions/${id}`, { token: user.token });
      assert.equal(view.status, 200, view.text);
      assert.deepEqual(
        view.body.data.messages.map((m: any) => m.content),
        expected,
        'seed 003 view',
      );
    };
    await check(['p1', 'r1', 'p2 edited', 'r2 edited']);
    await api.put(`${base(id)}/active-leaf`, { message_id: second.assistant_message.id }, { token: user.token });
    await check(['p1', 'r1', 'p2', 'r2']);
  });

  it('forks a conversation from a copy of the path up to a message', async () => {
    const id = await newConversation();
    const first = await send(id, 'f1', 'g1');
    await send(id, 'f2', 'g2');
    const res = await api.post(`${base(id)}/fork`, { message_id: first.assistant_message.id }, { token: user.token });
    assert.equal(res.status, 201, res.text);
    assert.notEqual(res.body.id, id);
    assert.equal(res.body.message_count, 2);
    assert.equal(res.body.model, 'gpt-4o-mini');
    assert.deepEqual(await activeContents(res.body.id), ['f1', 'g1']);
    assert.deepEqual(await activeContents(id), ['f1', 'g1', 'f2', 'g2'], 'the source is unchanged');
    // The copy continues on its own.
    await send(res.body.id, 'f3', 'g3');
    assert.deepEqual(lastUpstreamContext(), ['user: f1', 'assistant: g1', 'user: f3']);
    assert.deepEqual(await activeContents(id), ['f1', 'g1', 'f2', 'g2']);
  });

  it('deleting a message takes it off the active path; the path closes over it', async () => {
    const id = await newConversation();
    const first = await send(id, 'd1', 'e1');
    const second = await send(id, 'd2', 'e2');
    const third = await send(id, 'd3', 'e3');
    const del = await api.delete(`/api/chat/messages/${second.user_message.id}`, { token: user.token });
    assert.ok(del.status < 300, del.text);
    assert.deepEqual(await activeContents(id), ['d1', 'e1', 'e2', 'd3', 'e3']);
    const all = await api.get(`${base(id)}/messages?branch=all`, { token: user.token });
    const reply: any = all.body.find((m: any) => m.id === second.assistant_message.id);
    assert.equal(reply.parent_id, first.assistant_message.id, 'its reply moved up to its parent');
    // The leaf deleted: the path ends at its parent, and the next turn follows from there.
    await api.delete(`/api/chat/messages/${third.assistant_message.id}`, { token: user.token });
    assert.deepEqual(await activeContents(id), ['d1', 'e1', 'e2', 'd3']);
    await send(id, 'd4', 'e4');
    assert.deepEqual(lastUpstreamContext(), ['user: d1', 'assistant: e1', 'assistant: e2', 'user: d3', 'user: d4']);
    assert.deepEqual(await activeContents(id), ['d1', 'e1', 'e2', 'd3', 'd4', 'e4']);
  });

  it('keeps seed 003 in-place edits as edits, not branches', async () => {
    const id = await newConversation();
    const first = await send(id, 'old text', 'reply');
    const res = await api.patch(`/api/chat/messages/${first.user_message.id}`, { new_content: 'new text' }, { token: user.token });
    assert.ok(res.status < 300, res.text);
    assert.deepEqual(await activeContents(id), ['new text', 'reply']);
    const all = await api.get(`${base(id)}/messages?branch=all`, { token: user.token });
    assert.equal(all.body.length, 2);
  });

  it('streams a regenerate as SSE; stop and re-attach work on it', async () => {
    const id = await newConversation();
    const first = await send(id, 's1', 't1');
    mock.enqueue({ tokens: ['one', ' two', ' three', ' four', ' five', ' six'], delayMs: 150 });
    const stream = await openStream(`${server.url}${base(id)}/messages/${first.assistant_message.id}/regenerate`, {
      token: user.token,
      body: {},
      headers: { accept: 'text/event-stream' },
    });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    const start = await stream.nextEvent();
    assert.equal(start?.event, 'start');
    assert.equal(data(start).user_message.id, first.user_message.id);
    const newReplyId = data(start).assistant_message.id;
    const token = await stream.nextEvent();
    assert.equal(token?.event, 'token');

    const reattached = await openStream(`${server.url}${base(id)}/stream`, { token: user.token, headers: { 'last-event-id': '1' } });
    const again = await reattached.nextEvent();
    assert.equal(again?.event, 'token', 'the re-attached stream replays after the given event');

    const stop = await api.post(`${base(id)}/stop`, undefined, { token: user.token });
    assert.deepEqual(stop.body, { stopped: true });
    const rest = await stream.allEvents();
    const done = rest.at(-1);
    assert.equal(done?.event, 'done');
    assert.equal(data(done).message.id, newReplyId);
    assert.equal(data(done).message.status, 'incomplete');
    const tail = (await reattached.allEvents()).at(-1);
    assert.equal(data(tail).message.id, newReplyId);
    assert.deepEqual((await activeContents(id)).slice(0, 2), ['s1', data(done).message.content]);
    await eventually(async () => (await api.get(`${base(id)}/messages`, { token: user.token })).body[1]?.status === 'incomplete');
  });

  it('refuses missing credentials, another user, missing resources and bad input', async () => {
    const id = await newConversation();
    const first = await send(id, 'x1', 'y1');
    const mine = `${base(id)}/messages/${first.assistant_message.id}`;
    const userMine = `${base(id)}/messages/${first.user_message.id}`;
    const routes: [string, string, unknown][] = [
      ['POST', `${mine}/regenerate`, {}],
      ['POST', `${userMine}/edit`, { content: 'z' }],
      ['PUT', `${base(id)}/active-leaf`, { message_id: first.user_message.id }],
      ['POST', `${base(id)}/fork`, { message_id: first.user_message.id }],
      ['GET', `${base(id)}/messages?branch=all`, undefined],
    ];
    for (const [method, path, body] of routes) {
      assert.equal((await api.request(method, path, { body })).status, 401, `${method} ${path} without a token`);
      const forbidden = await api.request(method, path, { body, token: other.token });
      assert.equal(forbidden.status, 403, `${method} ${path} by another user`);
      assert.deepEqual(forbidden.body, { detail: 'Access denied' });
    }
    const missing = randomUUID();
    assert.equal((await api.post(`${base(missing)}/messages/${first.assistant_message.id}/regenerate`, {}, { token: user.token })).status, 404);
    assert.equal((await api.post(`${base(id)}/messages/${missing}/regenerate`, {}, { token: user.token })).status, 404);
    assert.equal((await api.post(`${base(id)}/messages/${missing}/edit`, { content: 'z' }, { token: user.token })).status, 404);
    assert.equal((await api.put(`${base(id)}/active-leaf`, { message_id: missing }, { token: user.token })).status, 404);
    assert.equal((await api.post(`${base(id)}/fork`, { message_id: missing }, { token: user.token })).status, 404);
    // A message of another conversation (even the caller's own) is not one of this one.
    const otherId = await newConversation();
    assert.equal((await api.put(`${base(otherId)}/active-leaf`, { message_id: first.user_message.id }, { token: user.token })).status, 404);

    const bad = async (method: string, path: string, body: unknown) => {
      const res = await api.request(method, path, { body, token: user.token });
      assert.equal(res.status, 422, `${method} ${path}: ${res.text}`);
      assert.ok(res.body.detail, res.text);
    };
    await bad('POST', `${userMine}/regenerate`, {});
    await bad('POST', `${mine}/edit`, { content: 'z' });
    await bad('POST', `${userMine}/edit`, { content: '' });
    await bad('POST', `${userMine}/edit`, {});
    await bad('PUT', `${base(id)}/active-leaf`, { message_id: 'nope' });
    await bad('POST', `${base(id)}/fork`, {});
    await bad('POST', `${base(id)}/messages/not-a-uuid/regenerate`, {});
    await bad('GET', `${base(id)}/messages?branch=some`, undefined);
  });
});
