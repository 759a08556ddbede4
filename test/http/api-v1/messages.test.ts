import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

// SPEC §7: a seed 000 message, exactly.
const MESSAGE_KEYS = [
  'id',
  'conversation_id',
  'role',
  'content',
  'model',
  'status',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cost_usd',
  'metadata',
  'created_at',
  'updated_at',
].sort();
const keysOf = (o: object) => Object.keys(o).sort();

describe('seed 000 messages with the echo model', () => {
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    user = await registerUser(api);
  });
  after(() => server.close());

  it('sends a message and answers the stored pair with usage', async () => {
    const id = await createConversation(api, user.token);
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Tell me about tides' }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(keysOf(res.body), ['assistant_message', 'cost_usd', 'usage', 'user_message']);
    const { user_message, assistant_message, usage, cost_usd } = res.body;
    assert.deepEqual(keysOf(user_message), MESSAGE_KEYS);
    assert.deepEqual(keysOf(assistant_message), MESSAGE_KEYS);
    assert.deepEqual(keysOf(usage), ['completion_tokens', 'prompt_tokens', 'total_tokens']);
    assert.equal(user_message.role, 'user');
    assert.equal(user_message.content, 'Tell me about tides');
    assert.equal(assistant_message.role, 'assistant');
    assert.equal(assistant_message.content, 'Echo: Tell me about tides');
    assert.equal(assistant_message.status, 'complete');
    assert.equal(assistant_message.model, 'echo');
    assert.equal(assistant_message.metadata.usage_estimated, true);
    assert.ok(usage.prompt_tokens > 0);
    assert.equal(usage.completion_tokens, assistant_message.completion_tokens);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.equal(cost_usd, 0);

    const list = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(list.status, 200);
    assert.ok(list.body.every((m: any) => keysOf(m).join() === MESSAGE_KEYS.join()));
    assert.deepEqual(list.body[1], assistant_message, 'the list shows the reply as the send answered it');
    assert.deepEqual(
      list.body.map((m: any) => [m.role, m.content, m.status]),
      [
        ['user', 'Tell me about tides', 'complete'],
        ['assistant', 'Echo: Tell me about tides', 'complete'],
      ],
    );
    const conversation = await api.get(`/api/v1/conversations/${id}`, { token: user.token });
    assert.equal(conversation.body.message_count, 2);
    assert.equal(conversation.body.title, 'Tell me about tides', 'the first turn titles the conversation');
  });

  it('keeps a title the user set', async () => {
    const id = await createConversation(api, user.token, { title: 'Mine' });
    await api.post(`/api/v1/conversations/${id}/messages`, { content: 'something else entirely' }, { token: user.token });
    const conversation = await api.get(`/api/v1/conversations/${id}`, { token: user.token });
    assert.equal(conversation.body.title, 'Mine');
  });

  it('pages messages oldest first with skip and limit', async () => {
    const id = await createConversation(api, user.token);
    for (const word of ['one', 'two', 'three']) {
      const r = await api.post(`/api/v1/conversations/${id}/messages`, { content: word }, { token: user.token });
      assert.equal(r.status, 200);
    }
    const page = await api.get(`/api/v1/conversations/${id}/messages?skip=2&limit=3`, { token: user.token });
    assert.deepEqual(
      page.body.map((m: any) => m.content),
      ['two', 'Echo: two', 'three'],
    );
  });

  it('answers 422 for bad message input and bad paging', async () => {
    const id = await createConversation(api, user.token);
    const cases: Array<[string, string, unknown]> = [
      ['POST', `/api/v1/conversations/${id}/messages`, { content: '' }],
      ['POST', `/api/v1/conversations/${id}/messages`, { content: '   ' }],
      ['POST', `/api/v1/conversations/${id}/messages`, {}],
      ['POST', `/api/v1/conversations/${id}/messages`, { content: 12 }],
      ['POST', `/api/v1/conversations/${id}/messages`, { content: 'ok', model: 7 }],
      ['GET', `/api/v1/conversations/${id}/messages?limit=0`, undefined],
      ['GET', `/api/v1/conversations/${id}/messages?limit=201`, undefined],
      ['GET', `/api/v1/conversations/${id}/messages?skip=x`, undefined],
      ['GET', '/api/v1/conversations/123/messages', undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await api.request(method, path, { token: user.token, body });
      assert.equal(res.status, 422, `${method} ${path} ${JSON.stringify(body)}`);
    }
    const list = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(list.body.length, 0, 'nothing was stored by refused requests');
  });

  it('refuses an unknown model for a turn with a 400 naming it, storing nothing', async () => {
    const id = await createConversation(api, user.token);
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'hi', model: 'nope-9' }, { token: user.token });
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /nope-9/);
    const list = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(list.body.length, 0);
  });

  it('sends the system prompt first and the history as context', async () => {
    // The echo model repeats only the last user message, so the context is checked
    // through the prompt-token estimate growing with the history.
    const id = await createConversation(api, user.token, { system_prompt: 'You are terse.' });
    const first = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'alpha' }, { token: user.token });
    const second = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'alpha' }, { token: user.token });
    assert.ok(second.body.usage.prompt_tokens > first.body.usage.prompt_tokens);
  });

  it('lists the echo model and the catalog prices', async () => {
    const res = await api.get('/api/v1/models', { token: user.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.default_model, 'echo');
    assert.deepEqual(
      res.body.models.map((m: any) => m.id),
      ['echo'],
      'only models of configured providers are offered',
    );
  });
});
