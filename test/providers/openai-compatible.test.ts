import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('OpenAI-compatible provider against a mock upstream', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({
      env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: mock.url, PROVIDER_TIMEOUT_MS: '500', DEFAULT_MODEL: 'gpt-4o-mini' },
    });
    api = client(server.url);
    user = await registerUser(api);
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  it('offers the provider’s models and uses the configured default', async () => {
    const res = await api.get('/api/v1/models', { token: user.token });
    const ids = res.body.models.map((m: any) => m.id);
    assert.ok(ids.includes('gpt-4o') && ids.includes('gpt-3.5-turbo') && ids.includes('echo'));
    assert.ok(!ids.some((id: string) => id.startsWith('claude')), 'anthropic is not configured');
    assert.equal(res.body.default_model, 'gpt-4o-mini');
  });

  it('stores the reply with the provider’s usage and the catalog cost', async () => {
    mock.enqueue({ tokens: ['Tides', ' follow', ' the', ' moon.'], usage: { prompt_tokens: 1000, completion_tokens: 2000 } });
    const fresh = await registerUser(api);
    const id = await createConversation(api, fresh.token, { system_prompt: 'Answer briefly.', title: 'Tides' });
    const before = mock.chatRequests().length;
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Why tides?' }, { token: fresh.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.assistant_message.content, 'Tides follow the moon.');
    assert.equal(res.body.assistant_message.model, 'gpt-4o-mini');
    assert.deepEqual(res.body.usage, { prompt_tokens: 1000, completion_tokens: 2000, total_tokens: 3000 });
    // gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
    assert.equal(res.body.cost_usd, (1000 * 0.15 + 2000 * 0.6) / 1_000_000);
    assert.equal(res.body.assistant_message.metadata.usage_estimated, undefined);

    const sent = mock.chatRequests()[before].body;
    assert.equal(sent.model, 'gpt-4o-mini');
    assert.equal(sent.stream, true);
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Why tides?' },
    ]);
    assert.equal(mock.requests.at(-1)?.headers.authorization, 'Bearer test-key');

    const usage = await api.get('/api/v1/tokens/usage', { token: fresh.token });
    assert.equal(usage.status, 200);
    assert.deepEqual(usage.body.by_model, [
      { model: 'gpt-4o-mini', prompt_tokens: 1000, completion_tokens: 2000, total_tokens: 3000, cost_usd: res.body.cost_usd, requests: 1 },
    ]);
    assert.equal(usage.body.daily.length, 1);
    assert.equal(usage.body.daily[0].total_tokens, 3000);
  });

  it('sends the stored history as context on the next turn', async () => {
    mock.enqueue({ tokens: ['First answer'] }, { tokens: ['Second answer'] });
    const id = await createConversation(api, user.token, { title: 'no title call' });
    await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Q1' }, { token: user.token });
    await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Q2' }, { token: user.token });
    assert.deepEqual(mock.chatRequests().at(-1)?.body.messages, [
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'First answer' },
      { role: 'user', content: 'Q2' },
    ]);
  });

  it('answers 502 when the upstream fails, keeping the user message', async () => {
    mock.enqueue({ status: 500 });
    const id = await createConversation(api, user.token, { title: 'x' });
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Will this work?' }, { token: user.token });
    assert.equal(res.status, 502);
    assert.match(res.body.detail, /500/);
    const messages = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.deepEqual(
      messages.body.map((m: any) => [m.role, m.content, m.status]),
      [
        ['user', 'Will this work?', 'complete'],
        ['assistant', '', 'error'],
      ],
    );
    assert.match(messages.body[1].metadata.error, /500/);
  });

  it('answers 502 when the upstream does not answer in time, keeping the user message', async () => {
    mock.enqueue({ hang: true });
    const id = await createConversation(api, user.token, { title: 'x' });
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Anyone there?' }, { token: user.token });
    assert.equal(res.status, 502);
    assert.match(res.body.detail, /did not respond within 500 ms/);
    const messages = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(messages.body[0].content, 'Anyone there?');
    assert.equal(messages.body[1].status, 'error');
  });

  it('keeps the partial reply when the upstream drops mid-stream', async () => {
    mock.enqueue({ tokens: ['Part', 'ial', ' never', ' finished'], dropAfter: 2 });
    const id = await createConversation(api, user.token, { title: 'x' });
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Go' }, { token: user.token });
    assert.equal(res.status, 502, 'a failure is a 502 even after some tokens');
    const messages = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    const reply = messages.body[1];
    assert.equal(reply.status, 'error');
    assert.equal(reply.content, 'Partial');
    assert.equal(reply.metadata.usage_estimated, true);
  });

  it('titles an untitled conversation with the model after its first turn', async () => {
    mock.enqueue({ tokens: ['Sure.'] }, { tokens: ['"Moon', ' and tides"'], usage: { prompt_tokens: 30, completion_tokens: 4 } });
    const id = await createConversation(api, user.token);
    await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Explain tides please' }, { token: user.token });
    const conversation = await api.get(`/api/v1/conversations/${id}`, { token: user.token });
    assert.equal(conversation.body.title, 'Moon and tides');
  });
});

describe('OpenAI-compatible provider that stalls mid-stream', () => {
  it('cuts the stalled reply off and keeps it as an error, not complete', async () => {
    const mock = await startMockOpenAI();
    const server = await startTestServer({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: mock.url, PROVIDER_TIMEOUT_MS: '300' } });
    try {
      const api = client(server.url);
      const user = await registerUser(api);
      // The second token comes after the idle limit.
      mock.enqueue({ tokens: ['Half', ' and the rest'], delayMs: 1000, firstDelayMs: 10 });
      const id = await createConversation(api, user.token, { model: 'gpt-4o', title: 't' });
      const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'go' }, { token: user.token });
      assert.equal(res.status, 502, res.text);
      assert.match(res.body.detail, /stopped responding/);
      const reply = (await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token })).body[1];
      assert.equal(reply.content, 'Half');
      assert.equal(reply.status, 'error');
      assert.match(reply.metadata.error, /stopped responding/);
    } finally {
      await server.close();
      await mock.close();
    }
  });
});
