import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { splitSystem } from '../../src/providers/anthropic.ts';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { type MockAnthropic, startMockAnthropic } from '../support/mock-anthropic.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const HAIKU = { input: 1, output: 5 };
const cost = (input: number, output: number) => (input * HAIKU.input + output * HAIKU.output) / 1_000_000;

describe('Anthropic provider', () => {
  let mock: MockAnthropic;
  let server: TestServer;
  let api: Client;
  let user: TestUser;

  before(async () => {
    mock = await startMockAnthropic();
    server = await startTestServer({
      env: { ANTHROPIC_API_KEY: 'test-anthropic-key', ANTHROPIC_BASE_URL: mock.url, PROVIDER_TIMEOUT_MS: '1500', RATE_LIMIT_FREE_RPM: '100000' },
    });
    api = client(server.url);
    user = await registerUser(api);
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  const newConversation = (body: Record<string, unknown> = {}) =>
    createConversation(api, user.token, { title: 'fixed', model: 'claude-haiku-4-5', ...body });
  const lastReply = async (id: string) => (await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token })).body.at(-1);

  it('offers the Anthropic models once a key is configured', async () => {
    const res = await api.get('/api/v1/models', { token: user.token });
    assert.equal(res.status, 200);
    const ids = res.body.models.map((m: { id: string }) => m.id);
    assert.ok(ids.includes('claude-haiku-4-5'));
    assert.ok(ids.includes('claude-sonnet-4-5'));
    assert.ok(!ids.includes('gpt-4o'), 'OpenAI models are not offered without an OpenAI key');
  });

  it('streams the reply, stores it with the upstream usage and its cost', async () => {
    const id = await newConversation({ system_prompt: 'You are terse.' });
    mock.enqueue({ tokens: ['Bonjour', ',', ' monde', '!'], inputTokens: 120, outputTokens: 17 });
    const before = mock.requests.length;

    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Say hello' }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    const reply = res.body.assistant_message;
    assert.equal(reply.content, 'Bonjour, monde!');
    assert.equal(reply.status, 'complete');
    assert.equal(reply.model, 'claude-haiku-4-5');
    assert.equal(reply.prompt_tokens, 120);
    assert.equal(reply.completion_tokens, 17);
    assert.equal(reply.metadata.usage_estimated, undefined);
    assert.deepEqual(res.body.usage, { prompt_tokens: 120, completion_tokens: 17, total_tokens: 137 });
    assert.equal(res.body.cost_usd, cost(120, 17));

    assert.equal(mock.requests.length, before + 1);
    const sent = mock.requests[before];
    assert.equal(sent.path, '/v1/messages');
    // The SDK sends the key as x-api-key or, in its newer versions, as a bearer token.
    const key = sent.headers['x-api-key'] ?? String(sent.headers.authorization).replace(/^Bearer /, '');
    assert.equal(key, 'test-anthropic-key');
    assert.ok(sent.headers['anthropic-version'], 'the API version header is sent');
    assert.equal(sent.body.model, 'claude-haiku-4-5');
    assert.equal(sent.body.stream, true);
    assert.equal(sent.body.system, 'You are terse.');
    assert.equal(sent.body.max_tokens, 4096);
    assert.deepEqual(sent.body.messages, [{ role: 'user', content: 'Say hello' }]);

    const messages = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(messages.body[1].content, 'Bonjour, monde!');
    assert.equal(messages.body[1].cost_usd, cost(120, 17));
  });

  it('sends the stored history on the next turn', async () => {
    const id = await newConversation();
    mock.enqueue({ tokens: ['First'] }, { tokens: ['Second'] });
    await api.post(`/api/v1/conversations/${id}/messages`, { content: 'one' }, { token: user.token });
    const before = mock.requests.length;
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'two' }, { token: user.token });
    assert.equal(res.status, 200);
    const sent = mock.requests[before].body;
    assert.equal(sent.system, undefined, 'no system prompt, no system field');
    assert.deepEqual(sent.messages, [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'First' },
      { role: 'user', content: 'two' },
    ]);
  });

  it('passes an assistant’s system prompt and max_tokens through seed 001', async () => {
    const created = await api.post(
      '/api/v1/assistants',
      { name: 'Claude bot', model: 'claude-sonnet-4-5', system_prompt: 'Answer in haiku.', max_tokens: 321, temperature: 0.5 },
      { token: user.token },
    );
    assert.equal(created.status, 201, created.text);
    mock.enqueue({ tokens: ['Autumn', ' moon'], inputTokens: 50, outputTokens: 6 });
    const before = mock.requests.length;
    const res = await fetch(`${server.url}/api/v1/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ assistant_id: created.body.id, message: 'Write about the moon' }),
    });
    const events = (await res.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      events.filter((e) => e.type === 'token').map((e) => e.content),
      ['Autumn', ' moon'],
    );
    const end = events.at(-1);
    assert.equal(end.type, 'end');
    assert.deepEqual(end.usage, { prompt_tokens: 50, completion_tokens: 6, total_tokens: 56 });
    assert.equal(end.cost_usd, (50 * 3 + 6 * 15) / 1_000_000);
    const sent = mock.requests[before].body;
    assert.equal(sent.model, 'claude-sonnet-4-5');
    assert.equal(sent.system, 'Answer in haiku.');
    assert.equal(sent.max_tokens, 321);
    assert.equal(sent.temperature, undefined, 'the Messages API version in use takes no temperature');
    await waitFor(() => mock.requests.length > before + 1); // the new session's title request
  });

  it('records the usage event with the provider and cost', async () => {
    const other = await registerUser(api);
    const id = await createConversation(api, other.token, { title: 'x', model: 'claude-haiku-4-5' });
    mock.enqueue({ tokens: ['ok'], inputTokens: 1000, outputTokens: 200 });
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'count me' }, { token: other.token });
    assert.equal(res.status, 200);
    const usage = await api.get('/api/v1/tokens/usage', { token: other.token });
    assert.equal(usage.status, 200);
    assert.equal(usage.body.prompt_tokens, 1000);
    assert.equal(usage.body.completion_tokens, 200);
    assert.equal(usage.body.requests, 1);
    assert.equal(usage.body.cost_usd, cost(1000, 200));
    assert.equal(usage.body.by_model[0].model, 'claude-haiku-4-5');
  });

  it('answers 502 when the upstream fails before any token, keeping the user message', async () => {
    const id = await newConversation();
    mock.enqueue({ status: 500 });
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'fail please' }, { token: user.token });
    assert.equal(res.status, 502, res.text);
    assert.match(res.body.detail, /500/);
    const messages = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(messages.body.length, 2);
    assert.equal(messages.body[0].content, 'fail please');
    assert.equal(messages.body[1].status, 'error');
  });

  it('keeps the partial reply with status error when the upstream sends an error event mid-stream', async () => {
    const id = await newConversation();
    mock.enqueue({ tokens: ['Part', 'ial', ' never'], errorAfter: 2 });
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'go' }, { token: user.token });
    assert.equal(res.status, 502, res.text);
    const reply = await lastReply(id);
    assert.equal(reply.status, 'error');
    assert.equal(reply.content, 'Partial');
    assert.match(reply.metadata.error, /Overloaded|failed/);
    assert.equal(reply.metadata.usage_estimated, true);
  });

  it('treats a connection closed before message_stop as a failure', async () => {
    const id = await newConversation();
    // The delay lets the first token reach the server before the connection is cut.
    mock.enqueue({ tokens: ['Cut', ' off', ' here'], dropAfter: 1, delayMs: 50 });
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'go' }, { token: user.token });
    assert.equal(res.status, 502, res.text);
    const reply = await lastReply(id);
    assert.equal(reply.status, 'error');
    assert.equal(reply.content, 'Cut');
  });

  it('gives up on an upstream that never answers after the provider timeout', async () => {
    const id = await newConversation();
    mock.enqueue({ hang: true });
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'hello?' }, { token: user.token });
    assert.equal(res.status, 502, res.text);
    assert.match(res.body.detail, /did not respond within 1500 ms/);
  });

  it('cuts off an upstream that stalls mid-stream and keeps what came', async () => {
    const id = await newConversation();
    mock.enqueue({ tokens: ['Early', ' late'], delayMs: 2500, firstDelayMs: 0 });
    const before = mock.requests.length;
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'stall' }, { token: user.token });
    assert.equal(res.status, 502, res.text);
    const reply = await lastReply(id);
    assert.equal(reply.status, 'error');
    assert.equal(reply.content, 'Early');
    assert.match(reply.metadata.error, /stopped responding mid-reply \(nothing for 1500 ms\)/);
    await waitFor(() => mock.requests[before].aborted);
  });

  it('aborts the upstream request on stop and saves the partial reply as incomplete', async () => {
    const id = await newConversation();
    mock.enqueue({ tokens: ['a', 'b', 'c', 'd', 'e', 'f'], delayMs: 200, firstDelayMs: 0 });
    const before = mock.requests.length;
    const pending = api.post(`/api/v1/conversations/${id}/messages`, { content: 'long one' }, { token: user.token });
    await waitFor(() => mock.requests.length > before);
    const stop = await api.post(`/api/v1/conversations/${id}/stop`, undefined, { token: user.token });
    assert.equal(stop.status, 200, stop.text);
    assert.equal(stop.body.stopped, true);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.body.assistant_message.status, 'incomplete');
    await waitFor(() => mock.requests[before].aborted);
  });
});

describe('Anthropic prompt shape', () => {
  it('moves every system message into the system field, in order', () => {
    const out = splitSystem([
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'system', content: 'Now be brief.' },
      { role: 'user', content: 'bye' },
    ]);
    assert.equal(out.system, 'Be kind.\n\nNow be brief.');
    assert.deepEqual(out.messages, [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'bye' },
    ]);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
