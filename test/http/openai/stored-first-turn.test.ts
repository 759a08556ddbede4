import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registerUser } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';

const DAILY = 5_000;

/**
 * `store: true` without a session: the conversation, the chat the client brought, the user
 * message and the `streaming` reply are stored together once the call is admitted, the reply
 * ends with its usage and the release of its budget hold, and the conversation gets its title.
 */
describe('a new stored conversation and its first turn', () => {
  const fx = useTestServer({ upstream: 'openai', env: { TOKEN_BUDGET_FREE_DAILY: String(DAILY) } });

  const usageOf = async (token: string) => (await fx.api.get('/api/v1/tokens/usage', { token })).body;
  const titled = async (id: string, token: string) => {
    for (let i = 0; i < 100; i++) {
      const res = await fx.api.get(`/api/v1/conversations/${id}`, { token });
      if (res.body.title) return res.body;
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.fail('the conversation got no title');
  };

  it('stores the chat it was given with the turn, in order, sends it all to the model, and holds nothing afterwards', async () => {
    const user = await registerUser(fx.api);
    fx.mock.enqueue({ tokens: ['Four', '.'], usage: { prompt_tokens: 30, completion_tokens: 2 } }, { tokens: ['Counting', ' up'], usage: { prompt_tokens: 40, completion_tokens: 2 } });
    const res = await fx.api.post(
      '/v1/chat/completions',
      {
        model: 'gpt-4o-mini',
        store: true,
        messages: [
          { role: 'system', content: 'Answer with one word.' },
          { role: 'user', content: 'one' },
          { role: 'assistant', content: 'two' },
          { role: 'user', content: 'three?' },
        ],
      },
      { token: user.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.choices[0].message.content, 'Four.');
    const id = res.headers.get('x-session-id');
    assert.ok(id);

    const turnRequest = fx.mock.chatRequests().at(-1)!;
    assert.deepEqual(
      turnRequest.body.messages.map((m: any) => [m.role, m.content]),
      [
        ['system', 'Answer with one word.'],
        ['user', 'one'],
        ['assistant', 'two'],
        ['user', 'three?'],
      ],
      'the model read the whole chat',
    );

    const conversation = await titled(id, user.token);
    assert.equal(conversation.title, 'Counting up');
    assert.equal(conversation.system_prompt, 'Answer with one word.', 'a leading system message is the system prompt');
    assert.equal(conversation.message_count, 4);
    const messages = (await fx.api.get(`/api/v1/conversations/${id}/messages`, { token: user.token })).body;
    assert.deepEqual(
      messages.map((m: any) => [m.role, m.content, m.status]),
      [
        ['user', 'one', 'complete'],
        ['assistant', 'two', 'complete'],
        ['user', 'three?', 'complete'],
        ['assistant', 'Four.', 'complete'],
      ],
    );
    const times = messages.map((m: any) => Date.parse(m.created_at));
    assert.deepEqual([...times].sort((a, b) => a - b), times, 'each message is created after the one it follows');
    assert.deepEqual([messages[3].prompt_tokens, messages[3].completion_tokens], [30, 2]);

    const usage = await usageOf(user.token);
    assert.equal(usage.requests, 2, 'the turn and its title');
    assert.equal(usage.total_tokens, 30 + 2 + 40 + 2);
    const daily = usage.budgets.find((b: any) => b.budget === 'daily_tokens');
    assert.deepEqual([daily.used, daily.held], [74, 0], 'no hold is left once the usage is recorded');

    // The stored history is the next turn's, through the session.
    fx.mock.enqueue({ tokens: ['Five'], usage: { prompt_tokens: 40, completion_tokens: 1 } });
    const next = await fx.api.post(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'and then?' }] },
      { token: user.token, headers: { 'x-session-id': id } },
    );
    assert.equal(next.status, 200, next.text);
    assert.deepEqual(
      fx.mock
        .chatRequests()
        .at(-1)!
        .body.messages.map((m: any) => m.content),
      ['Answer with one word.', 'one', 'two', 'three?', 'Four.', 'and then?'],
    );
  });

  it('stores nothing for a first turn the budgets refuse, and calls no model', async () => {
    const user = await registerUser(fx.api);
    // A first turn spends the day (and leaves no room for its title).
    fx.mock.enqueue({ tokens: ['big'], usage: { prompt_tokens: 100, completion_tokens: DAILY } });
    const spent = await fx.api.post(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', store: true, messages: [{ role: 'user', content: 'spend' }] },
      { token: user.token },
    );
    assert.equal(spent.status, 200, spent.text);
    const calls = fx.mock.requests.length;
    const refused = await fx.api.post(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', store: true, messages: [{ role: 'user', content: 'one more' }] },
      { token: user.token },
    );
    assert.equal(refused.status, 429, refused.text);
    assert.match(refused.body.error.message, /Daily token limit reached/);
    assert.equal(refused.headers.get('x-session-id'), null);
    assert.equal(fx.mock.requests.length, calls, 'the provider was not called');
    const list = await fx.api.get('/api/v1/conversations', { token: user.token });
    assert.equal(list.body.total, 1, 'no conversation was stored for the refused turn');
  });

  it('gives concurrent first turns a conversation each', async () => {
    const user = await registerUser(fx.api);
    fx.mock.setDefault({ tokens: ['ok'], delayMs: 20, usage: { prompt_tokens: 5, completion_tokens: 1 } });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        fx.api.post('/v1/chat/completions', { model: 'gpt-4o-mini', store: true, max_tokens: 10, messages: [{ role: 'user', content: `q${i}` }] }, { token: user.token }),
      ),
    );
    for (const r of results) assert.equal(r.status, 200, r.text);
    const ids = new Set(results.map((r) => r.headers.get('x-session-id')));
    assert.equal(ids.size, 6);
    for (const id of ids) {
      const messages = (await fx.api.get(`/api/v1/conversations/${id}/messages`, { token: user.token })).body;
      assert.deepEqual(
        messages.map((m: any) => [m.role, m.status]),
        [
          ['user', 'complete'],
          ['assistant', 'complete'],
        ],
      );
    }
    // Every hold is released with its call's usage (titles included, once they are done).
    for (let i = 0; i < 100; i++) {
      const usage = await usageOf(user.token);
      if (usage.requests === 12) break;
      await new Promise((r) => setTimeout(r, 30));
    }
    const usage = await usageOf(user.token);
    assert.equal(usage.requests, 12, 'six turns and six titles');
    assert.equal(usage.budgets.find((b: any) => b.budget === 'daily_tokens').held, 0);
  });
});
