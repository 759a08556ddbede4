import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startMockOpenAI } from '../../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

const SUMMARIZE_TEMPLATE = '00000000-0000-7000-8000-000000000001';
const EMAIL_TEMPLATE = '00000000-0000-7000-8000-000000000005';

describe('seed 002 prompt preview', () => {
  let server: TestServer;
  let api: Client;
  let mock: Awaited<ReturnType<typeof startMockOpenAI>>;

  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url, DEFAULT_MODEL: 'echo' } });
    api = client(server.url);
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  async function createPrompt(user: TestUser, content: string) {
    const res = await api.post('/api/chat/prompts', { title: 'Preview me', content }, { token: user.token });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  it('previews a stored prompt by id, filling its variables, and counts the use', async () => {
    const user = await registerUser(api);
    const prompt = await createPrompt(user, 'Summarize the following text: {text}');
    const res = await api.post(
      '/api/chat/prompts/preview',
      { prompt_id: prompt.id, variables: { text: 'Sample text to summarize' } },
      { token: user.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['model_used', 'preview', 'tokens_used']);
    // The echo model answers with the prompt it was given, so the filled-in text is visible.
    assert.equal(res.body.preview, 'Echo: Summarize the following text: Sample text to summarize');
    assert.equal(res.body.model_used, 'echo');
    assert.ok(Number.isInteger(res.body.tokens_used) && res.body.tokens_used > 0);

    await api.post('/api/chat/prompts/preview', { prompt_id: prompt.id, variables: { text: 'again' } }, { token: user.token });
    const stored = await api.get(`/api/chat/prompts/${prompt.id}`, { token: user.token });
    assert.equal(stored.body.usage_count, 2);
  });

  it('previews inline content, with {{ and }} as literal braces', async () => {
    const user = await registerUser(api);
    const res = await api.post(
      '/api/chat/prompts/preview',
      { content: 'Answer as JSON {{"answer": "{topic}"}} and keep {{literal}} and {"raw": 1}', variables: { topic: 'tea', unused: 'x' } },
      { token: user.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.preview, 'Echo: Answer as JSON {"answer": "tea"} and keep {literal} and {"raw": 1}');
  });

  it('names every missing variable in one 422', async () => {
    const user = await registerUser(api);
    const calls = mock.requests.length;
    const res = await api.post(
      '/api/chat/prompts/preview',
      { content: 'Write a {tone} email to {recipient} about {topic}; {tone} again', variables: { recipient: 'Ann' }, model: 'gpt-4o-mini' },
      { token: user.token },
    );
    assert.equal(res.status, 422);
    assert.equal(typeof res.body.detail, 'string');
    assert.match(res.body.detail, /tone/);
    assert.match(res.body.detail, /topic/);
    assert.doesNotMatch(res.body.detail, /recipient/);

    const template = await api.post('/api/chat/prompts/preview', { prompt_id: EMAIL_TEMPLATE, variables: {}, model: 'gpt-4o-mini' }, { token: user.token });
    assert.equal(template.status, 422);
    for (const name of ['tone', 'recipient', 'topic']) assert.match(template.body.detail, new RegExp(name));
    assert.equal(mock.requests.length, calls, 'no model was called');
  });

  it('requires exactly one of prompt_id and content', async () => {
    const user = await registerUser(api);
    const both = await api.post(
      '/api/chat/prompts/preview',
      { prompt_id: SUMMARIZE_TEMPLATE, content: 'x', variables: {} },
      { token: user.token },
    );
    const neither = await api.post('/api/chat/prompts/preview', { variables: {} }, { token: user.token });
    const badVariables = await api.post('/api/chat/prompts/preview', { content: 'x', variables: { a: { b: 1 } } }, { token: user.token });
    const badId = await api.post('/api/chat/prompts/preview', { prompt_id: 7, variables: {} }, { token: user.token });
    for (const res of [both, neither, badVariables, badId]) {
      assert.equal(res.status, 422, res.text);
      assert.ok(Array.isArray(res.body.detail));
      assert.equal(res.body.detail[0].loc[0], 'body');
    }
  });

  it('previews a system template and counts it', async () => {
    const user = await registerUser(api);
    const before = await api.get(`/api/chat/prompts/${SUMMARIZE_TEMPLATE}`, { token: user.token });
    const res = await api.post(
      '/api/chat/prompts/preview',
      { prompt_id: SUMMARIZE_TEMPLATE, variables: { text: 'The cat sat.' } },
      { token: user.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.preview, /The cat sat\.$/);
    const afterwards = await api.get(`/api/chat/prompts/${SUMMARIZE_TEMPLATE}`, { token: user.token });
    assert.equal(afterwards.body.usage_count, before.body.usage_count + 1);
  });

  it('refuses another user’s prompt (403) and a missing one (404)', async () => {
    const owner = await registerUser(api);
    const intruder = await registerUser(api);
    const prompt = await createPrompt(owner, 'Secret {x}');
    const foreign = await api.post('/api/chat/prompts/preview', { prompt_id: prompt.id, variables: { x: '1' } }, { token: intruder.token });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.detail, 'Access denied');
    const missing = await api.post('/api/chat/prompts/preview', { prompt_id: randomUUID(), variables: {} }, { token: owner.token });
    assert.equal(missing.status, 404);
    const stored = await api.get(`/api/chat/prompts/${prompt.id}`, { token: owner.token });
    assert.equal(stored.body.usage_count, 0);
  });

  it('answers 400 naming an unknown model', async () => {
    const user = await registerUser(api);
    const res = await api.post('/api/chat/prompts/preview', { content: 'Hi {x}', variables: { x: 1 }, model: 'no-such-model' }, { token: user.token });
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /no-such-model/);
  });

  it('runs the chosen model once and records the provider’s usage as a preview', async () => {
    const user = await registerUser(api);
    const before = mock.chatRequests().length;
    mock.enqueue({ tokens: ['A', ' short', ' summary'], usage: { prompt_tokens: 11, completion_tokens: 3 } });
    const res = await api.post(
      '/api/chat/prompts/preview',
      { content: 'Summarize: {text}', variables: { text: 'Long text' }, model: 'gpt-4o-mini' },
      { token: user.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { preview: 'A short summary', tokens_used: 14, model_used: 'gpt-4o-mini' });
    const calls = mock.chatRequests().slice(before);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].body.model, 'gpt-4o-mini');
    assert.deepEqual(
      calls[0].body.messages.map((m: any) => m.content),
      ['Summarize: Long text'],
    );

    const usage = await api.get('/api/v1/tokens/usage', { token: user.token });
    assert.equal(usage.status, 200);
    const entry = usage.body.by_model.find((m: any) => m.model === 'gpt-4o-mini');
    assert.ok(entry, JSON.stringify(usage.body.by_model));
    assert.equal(entry.prompt_tokens, 11);
    assert.equal(entry.completion_tokens, 3);
    assert.equal(entry.requests, 1);
    assert.ok(Math.abs(entry.cost_usd - (11 * 0.15 + 3 * 0.6) / 1_000_000) < 1e-12);
  });

  it('answers 502 when the provider fails, without counting a use', async () => {
    const user = await registerUser(api);
    const prompt = await createPrompt(user, 'Hello {name}');
    mock.enqueue({ status: 500 });
    const res = await api.post(
      '/api/chat/prompts/preview',
      { prompt_id: prompt.id, variables: { name: 'Bo' }, model: 'gpt-4o-mini' },
      { token: user.token },
    );
    assert.equal(res.status, 502);
    assert.equal(typeof res.body.detail, 'string');
    const stored = await api.get(`/api/chat/prompts/${prompt.id}`, { token: user.token });
    assert.equal(stored.body.usage_count, 0);
  });
});
