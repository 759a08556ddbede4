import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConversation, registerUser } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';

// gpt-4o-mini: $0.15 / $0.60 per million tokens.
const costOf = (prompt: number, completion: number) => Math.round(((prompt * 0.15 + completion * 0.6) / 1_000_000) * 1e10) / 1e10;

describe('budgets read running totals that agree with the usage events', () => {
  const fx = useTestServer({ upstream: 'openai' });

  it('reports as used exactly what the usage events sum to after a mix of calls, with nothing left held', async () => {
    const admin = fx.user;
    const user = await registerUser(fx.api);
    const patched = await fx.api.patch(`/api/v1/admin/users/${user.id}`, { tier: 'pro', monthly_budget_usd: 100 }, { token: admin.token });
    assert.equal(patched.status, 200, patched.text);
    const token = (await fx.api.post('/api/v1/auth/login', { email: user.email, password: user.password })).body.access_token;
    const created = await fx.api.post('/api/v1/auth/api-keys', { name: 'metered', budget_usd: 10 }, { token });
    assert.equal(created.status, 201, created.text);
    const key = created.body.key;
    const complete = (credential: string, content: string, extra: object = {}) =>
      fx.api.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra }, { token: credential });

    // Calls that fail: one the provider refuses, one cut off half way (its usage estimated).
    fx.mock.enqueue({ status: 500 });
    assert.equal((await complete(token, 'fails')).status, 502);
    fx.mock.enqueue({ tokens: ['half', 'way', 'there'], dropAfter: 1, usage: null });
    await complete(token, 'cut off', { stream: true });

    // Calls side by side, with the key and with the login, streamed or not, and stored turns with their titles.
    fx.mock.setDefault({ tokens: ['a', 'b'], delayMs: 10, usage: { prompt_tokens: 10, completion_tokens: 20 } });
    const conversations = await Promise.all([1, 2, 3].map(() => createConversation(fx.api, token, { model: 'gpt-4o-mini' })));
    const results = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => complete(key, `with the key ${i}`, i % 2 ? { stream: true } : {})),
      ...Array.from({ length: 4 }, (_, i) => complete(token, `with the login ${i}`, i % 2 ? { stream: true } : {})),
      ...conversations.map((id) => fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'a stored turn' }, { token })),
    ]);
    for (const r of results) assert.equal(r.status, 200, r.text);

    // Titles are written after their turn's reply: wait until nothing of the user's is held.
    const standing = async (credential: string) =>
      Object.fromEntries(((await fx.api.get('/api/v1/tokens/usage', { token: credential })).body.budgets as any[]).map((b) => [b.budget, b]));
    let budgets = await standing(key);
    for (let i = 0; i < 100 && (budgets.daily_tokens.held > 0 || budgets.monthly_usd.held > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      budgets = await standing(key);
    }
    assert.deepEqual([budgets.daily_tokens.held, budgets.monthly_usd.held, budgets.api_key_usd.held], [0, 0, 0], 'every hold was released');

    const today = new Date().toISOString().slice(0, 10);
    const monthStart = `${today.slice(0, 8)}01`;
    const day = (await fx.api.get(`/api/v1/tokens/usage?start_date=${today}&end_date=${today}`, { token })).body;
    const month = (await fx.api.get(`/api/v1/tokens/usage?start_date=${monthStart}&end_date=${today}`, { token })).body;
    // 2 failed calls, 12 completions, 3 turns and at least the titles' requests.
    assert.ok(day.requests >= 17, `requests recorded: ${day.requests}`);
    assert.equal(budgets.daily_tokens.used, day.total_tokens);
    assert.ok(Math.abs(budgets.monthly_usd.used - month.cost_usd) < 1e-12, `${budgets.monthly_usd.used} against ${month.cost_usd}`);
    // The key's 8 calls, all of the default reply.
    assert.ok(Math.abs(budgets.api_key_usd.used - 8 * costOf(10, 20)) < 1e-12, String(budgets.api_key_usd.used));
    // The login reads the same totals, without the key's budget.
    const own = await standing(token);
    assert.deepEqual([own.daily_tokens.used, own.monthly_usd.used], [budgets.daily_tokens.used, budgets.monthly_usd.used]);
    assert.equal(own.api_key_usd, undefined);
  });
});
