import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConversation } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';
import { eventually, openStream, type StreamedSseEvent } from '../../support/stream-reader.ts';

describe('sending a message as an event stream', () => {
  const fx = useTestServer({ upstream: 'openai' });
  const data = (e: StreamedSseEvent | undefined) => JSON.parse(e?.data ?? 'null');
  const url = (id: string) => `${fx.server.url}/api/v1/conversations/${id}/messages`;
  // Titled, so no title request reaches the mock.
  const newConversation = () => createConversation(fx.api, fx.user.token, { title: 'fixed', model: 'gpt-4o-mini' });

  it('streams start, tokens and done, numbered, when the request accepts text/event-stream', async () => {
    const id = await newConversation();
    fx.mock.enqueue({ tokens: ['Hel', 'lo', ' there'], delayMs: 20 });
    const stream = await openStream(url(id), { token: fx.user.token, body: { content: 'hi' }, headers: { accept: 'text/event-stream' } });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = await stream.allEvents();
    assert.deepEqual(
      events.map((e) => e.event),
      ['start', 'token', 'token', 'token', 'done'],
    );
    assert.deepEqual(
      events.map((e) => e.id),
      ['1', '2', '3', '4', '5'],
    );
    const start = data(events[0]);
    assert.equal(start.user_message.content, 'hi');
    assert.equal(start.assistant_message.status, 'streaming');
    assert.equal(events.slice(1, 4).map((e) => data(e).content).join(''), 'Hello there');
    const done = data(events[4]);
    assert.equal(done.message.id, start.assistant_message.id);
    assert.equal(done.message.status, 'complete');
    assert.equal(done.message.content, 'Hello there');
    assert.equal(typeof done.usage.total_tokens, 'number');
  });

  it('answers JSON as before without the header, and errors as JSON before a stream starts', async () => {
    const id = await newConversation();
    fx.mock.enqueue({ tokens: ['plain'] });
    const plain = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'q' }, { token: fx.user.token });
    assert.equal(plain.status, 200, plain.text);
    assert.equal(plain.body.assistant_message.content, 'plain');

    const blank = await openStream(url(id), { token: fx.user.token, body: { content: '   ' }, headers: { accept: 'text/event-stream' } });
    assert.equal(blank.status, 422);
    assert.ok((await blank.json()).detail);
    const missing = await openStream(url(crypto.randomUUID()), { token: fx.user.token, body: { content: 'q' }, headers: { accept: 'text/event-stream' } });
    assert.equal(missing.status, 404);
    const anonymous = await openStream(url(id), { body: { content: 'q' }, headers: { accept: 'text/event-stream' } });
    assert.equal(anonymous.status, 401);
  });

  it('a client that goes away leaves the turn running to its end', async () => {
    const id = await newConversation();
    fx.mock.enqueue({ tokens: ['a', 'b', 'c', 'd'], delayMs: 60 });
    const stream = await openStream(url(id), { token: fx.user.token, body: { content: 'bye' }, headers: { accept: 'text/event-stream' } });
    assert.equal((await stream.nextEvent())?.event, 'start');
    stream.abort();
    await eventually(async () => {
      const res = await fx.api.get(`/api/v1/conversations/${id}/messages`, { token: fx.user.token });
      return res.body.at(-1)?.status === 'complete' && res.body.at(-1).content === 'abcd';
    });
  });
});
