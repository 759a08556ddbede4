import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import type { MockOpenAI } from '../../support/mock-openai.ts';
import type { TestServer } from '../../support/server.ts';
import { postSse, tokensOf } from '../../support/sse-reader.ts';
import { eventually, startChatServer, storedMessages, titledSession, untilTitled } from './helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('seed 002 POST /v1/chat/stream', () => {
  let server: TestServer;
  let mock: MockOpenAI;
  let api: Client;
  let user: TestUser;
  before(async () => {
    ({ server, mock } = await startChatServer());
    api = client(server.url);
    user = await registerUser(api);
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  const stream = (body: Record<string, unknown>) => postSse(`${server.url}/v1/chat/stream`, body, { token: user.token });

  it('forwards tokens as they arrive, before the upstream has finished', async () => {
    const sessionId = await titledSession(api, user.token);
    mock.enqueue({ tokens: ['One', ' two', ' three', ' four'], delayMs: 150 });
    const res = await stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Count' }], session_id: sessionId });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('x-session-id'), sessionId);

    const events = [];
    for await (const event of res.events()) {
      if (events.length === 0) {
        const upstream = mock.chatRequests().at(-1);
        assert.equal(upstream?.finished, false, 'the first token was read while the upstream was still sending');
      }
      events.push(event);
    }
    assert.deepEqual(tokensOf(events), ['One', ' two', ' three', ' four']);
    assert.deepEqual(events.at(-1), { ...events.at(-1), event: 'message', data: '[DONE]' });
    assert.equal(events.length, 5);

    const stored = await storedMessages(api, user.token, sessionId);
    assert.deepEqual(
      stored.map((m) => [m.role, m.content, m.status]),
      [
        ['user', 'Count', 'complete'],
        ['assistant', 'One two three four', 'complete'],
      ],
    );
  });

  it('creates a session when none is given, its id in X-Session-Id and a leading system message as its prompt', async () => {
    const res = await stream({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi there' },
      ],
    });
    assert.equal(res.status, 200);
    const sessionId = res.headers.get('x-session-id') ?? '';
    assert.match(sessionId, UUID);
    const tokens = tokensOf(await res.all());
    assert.deepEqual(tokens, ['Hello', ' from', ' the', ' mock']);

    const upstream = mock.chatRequests().at(-1);
    assert.equal(upstream?.body.model, 'gpt-4o-mini');
    assert.equal(upstream?.body.temperature, 0.7, 'seed 002 documents 0.7 as the default temperature');
    assert.deepEqual(upstream?.body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi there' },
    ]);
    await untilTitled(api, user.token, sessionId);
    const conversation = await api.get(`/api/v1/conversations/${sessionId}`, { token: user.token });
    assert.equal(conversation.body.model, 'gpt-4o-mini');
    assert.equal(conversation.body.system_prompt, 'Be brief.');
    const stored = await storedMessages(api, user.token, sessionId);
    assert.deepEqual(
      stored.map((m) => [m.role, m.content]),
      [
        ['user', 'Hi there'],
        ['assistant', tokens.join('')],
      ],
    );
  });

  it('passes temperature and max_tokens to the model', async () => {
    const sessionId = await titledSession(api, user.token);
    mock.enqueue({ tokens: ['ok'] });
    const res = await stream({
      model: 'gpt-4o',
      session_id: sessionId,
      temperature: 0,
      max_tokens: 77,
      messages: [{ role: 'user', content: 'Cold' }],
    });
    await res.all();
    const upstream = mock.chatRequests().at(-1);
    assert.equal(upstream?.body.temperature, 0);
    assert.equal(upstream?.body.max_tokens, 77);
  });

  it('keeps line breaks inside a token, split over several data lines', async () => {
    const sessionId = await titledSession(api, user.token);
    const tokens = ['Line one\nLine two', '\n\n', '- item', '\n', 'end'];
    mock.enqueue({ tokens });
    const res = await stream({ model: 'gpt-4o', session_id: sessionId, messages: [{ role: 'user', content: 'List' }] });
    const events = await res.all();
    assert.deepEqual(tokensOf(events), tokens);
    const stored = await storedMessages(api, user.token, sessionId);
    assert.equal(stored[1].content, tokens.join(''));
    assert.equal(stored[1].content, tokensOf(events).join(''));
  });

  it('drops NUL characters a model sends, so the reply is stored as streamed', async () => {
    const sessionId = await titledSession(api, user.token);
    mock.enqueue({ tokens: ['Nu\u0000ll', '\u0000', ' safe'] });
    const res = await stream({ model: 'gpt-4o', session_id: sessionId, messages: [{ role: 'user', content: 'Odd bytes' }] });
    const events = await res.all();
    assert.deepEqual(tokensOf(events), ['Null', ' safe']);
    const stored = await storedMessages(api, user.token, sessionId);
    assert.equal(stored[1].status, 'complete');
    assert.equal(stored[1].content, 'Null safe');
  });

  it('sends the raw SSE form the seed documents', async () => {
    const sessionId = await titledSession(api, user.token);
    mock.enqueue({ tokens: ['a\nb', 'c'] });
    const res = await fetch(`${server.url}/v1/chat/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', session_id: sessionId, messages: [{ role: 'user', content: 'Raw' }] }),
    });
    assert.equal(await res.text(), 'data: a\ndata: b\n\ndata: c\n\ndata: [DONE]\n\n');
  });

  it('answers the whole reply as JSON with stream: false', async () => {
    const sessionId = await titledSession(api, user.token);
    mock.enqueue({ tokens: ['Fine', ', thanks'], usage: { prompt_tokens: 12, completion_tokens: 2 } });
    const res = await api.post(
      '/v1/chat/stream',
      { model: 'gpt-4o', session_id: sessionId, stream: false, messages: [{ role: 'user', content: 'How are you?' }] },
      { token: user.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-session-id'), sessionId);
    const stored = await storedMessages(api, user.token, sessionId);
    assert.deepEqual(res.body, {
      session_id: sessionId,
      model: 'gpt-4o',
      message: { id: stored[1].id, role: 'assistant', content: 'Fine, thanks' },
      usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
      cost_usd: (12 * 2.5 + 2 * 10) / 1_000_000,
    });
  });

  it('creates a session with stream: false too', async () => {
    const res = await api.post(
      '/v1/chat/stream',
      { model: 'gpt-4o', stream: false, messages: [{ role: 'user', content: 'New one' }] },
      { token: user.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.session_id, UUID);
    assert.equal(res.body.message.content, 'Hello from the mock');
    const stored = await storedMessages(api, user.token, res.body.session_id);
    assert.deepEqual(
      stored.map((m) => m.content),
      ['New one', 'Hello from the mock'],
    );
  });

  it('runs the turn to its end and stores it when the client goes away mid-stream', async () => {
    const sessionId = await titledSession(api, user.token);
    const tokens = ['Still', ' here', ' after', ' you', ' left', '.'];
    mock.enqueue({ tokens, delayMs: 80 });
    const res = await stream({ model: 'gpt-4o', session_id: sessionId, messages: [{ role: 'user', content: 'Go on' }] });
    for await (const event of res.events()) {
      assert.equal(event.data, 'Still');
      res.abort();
      break;
    }
    const stored = await eventually(
      'the reply after a disconnect',
      () => storedMessages(api, user.token, sessionId),
      (messages) => messages[1]?.status !== 'streaming',
    );
    assert.equal(stored[1].status, 'complete');
    assert.equal(stored[1].content, tokens.join(''));
    const upstream = mock.chatRequests().at(-1);
    assert.equal(upstream?.finished, true);
    assert.equal(upstream?.aborted, false, 'the upstream request was not cut');
  });

  it('reports an upstream failure before any token as an error event, keeping the user message', async () => {
    const sessionId = await titledSession(api, user.token);
    mock.enqueue({ status: 500 });
    const res = await stream({ model: 'gpt-4o', session_id: sessionId, messages: [{ role: 'user', content: 'Fail' }] });
    assert.equal(res.status, 200);
    const events = await res.all();
    assert.equal(events.length, 2);
    assert.equal(events[0].event, 'error');
    assert.match(JSON.parse(events[0].data).detail, /500/);
    assert.equal(events[1].data, '[DONE]');
    const stored = await storedMessages(api, user.token, sessionId);
    assert.deepEqual(
      stored.map((m) => [m.role, m.content, m.status]),
      [
        ['user', 'Fail', 'complete'],
        ['assistant', '', 'error'],
      ],
    );
    assert.match(stored[1].metadata.error, /500/);
  });

  it('answers 502 for an upstream failure with stream: false', async () => {
    const sessionId = await titledSession(api, user.token);
    mock.enqueue({ status: 500 });
    const res = await api.post(
      '/v1/chat/stream',
      { model: 'gpt-4o', session_id: sessionId, stream: false, messages: [{ role: 'user', content: 'Fail' }] },
      { token: user.token },
    );
    assert.equal(res.status, 502);
    assert.match(res.body.detail, /500/);
    const stored = await storedMessages(api, user.token, sessionId);
    assert.deepEqual(
      stored.map((m) => [m.role, m.status]),
      [
        ['user', 'complete'],
        ['assistant', 'error'],
      ],
    );
  });

  it('keeps the partial reply as `error` when the upstream drops mid-stream', async () => {
    const sessionId = await titledSession(api, user.token);
    mock.enqueue({ tokens: ['Part', 'ial', ' never', ' finished'], dropAfter: 2 });
    const res = await stream({ model: 'gpt-4o', session_id: sessionId, messages: [{ role: 'user', content: 'Drop' }] });
    const events = await res.all();
    assert.deepEqual(
      events.map((e) => e.event),
      ['message', 'message', 'error', 'message'],
    );
    assert.deepEqual(tokensOf(events), ['Part', 'ial']);
    assert.ok(JSON.parse(events[2].data).detail.length > 0);
    assert.equal(events[3].data, '[DONE]');
    const stored = await storedMessages(api, user.token, sessionId);
    assert.deepEqual(
      stored.map((m) => [m.role, m.content, m.status]),
      [
        ['user', 'Drop', 'complete'],
        ['assistant', 'Partial', 'error'],
      ],
    );
    assert.equal(typeof stored[1].metadata.error, 'string');
  });

  it('answers 502 when the upstream drops mid-stream with stream: false, the partial reply stored', async () => {
    const sessionId = await titledSession(api, user.token);
    mock.enqueue({ tokens: ['Half', ' a', ' reply'], dropAfter: 1 });
    const res = await api.post(
      '/v1/chat/stream',
      { model: 'gpt-4o', session_id: sessionId, stream: false, messages: [{ role: 'user', content: 'Drop' }] },
      { token: user.token },
    );
    assert.equal(res.status, 502);
    assert.equal(typeof res.body.detail, 'string');
    const stored = await storedMessages(api, user.token, sessionId);
    assert.equal(stored[1].status, 'error');
    assert.equal(stored[1].content, 'Half');
  });
});
