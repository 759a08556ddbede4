import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../../support/mock-openai.ts';
import { eventually, openStream, type StreamedSseEvent } from '../../support/stream-reader.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

const TOKENS = ['one', ' two', ' three', ' four', ' five', ' six', ' seven', ' eight'];

describe('seed 000 turn controls: stop and re-attach', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  let api: Client;
  let user: TestUser;

  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url, RATE_LIMIT_FREE_RPM: '100000' } });
    api = client(server.url);
    user = await registerUser(api);
  });
  after(async () => {
    // The mock first: a request still hanging on it then fails at once instead of holding the server's drain.
    await mock.close();
    await server.close();
  });

  // Titled, so that no title request reaches the mock.
  const newConversation = (owner = user) => createConversation(api, owner.token, { title: 'fixed', model: 'gpt-4o-mini' });
  const upstreamFor = (content: string) => eventually(() => mock.requests.find((r) => r.body?.messages?.at(-1)?.content === content));
  const streamUrl = (id: string, query = '') => `${server.url}/api/v1/conversations/${id}/stream${query}`;
  const data = (e: StreamedSseEvent | undefined) => JSON.parse(e?.data ?? 'null');

  /** Starts a turn through seed 000 and waits until the provider has been called. */
  async function startTurn(id: string, owner = user) {
    const content = `question ${randomUUID()}`;
    const pending = api.post(`/api/v1/conversations/${id}/messages`, { content }, { token: owner.token });
    const upstream = await upstreamFor(content);
    return { content, pending, upstream };
  }

  it('stops the turn: the upstream request is aborted and the partial reply saved as incomplete', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 150, firstDelayMs: 0 });
    const owner = await registerUser(api);
    const id = await newConversation(owner);
    const { content, pending, upstream } = await startTurn(id, owner);

    const stream = await openStream(streamUrl(id), { token: owner.token });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    const start = await stream.nextEvent();
    assert.equal(start?.event, 'start');
    assert.equal(start?.id, '1');
    assert.equal(data(start).user_message.content, content);
    assert.equal(data(start).assistant_message.status, 'streaming');
    const first = await stream.nextEvent();
    assert.equal(first?.event, 'token');
    assert.equal(first?.id, '2');

    const stop = await api.post(`/api/v1/conversations/${id}/stop`, undefined, { token: owner.token });
    assert.equal(stop.status, 200, stop.text);
    assert.deepEqual(stop.body, { stopped: true });

    const rest = await stream.allEvents();
    const done = rest.at(-1);
    assert.equal(done?.event, 'done');
    const received = [first, ...rest].filter((e) => e?.event === 'token').map((e) => data(e).content);
    assert.ok(received.length < TOKENS.length, 'the reply was cut short');
    assert.equal(data(done).message.status, 'incomplete');
    assert.equal(data(done).message.content, received.join(''));
    assert.equal(data(done).message.metadata.stop_reason, 'stop');

    await eventually(() => upstream.aborted);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.body.assistant_message.status, 'incomplete');

    const messages = await api.get(`/api/v1/conversations/${id}/messages`, { token: owner.token });
    assert.equal(messages.body[1].status, 'incomplete');
    assert.equal(messages.body[1].content, received.join(''));
    assert.ok(messages.body[1].completion_tokens > 0);
    assert.equal(messages.body[1].metadata.usage_estimated, true);

    const usage = await api.get('/api/v1/tokens/usage', { token: owner.token });
    assert.equal(usage.body.requests, 1, 'usage is recorded for a stopped turn');
    assert.ok(usage.body.completion_tokens > 0);

    const again = await api.post(`/api/v1/conversations/${id}/stop`, undefined, { token: owner.token });
    assert.deepEqual(again.body, { stopped: false });
  });

  it('replays only what came after Last-Event-ID when a client re-attaches', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 60, firstDelayMs: 0 });
    const id = await newConversation();
    const { pending } = await startTurn(id);

    const firstClient = await openStream(streamUrl(id), { token: user.token });
    const seen = [await firstClient.nextEvent(), await firstClient.nextEvent(), await firstClient.nextEvent()];
    assert.deepEqual(
      seen.map((e) => e?.id),
      ['1', '2', '3'],
    );
    firstClient.abort();

    const resumed = await openStream(streamUrl(id), { token: user.token, headers: { 'last-event-id': '3' } });
    const rest = await resumed.allEvents();
    assert.equal(rest[0].id, '4', 'the replay starts right after the last event seen');
    const ids = rest.map((e) => Number(e.id));
    assert.deepEqual(
      ids,
      ids.map((_, i) => 4 + i),
      'no event is skipped or repeated',
    );
    const done = rest.at(-1);
    assert.equal(done?.event, 'done');
    const tokens = [...seen.slice(1), ...rest].filter((e) => e?.event === 'token').map((e) => data(e).content);
    assert.equal(tokens.join(''), TOKENS.join(''));
    assert.equal(data(done).message.content, TOKENS.join(''));
    assert.equal(data(done).message.status, 'complete');
    assert.deepEqual(data(done).usage, { prompt_tokens: 21, completion_tokens: 4, total_tokens: 25 });
    await pending;
  });

  it('accepts the last event id as a query parameter too', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 40, firstDelayMs: 0 });
    const id = await newConversation();
    const { pending } = await startTurn(id);
    const stream = await openStream(streamUrl(id, '?last_event_id=1'), { token: user.token });
    const events = await stream.allEvents();
    assert.equal(events[0].id, '2');
    assert.ok(events.every((e) => e.event !== 'start'));
    assert.equal(events.filter((e) => e.event === 'token').length, TOKENS.length);
    await pending;
  });

  it('answers the last reply at once when no turn is in flight', async () => {
    const id = await newConversation();
    const empty = await openStream(streamUrl(id), { token: user.token });
    const none = await empty.allEvents();
    assert.equal(none.length, 1);
    assert.equal(none[0].event, 'done');
    assert.equal(data(none[0]).message, null);

    mock.setDefault({ tokens: ['All', ' done'] });
    const sent = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'finish' }, { token: user.token });
    assert.equal(sent.status, 200);
    const stream = await openStream(streamUrl(id), { token: user.token, headers: { 'last-event-id': '2' } });
    const events = await stream.allEvents();
    assert.equal(events.length, 1, 'one final event, then the stream ends');
    assert.equal(events[0].event, 'done');
    assert.equal(data(events[0]).message.id, sent.body.assistant_message.id);
    assert.equal(data(events[0]).message.content, 'All done');
    assert.equal(data(events[0]).cost_usd, sent.body.cost_usd);
  });

  it('keeps the turn running when a re-attached client disconnects', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 50, firstDelayMs: 0 });
    const id = await newConversation();
    const { pending, upstream } = await startTurn(id);
    const stream = await openStream(streamUrl(id), { token: user.token });
    await stream.nextEvent();
    await stream.nextEvent();
    stream.abort();
    const messages = await eventually(async () => {
      const res = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
      return res.body[1]?.status === 'complete' ? res.body : undefined;
    });
    assert.equal(messages[1].content, TOKENS.join(''));
    assert.equal(upstream.aborted, false);
    await pending;
  });

  it('keeps the turn running when the sending client disconnects', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 40, firstDelayMs: 0 });
    const id = await newConversation();
    const content = `leaving ${randomUUID()}`;
    const sender = await openStream(`${server.url}/api/v1/conversations/${id}/messages`, { token: user.token, body: { content } });
    // The non-streamed send answers only at the end; closing it now leaves mid-turn.
    await upstreamFor(content);
    sender.abort();
    const messages = await eventually(async () => {
      const res = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
      return res.body[1]?.status === 'complete' ? res.body : undefined;
    });
    assert.equal(messages[1].content, TOKENS.join(''));
  });

  it('refuses missing or bad credentials, another user, a missing conversation and bad input', async () => {
    const id = await newConversation();
    const other = await registerUser(api);
    for (const [method, path] of [
      ['POST', `/api/v1/conversations/${id}/stop`],
      ['GET', `/api/v1/conversations/${id}/stream`],
    ]) {
      const none = await api.request(method, path);
      assert.equal(none.status, 401, `${method} ${path} without a token`);
      assert.equal(none.body.detail, 'Not authenticated');
      assert.equal((await api.request(method, path, { token: 'not-a-token' })).status, 401);
      const foreign = await api.request(method, path, { token: other.token });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.body.detail, 'Access denied');
      const missing = await api.request(method, path.replace(id, randomUUID()), { token: user.token });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.detail, 'Conversation not found');
      const badId = await api.request(method, path.replace(id, 'nope'), { token: user.token });
      assert.equal(badId.status, 422);
      assert.deepEqual(badId.body.detail[0].loc, ['path', 'id']);
    }
    const badHeader = await api.get(`/api/v1/conversations/${id}/stream`, { token: user.token, headers: { 'last-event-id': 'abc' } });
    assert.equal(badHeader.status, 422);
    assert.equal(badHeader.body.detail[0].loc[0], 'header');
    const badQuery = await api.get(`/api/v1/conversations/${id}/stream?last_event_id=-1`, { token: user.token });
    assert.equal(badQuery.status, 422);

    await api.delete(`/api/v1/conversations/${id}`, { token: user.token });
    assert.equal((await api.post(`/api/v1/conversations/${id}/stop`, undefined, { token: user.token })).status, 404);
    assert.equal((await api.get(`/api/v1/conversations/${id}/stream`, { token: user.token })).status, 404);
  });
});
