import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { type Client, client } from '../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { eventually, openStream, type StreamedSseEvent } from '../support/stream-reader.ts';
import { openSocket } from '../support/ws.ts';

// Two instances need one database (PostgreSQL) and Redis to share turns.
const shared = process.env.REDIS_URL && process.env.DATABASE_URL;
const TOKENS = Array.from({ length: 12 }, (_, i) => `t${i} `);

describe('turns seen from every instance', { skip: shared ? false : 'REDIS_URL and DATABASE_URL are not both set' }, () => {
  let mock: MockOpenAI;
  let a: TestServer;
  let b: TestServer;
  let apiA: Client;
  let apiB: Client;
  let user: TestUser;

  before(async () => {
    mock = await startMockOpenAI();
    a = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url } });
    // The same database, Redis prefix and secret: a second instance of the same deployment.
    b = await startTestServer({ reuse: a });
    apiA = client(a.url);
    apiB = client(b.url);
    user = await registerUser(apiA);
  });
  after(async () => {
    await mock.close();
    await b.stop();
    await a.close();
  });

  const data = (e: StreamedSseEvent | undefined) => JSON.parse(e?.data ?? 'null');
  async function turnOnA() {
    const id = await createConversation(apiA, user.token, { title: 'fixed', model: 'gpt-4o-mini' });
    const content = `question ${randomUUID()}`;
    const pending = apiA.post(`/api/v1/conversations/${id}/messages`, { content }, { token: user.token });
    const upstream = await eventually(() => mock.requests.find((r) => r.body?.messages?.at(-1)?.content === content));
    return { id, pending, upstream };
  }

  it('refuses a second turn in the conversation on the other instance', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 50, firstDelayMs: 0 });
    const { id, pending } = await turnOnA();
    const second = await apiB.post(`/api/v1/conversations/${id}/messages`, { content: 'me too' }, { token: user.token });
    assert.equal(second.status, 409, second.text);
    assert.match(second.body.detail, /already being generated/);
    assert.equal((await pending).status, 200);
    const messages = await apiB.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(messages.body.length, 2, 'the refused turn stored nothing');
  });

  it('re-attaches through the other instance and follows the turn live to its end, from Last-Event-ID', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 60, firstDelayMs: 0 });
    const { id, pending } = await turnOnA();
    const stream = await openStream(`${b.url}/api/v1/conversations/${id}/stream`, { token: user.token });
    const first = [await stream.nextEvent(), await stream.nextEvent()];
    assert.deepEqual(
      first.map((e) => e?.event),
      ['start', 'token'],
    );
    assert.equal(data(first[0]).assistant_message.status, 'streaming');
    stream.abort();

    // Resumed after the second event, again on B, while the turn still runs on A.
    const resumed = await openStream(`${b.url}/api/v1/conversations/${id}/stream`, { token: user.token, headers: { 'last-event-id': '2' } });
    const rest = await resumed.allEvents();
    assert.equal(rest[0].id, '3');
    const done = rest.at(-1);
    assert.equal(done?.event, 'done');
    const text = [first[1], ...rest].filter((e) => e?.event === 'token').map((e) => data(e).content).join('');
    assert.equal(text, TOKENS.join(''), 'every token arrived once, in order');
    assert.equal(data(done).message.content, TOKENS.join(''));
    assert.equal(data(done).message.status, 'complete');
    assert.equal((await pending).body.assistant_message.content, TOKENS.join(''));
  });

  it('stops the turn from the other instance: the provider request is aborted and the answer says so', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 200, firstDelayMs: 0 });
    const { id, pending, upstream } = await turnOnA();
    const started = performance.now();
    const stop = await apiB.post(`/api/v1/conversations/${id}/stop`, undefined, { token: user.token });
    assert.equal(stop.status, 200, stop.text);
    assert.deepEqual(stop.body, { stopped: true });
    await eventually(() => upstream.aborted);
    // Generous for a loaded machine; the relay itself takes a Redis round trip.
    assert.ok(performance.now() - started < 2_000, 'the stop reached the turn promptly');
    const res = await pending;
    assert.equal(res.body.assistant_message.status, 'incomplete');
    assert.equal(res.body.assistant_message.metadata.stop_reason, 'stop');
    const again = await apiB.post(`/api/v1/conversations/${id}/stop`, undefined, { token: user.token });
    assert.deepEqual(again.body, { stopped: false });
  });

  it('stops the turn with a WebSocket stop frame sent to the other instance', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 200, firstDelayMs: 0 });
    const { id, pending, upstream } = await turnOnA();
    const socket = await openSocket(b.url, id, { token: user.token });
    try {
      socket.send({ type: 'stop' });
      await eventually(() => upstream.aborted);
      assert.equal((await pending).body.assistant_message.status, 'incomplete');
      assert.equal(
        socket.frames.some((f) => f.type === 'error'),
        false,
        'no "nothing to stop" error',
      );
      // With nothing left to stop, the frame is answered with the surface's error.
      socket.send({ type: 'stop' });
      const refused = await socket.waitFor((f) => f.type === 'error');
      assert.equal(refused.code, 409);
    } finally {
      await socket.close();
    }
  });

  it('answers a finished turn on the other instance with its stored reply', async () => {
    mock.setDefault({ tokens: ['all', ' done'], delayMs: 0, firstDelayMs: 0 });
    const { id, pending } = await turnOnA();
    await pending;
    const stream = await openStream(`${b.url}/api/v1/conversations/${id}/stream`, { token: user.token });
    const events = await stream.allEvents();
    const done = events.at(-1);
    assert.equal(done?.event, 'done');
    assert.equal(data(done).message.content, 'all done');
  });
});
