import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConversation, registerUser } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';

const DAILY = 1_000;

describe('budgets hold every model call before the provider is called', () => {
  const fx = useTestServer({
    upstream: 'openai',
    env: {
      TOKEN_BUDGET_FREE_DAILY: String(DAILY),
      // gpt-4o-mini: $0.15 / $0.60 per million tokens.
      SPEND_LIMIT_PRO_MONTHLY_USD: '0.001',
      TOKEN_BUDGET_PRO_DAILY: '100000000',
    },
  });

  const usageOf = async (token: string) => (await fx.api.get('/api/v1/tokens/usage', { token })).body;

  it('admits concurrent completions only while their worst cases fit: the day ends within one call of the budget', async () => {
    const user = await registerUser(fx.api);
    // Each call may use its prompt (about 10 tokens) plus max_tokens 80; the mock reports 90.
    fx.mock.setDefault({ tokens: ['a', 'b', 'c'], delayMs: 30, firstDelayMs: 20, usage: { prompt_tokens: 10, completion_tokens: 80 } });
    const calls = Array.from({ length: 20 }, (_, i) =>
      fx.api.post('/v1/chat/completions', { model: 'gpt-4o-mini', max_tokens: 80, messages: [{ role: 'user', content: `question ${i}` }] }, { token: user.token }),
    );
    const results = await Promise.all(calls);
    const admitted = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(admitted.length + refused.length, 20, results.map((r) => r.status).join(','));
    assert.ok(refused.length > 0, 'some calls did not fit');
    assert.ok(admitted.length >= 5, `calls that fitted ran side by side (${admitted.length})`);
    for (const r of refused) {
      assert.match(r.body.error.message, /Daily token limit reached/);
      assert.equal(r.headers.get('x-budget'), 'daily_tokens');
    }
    const usage = await usageOf(user.token);
    assert.equal(usage.requests, admitted.length, 'refused calls recorded nothing');
    assert.ok(usage.total_tokens <= DAILY, `no call beyond the budget ran (${usage.total_tokens} of ${DAILY})`);
  });

  it('lets concurrent turns without max_tokens overshoot by at most one call', async () => {
    const user = await registerUser(fx.api);
    // Each reply uses 300 tokens; a turn without max_tokens holds what is left of the day.
    fx.mock.setDefault({ tokens: ['x', 'y'], delayMs: 30, firstDelayMs: 20, usage: { prompt_tokens: 100, completion_tokens: 200 } });
    const ids = await Promise.all(Array.from({ length: 20 }, () => createConversation(fx.api, user.token, { title: 'fixed', model: 'gpt-4o-mini' })));
    // Waves, as clients retrying after a refusal would: each admitted turn settles to its real usage.
    let refusedOnce = false;
    for (let wave = 0; wave < 6; wave++) {
      const results = await Promise.all(
        ids.map((id) => fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'go' }, { token: user.token })),
      );
      if (results.some((r) => r.status === 429)) refusedOnce = true;
      for (const r of results) assert.ok(r.status === 200 || r.status === 429, r.text);
    }
    assert.ok(refusedOnce);
    const usage = await usageOf(user.token);
    assert.ok(usage.total_tokens <= DAILY + 300, `within one call of the budget (${usage.total_tokens})`);
    assert.ok(usage.total_tokens >= DAILY - 300, `the budget was used (${usage.total_tokens})`);
  });

  it('holds title calls too: a turn that spends the day leaves no room for its title', async () => {
    const user = await registerUser(fx.api);
    const id = await createConversation(fx.api, user.token, { model: 'gpt-4o-mini' });
    fx.mock.enqueue({ tokens: ['big'], usage: { prompt_tokens: 500, completion_tokens: DAILY } });
    const before = fx.mock.chatRequests().length;
    const res = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'spend it all' }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fx.mock.chatRequests().length, before + 1, 'no title request reached the provider');
    const conversation = await fx.api.get(`/api/v1/conversations/${id}`, { token: user.token });
    assert.equal(conversation.body.title, null);
  });

  it('refuses by monthly spend in dollars, naming the budget', async () => {
    const user = await registerUser(fx.api);
    const admin = fx.user;
    const tier = await fx.api.patch(`/api/v1/admin/users/${user.id}`, { tier: 'pro' }, { token: admin.token });
    assert.equal(tier.status, 200, tier.text);
    // Log in again: the tier is read from the credential.
    const login = await fx.api.post('/api/v1/auth/login', { email: user.email, password: user.password });
    const token = login.body.access_token;
    const id = await createConversation(fx.api, token, { title: 'fixed', model: 'gpt-4o-mini' });
    // 1,000 + 1,000 tokens: $0.00075 of the $0.001 budget.
    fx.mock.setDefault({ tokens: ['spent'], usage: { prompt_tokens: 1_000, completion_tokens: 1_000 } });
    const first = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'one' }, { token });
    assert.equal(first.status, 200, first.text);
    // Room is left for this one's prompt: admitted, it ends past the budget by its own settlement.
    const second = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'two' }, { token });
    assert.equal(second.status, 200, second.text);
    const calls = fx.mock.chatRequests().length;
    const third = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'three' }, { token });
    assert.equal(third.status, 429, third.text);
    assert.match(third.body.detail, /Monthly spend limit reached: \$0\.0015 of \$0\.0010 spent or held this month/);
    assert.equal(third.headers.get('x-budget'), 'monthly_usd');
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    assert.equal(fx.mock.chatRequests().length, calls, 'the provider was not called');
  });

  it('lets an admin set a user’s monthly spend limit, reported by the usage endpoint; null returns to the tier’s', async () => {
    const user = await registerUser(fx.api);
    const admin = fx.user;
    const refused = await fx.api.patch(`/api/v1/admin/users/${user.id}`, { monthly_budget_usd: 0.0005 }, { token: user.token });
    assert.equal(refused.status, 403, 'only admins set budgets');
    for (const bad of [0, -1, 'lots', 2_000_000]) {
      const res = await fx.api.patch(`/api/v1/admin/users/${user.id}`, { monthly_budget_usd: bad }, { token: admin.token });
      assert.equal(res.status, 422, `${bad}: ${res.text}`);
    }
    // A pro user (daily tokens out of the way, $0.001 a month by default), limited to less.
    const set = await fx.api.patch(`/api/v1/admin/users/${user.id}`, { tier: 'pro', monthly_budget_usd: 0.0005 }, { token: admin.token });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.monthly_budget_usd, 0.0005);
    user.token = (await fx.api.post('/api/v1/auth/login', { email: user.email, password: user.password })).body.access_token;

    const id = await createConversation(fx.api, user.token, { title: 'fixed', model: 'gpt-4o-mini' });
    fx.mock.setDefault({ tokens: ['spent'], usage: { prompt_tokens: 1_000, completion_tokens: 1_000 } });
    // Alone, the first call may use what is left: it ends past the limit by its own settlement.
    assert.equal((await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'one' }, { token: user.token })).status, 200);
    const second = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'two' }, { token: user.token });
    assert.equal(second.status, 429);
    assert.equal(second.headers.get('x-budget'), 'monthly_usd');

    const usage = await usageOf(user.token);
    const monthly = usage.budgets.find((b: any) => b.budget === 'monthly_usd');
    assert.deepEqual({ ...monthly, resets_at: undefined }, { budget: 'monthly_usd', unit: 'usd', limit: 0.0005, used: 0.00075, held: 0, remaining: 0, resets_at: undefined });
    assert.ok(Date.parse(monthly.resets_at) > Date.now());
    const daily = usage.budgets.find((b: any) => b.budget === 'daily_tokens');
    assert.deepEqual([daily.limit, daily.used, daily.remaining], [100_000_000, 2_000, 100_000_000 - 2_000]);
    // The admin reads the same standing.
    const seen = await fx.api.get(`/api/v1/admin/users/${user.id}/usage`, { token: admin.token });
    assert.deepEqual(seen.body.budgets, usage.budgets);

    const cleared = await fx.api.patch(`/api/v1/admin/users/${user.id}`, { monthly_budget_usd: null }, { token: admin.token });
    assert.equal(cleared.body.monthly_budget_usd, null);
    const after = (await usageOf(user.token)).budgets.find((b: any) => b.budget === 'monthly_usd');
    assert.equal(after.limit, 0.001, 'the pro tier’s default');
    assert.equal(after.remaining, 0.00025);
  });

  it('limits what calls made with an API key may spend, and only those', async () => {
    const admin = fx.user;
    // A pro user: the daily token budget is out of the way.
    const user = await registerUser(fx.api);
    await fx.api.patch(`/api/v1/admin/users/${user.id}`, { tier: 'pro', monthly_budget_usd: 100 }, { token: admin.token });
    const token = (await fx.api.post('/api/v1/auth/login', { email: user.email, password: user.password })).body.access_token;
    for (const bad of [0, -0.5, 'ten']) {
      const res = await fx.api.post('/api/v1/auth/api-keys', { name: 'bad', budget_usd: bad }, { token });
      assert.equal(res.status, 422, res.text);
    }
    const created = await fx.api.post('/api/v1/auth/api-keys', { name: 'metered', budget_usd: 0.0005 }, { token });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.budget_usd, 0.0005);
    const key = created.body.key;

    fx.mock.setDefault({ tokens: ['spent'], usage: { prompt_tokens: 1_000, completion_tokens: 1_000 } });
    const call = () => fx.api.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { token: key });
    assert.equal((await call()).status, 200);
    const refused = await call();
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.headers.get('x-budget'), 'api_key_usd');
    assert.match(refused.body.error.message, /API key spend limit reached: \$0\.0008 of \$0\.0005 spent with this key/);

    const standing = (await usageOf(key)).budgets.find((b: any) => b.budget === 'api_key_usd');
    assert.deepEqual([standing.limit, standing.used, standing.remaining, standing.resets_at], [0.0005, 0.00075, 0, null]);
    // The user's own login is not held to the key's budget.
    const own = await fx.api.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { token });
    assert.equal(own.status, 200, own.text);
    assert.equal((await usageOf(token)).budgets.some((b: any) => b.budget === 'api_key_usd'), false);
  });
});
