import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

describe('seed 000 token usage', () => {
  let server: TestServer;
  let api: Client;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
  });
  after(() => server.close());

  it('sums the caller’s turns by day and by model, and nobody else’s', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const id = await createConversation(api, user.token, { title: 't' });
    const a = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'one two three' }, { token: user.token });
    const b = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'four' }, { token: user.token });
    const otherId = await createConversation(api, other.token, { title: 't' });
    await api.post(`/api/v1/conversations/${otherId}/messages`, { content: 'not counted' }, { token: other.token });

    const today = new Date().toISOString().slice(0, 10);
    const res = await api.get(`/api/v1/tokens/usage?start_date=${today}&end_date=${today}`, { token: user.token });
    assert.equal(res.status, 200);
    const totals = ['completion_tokens', 'cost_usd', 'prompt_tokens', 'requests', 'total_tokens'];
    assert.deepEqual(Object.keys(res.body).sort(), ['budgets', 'by_model', 'daily', 'end_date', 'start_date', ...totals].sort());
    assert.deepEqual(Object.keys(res.body.daily[0]).sort(), ['by_model', 'date', ...totals].sort());
    assert.deepEqual(
      res.body.daily[0].by_model.map((m: any) => [m.model, m.total_tokens, m.requests]),
      [['echo', a.body.usage.total_tokens + b.body.usage.total_tokens, 2]],
    );
    assert.deepEqual(Object.keys(res.body.by_model[0]).sort(), ['model', ...totals].sort());
    const expected = a.body.usage.total_tokens + b.body.usage.total_tokens;
    assert.equal(res.body.total_tokens, expected);
    assert.equal(res.body.requests, 2);
    assert.equal(res.body.prompt_tokens, a.body.usage.prompt_tokens + b.body.usage.prompt_tokens);
    assert.deepEqual(
      res.body.daily.map((d: any) => [d.date, d.total_tokens, d.requests]),
      [[today, expected, 2]],
    );
    assert.deepEqual(
      res.body.by_model.map((m: any) => [m.model, m.total_tokens]),
      [['echo', expected]],
    );

    const defaults = await api.get('/api/v1/tokens/usage', { token: user.token });
    assert.equal(defaults.body.end_date, today);
    assert.equal(defaults.body.total_tokens, expected);
  });

  it('answers zeros for a range with no usage', async () => {
    const user = await registerUser(api);
    const res = await api.get('/api/v1/tokens/usage?start_date=2020-01-01&end_date=2020-01-31', { token: user.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.total_tokens, 0);
    assert.equal(res.body.cost_usd, 0);
    assert.deepEqual(res.body.daily, []);
    assert.deepEqual(res.body.by_model, []);
  });

  it('answers 422 for bad dates and an inverted range', async () => {
    const user = await registerUser(api);
    for (const query of ['start_date=yesterday', 'end_date=2024-13-01', 'start_date=2024-02-10&end_date=2024-02-01']) {
      const res = await api.get(`/api/v1/tokens/usage?${query}`, { token: user.token });
      assert.equal(res.status, 422, query);
      assert.ok(Array.isArray(res.body.detail));
    }
  });
});
