import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registerUser } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';

/** Reads an SSE body into its `data:` payloads. */
function dataLines(text: string): string[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((event) => event.replace(/^data: /, ''));
}

describe('OpenAI-compatible API', () => {
  const fx = useTestServer({ upstream: 'openai' });

  it('answers a stateless completion in OpenAI’s format and stores no conversation', async () => {
    const fresh = await registerUser(fx.api);
    const res = await fx.api.post(
      '/v1/chat/completions',
      { model: 'echo', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'hello there' }] },
      { token: fresh.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.object, 'chat.completion');
    assert.match(res.body.id, /^chatcmpl-/);
    assert.deepEqual(res.body.choices, [
      { index: 0, message: { role: 'assistant', content: 'Echo: hello there', refusal: null }, logprobs: null, finish_reason: 'stop' },
    ]);
    assert.equal(res.body.usage.total_tokens, res.body.usage.prompt_tokens + res.body.usage.completion_tokens);
    assert.equal(res.headers.get('x-session-id'), null);
    const conversations = await fx.api.get('/api/v1/conversations', { token: fresh.token });
    assert.equal(conversations.body.total, 0);
    const usage = await fx.api.get('/api/v1/tokens/usage', { token: fresh.token });
    assert.equal(usage.body.total_tokens, res.body.usage.total_tokens, 'usage is recorded without a conversation');
  });

  it('streams chunks, the usage chunk when asked, and [DONE]', async () => {
    fx.mock.enqueue({ tokens: ['Hi', ' there', '\nfriend'], usage: { prompt_tokens: 9, completion_tokens: 3 } });
    const res = await fx.api.post(
      '/v1/chat/completions',
      { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: [{ type: 'text', text: 'hey' }] }] },
      { token: fx.user.token },
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const lines = dataLines(res.text);
    assert.equal(lines.at(-1), '[DONE]');
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l));
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, 'Hi there\nfriend');
    assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1).usage, { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    assert.deepEqual(fx.mock.requests.at(-1)?.body.messages, [{ role: 'user', content: 'hey' }]);
  });

  it('aborts the provider request when a stateless client goes away', async () => {
    fx.mock.enqueue({ tokens: Array.from({ length: 40 }, (_, i) => `t${i} `), delayMs: 50 });
    const controller = new AbortController();
    const res = await fetch(`${fx.server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fx.user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'long' }] }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const upstream = fx.mock.requests.at(-1)!;
    controller.abort();
    for (let i = 0; i < 100 && !upstream.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(upstream.aborted, true);
  });

  it('stores the conversation with store: true and continues it with X-Session-Id', async () => {
    const fresh = await registerUser(fx.api);
    const first = await fx.api.post(
      '/v1/chat/completions',
      { model: 'echo', store: true, messages: [{ role: 'user', content: 'first' }] },
      { token: fresh.token },
    );
    assert.equal(first.status, 200, first.text);
    const sessionId = first.headers.get('x-session-id');
    assert.ok(sessionId);
    const second = await fx.api.post(
      '/v1/chat/completions',
      {
        model: 'echo',
        messages: [
          { role: 'user', content: 'first' },
          { role: 'assistant', content: 'Echo: first' },
          { role: 'user', content: 'second' },
        ],
      },
      { token: fresh.token, headers: { 'x-session-id': sessionId } },
    );
    assert.equal(second.status, 200, second.text);
    assert.equal(second.headers.get('x-session-id'), sessionId);
    const messages = await fx.api.get(`/api/v1/conversations/${sessionId}/messages`, { token: fresh.token });
    assert.deepEqual(
      messages.body.map((m: any) => m.content),
      ['first', 'Echo: first', 'second', 'Echo: second'],
      'the resent history is not stored twice',
    );
    const stranger = await registerUser(fx.api);
    const foreign = await fx.api.post(
      '/v1/chat/completions',
      { model: 'echo', messages: [{ role: 'user', content: 'x' }] },
      { token: stranger.token, headers: { 'x-session-id': sessionId } },
    );
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.message, 'Access denied');
  });

  it('answers errors in OpenAI’s format', async () => {
    const none = await fx.api.post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'invalid_api_key');
    const bad = await fx.api.post('/v1/chat/completions', { model: 'echo', messages: [] }, { token: fx.user.token });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.type, 'invalid_request_error');
    assert.equal(bad.body.error.param, 'messages');
    const hot = await fx.api.post(
      '/v1/chat/completions',
      { model: 'echo', temperature: 3, messages: [{ role: 'user', content: 'x' }] },
      { token: fx.user.token },
    );
    assert.equal(hot.status, 400);
    assert.equal(hot.body.error.param, 'temperature');
    const unknown = await fx.api.post('/v1/chat/completions', { model: 'gpt-99', messages: [{ role: 'user', content: 'x' }] }, { token: fx.user.token });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /gpt-99/);
    const missingSession = await fx.api.post(
      '/v1/chat/completions',
      { model: 'echo', messages: [{ role: 'user', content: 'x' }] },
      { token: fx.user.token, headers: { 'x-session-id': '00000000-0000-7000-8000-000000000000' } },
    );
    assert.equal(missingSession.status, 404);
  });

  it('answers 502 when the upstream fails before any token, and an error event when streaming', async () => {
    fx.mock.enqueue({ status: 500 });
    const plain = await fx.api.post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { token: fx.user.token });
    assert.equal(plain.status, 502);
    assert.equal(plain.body.error.type, 'api_error');
    fx.mock.enqueue({ tokens: ['a', 'b', 'c'], dropAfter: 1 });
    const streamed = await fx.api.post(
      '/v1/chat/completions',
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { token: fx.user.token },
    );
    assert.equal(streamed.status, 200);
    const lines = dataLines(streamed.text);
    assert.equal(lines.at(-1), '[DONE]');
    assert.ok(JSON.parse(lines.at(-2)!).error, 'the stream ends with an error object');
  });

  it('lists models in OpenAI’s format', async () => {
    const res = await fx.api.get('/v1/models', { token: fx.user.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.object, 'list');
    assert.ok(res.body.data.some((m: any) => m.id === 'gpt-4o' && m.object === 'model' && m.owned_by === 'openai'));
    const one = await fx.api.get('/v1/models/echo', { token: fx.user.token });
    assert.equal(one.body.id, 'echo');
    assert.equal((await fx.api.get('/v1/models')).status, 401);
  });
});
