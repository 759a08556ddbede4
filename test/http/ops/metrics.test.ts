import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';
import { unusedPort } from '../../support/ports.ts';
import { type Family, parsePrometheus, sampleValue, samplesOf } from '../../support/prometheus.ts';
import { sleep } from '../../support/scripted-upstream.ts';
import { openSocket } from '../../support/ws.ts';

type Scrape = Map<string, Family>;

/** Polls until the check holds; fails after a few seconds rather than hanging the run. */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`never happened: ${what}`);
}

describe('GET /metrics', () => {
  const fx = useTestServer({
    upstream: 'openai',
    user: false,
    env: async () => ({
      OPENAI_API_KEY: 'sk-test-metrics',
      ANTHROPIC_API_KEY: 'sk-ant-test-metrics',
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${await unusedPort()}`,
      // One failed login and the next attempt is refused.
      THROTTLE_LOGIN_FAILURES: '1',
    }),
  });

  async function scrape(): Promise<Scrape> {
    const res = await fx.api.get('/metrics');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheus(res.text);
  }

  const value = (scrape: Scrape, name: string, labels: Record<string, string> = {}) => sampleValue(scrape, name, labels) ?? 0;

  /** Tokens, cost and calls per model from the user's usage events. */
  async function usageByModel(user: TestUser): Promise<Map<string, { prompt: number; completion: number; cost: number }>> {
    const res = await fx.api.get('/api/v1/tokens/usage', { token: user.token });
    assert.equal(res.status, 200, res.text);
    return new Map(
      res.body.by_model.map((m: { model: string; prompt_tokens: number; completion_tokens: number; cost_usd: number }) => [
        m.model,
        { prompt: m.prompt_tokens, completion: m.completion_tokens, cost: m.cost_usd },
      ]),
    );
  }

  it('answers strict Prometheus text with every family typed', async () => {
    await fx.api.get('/healthz');
    const families = await scrape();
    const expected: Record<string, Family['type']> = {
      parley_http_requests_total: 'counter',
      parley_http_request_duration_seconds: 'histogram',
      parley_turns_in_flight: 'gauge',
      parley_websocket_connections: 'gauge',
      parley_turn_time_to_first_token_seconds: 'histogram',
      parley_turn_duration_seconds: 'histogram',
      parley_model_tokens_total: 'counter',
      parley_model_cost_usd_total: 'counter',
      parley_provider_errors_total: 'counter',
      parley_limit_refusals_total: 'counter',
      parley_process_resident_memory_bytes: 'gauge',
      parley_process_heap_used_bytes: 'gauge',
      parley_process_heap_total_bytes: 'gauge',
      parley_event_loop_delay_p99_seconds: 'gauge',
      parley_event_loop_delay_max_seconds: 'gauge',
      parley_process_uptime_seconds: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) {
      assert.equal(families.get(name)?.type, type, name);
      assert.ok(families.get(name)?.help, `${name} has help`);
    }
    assert.ok(value(families, 'parley_process_resident_memory_bytes') > 1_000_000);
    const heapUsed = value(families, 'parley_process_heap_used_bytes');
    assert.ok(heapUsed > 0 && heapUsed <= value(families, 'parley_process_heap_total_bytes'));
    const p99 = value(families, 'parley_event_loop_delay_p99_seconds');
    const max = value(families, 'parley_event_loop_delay_max_seconds');
    assert.ok(Number.isFinite(p99) && Number.isFinite(max) && p99 >= 0 && p99 <= max + 1e-9, `p99 ${p99}, max ${max}`);
    assert.ok(value(families, 'parley_process_uptime_seconds') >= 0);
    // Every limit is printed before its first refusal.
    for (const limit of ['model', 'api', 'login', 'registration', 'refresh', 'daily_tokens']) {
      assert.equal(sampleValue(families, 'parley_limit_refusals_total', { limit }), 0, limit);
    }
  });

  it('reports the database pool on PostgreSQL, and nothing on the embedded database', async () => {
    const families = await scrape();
    if (fx.server.databaseUrl) {
      assert.equal(value(families, 'parley_db_pool_max_connections'), 10);
      const total = value(families, 'parley_db_pool_connections');
      assert.ok(total >= 1 && total <= 10, `total ${total}`);
      assert.ok(value(families, 'parley_db_pool_idle_connections') <= total);
      assert.ok(value(families, 'parley_db_pool_waiting_queries') >= 0);
    } else {
      for (const name of ['parley_db_pool_connections', 'parley_db_pool_idle_connections', 'parley_db_pool_waiting_queries']) {
        assert.equal(families.has(name), false, name);
      }
    }
  });

  it('counts and times requests by route pattern, never by raw path', async () => {
    const id = randomUUID();
    const junk = `no-such-${randomBytes(6).toString('hex')}`;
    const user = await registerUser(fx.api);
    const before = await scrape();
    const byPattern = { method: 'GET', route: '/api/v1/conversations/:id', status: '404' };
    const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
    assert.equal((await fx.api.get(`/api/v1/conversations/${id}`, { token: user.token })).status, 404);
    assert.equal((await fx.api.get(`/api/v1/${junk}`)).status, 404);
    assert.equal((await fx.api.get(`/v1/${junk}/${id}`)).status, 404);
    const res = await fx.api.get('/metrics');
    const afterwards = parsePrometheus(res.text);
    assert.ok(!res.text.includes(id) && !res.text.includes(junk), 'no raw path in any label');
    assert.equal(value(afterwards, 'parley_http_requests_total', byPattern), value(before, 'parley_http_requests_total', byPattern) + 1);
    assert.equal(value(afterwards, 'parley_http_requests_total', unmatched), value(before, 'parley_http_requests_total', unmatched) + 2);
    const timed = { method: 'GET', route: '/api/v1/conversations/:id', status_class: '4xx' };
    assert.equal(
      value(afterwards, 'parley_http_request_duration_seconds_count', timed),
      value(before, 'parley_http_request_duration_seconds_count', timed) + 1,
    );
    // The scrape before this one is itself counted.
    const scrapes = { method: 'GET', route: '/metrics', status: '200' };
    assert.ok(value(afterwards, 'parley_http_requests_total', scrapes) >= value(before, 'parley_http_requests_total', scrapes) + 1);
    for (const s of samplesOf(afterwards, 'parley_http_requests_total')) {
      assert.ok(s.labels.route === 'unmatched' || s.labels.route.startsWith('/'), `route label ${s.labels.route}`);
    }
  });

  it('times turns and counts their tokens and cost by model, on two surfaces', async () => {
    const user = await registerUser(fx.api);
    const usageBefore = await usageByModel(user);
    const before = await scrape();

    const conversationId = await createConversation(fx.api, user.token, { title: 'metrics', model: 'echo' });
    const seed000 = await fx.api.post(`/api/v1/conversations/${conversationId}/messages`, { content: 'count these words' }, { token: user.token });
    assert.equal(seed000.status, 200, seed000.text);
    const seed002 = await fx.api.post(
      '/v1/chat/stream',
      { model: 'echo', stream: false, messages: [{ role: 'user', content: 'and these too' }] },
      { token: user.token },
    );
    assert.equal(seed002.status, 200, seed002.text);
    const completion = await fx.api.post(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] },
      { token: user.token },
    );
    assert.equal(completion.status, 200, completion.text);
    assert.deepEqual([completion.body.usage.prompt_tokens, completion.body.usage.completion_tokens], [21, 4]);

    const afterwards = await scrape();
    const usageAfter = await usageByModel(user);
    const delta = (name: string, labels: Record<string, string>) => value(afterwards, name, labels) - value(before, name, labels);

    assert.equal(delta('parley_turn_duration_seconds_count', { model: 'echo', status: 'complete' }), 2);
    assert.equal(delta('parley_turn_time_to_first_token_seconds_count', { model: 'echo' }), 2);
    assert.equal(delta('parley_turn_duration_seconds_count', { model: 'gpt-4o', status: 'complete' }), 1);
    assert.equal(delta('parley_turn_time_to_first_token_seconds_count', { model: 'gpt-4o' }), 1);
    assert.ok(delta('parley_turn_duration_seconds_sum', { model: 'echo', status: 'complete' }) > 0);

    // The counters move exactly as the recorded usage events do (titles included).
    for (const [model, provider] of [['echo', 'echo'], ['gpt-4o', 'openai']] as const) {
      const was = usageBefore.get(model) ?? { prompt: 0, completion: 0, cost: 0 };
      const now = usageAfter.get(model);
      assert.ok(now, `usage recorded for ${model}`);
      assert.equal(delta('parley_model_tokens_total', { model, provider, type: 'prompt' }), now.prompt - was.prompt, model);
      assert.equal(delta('parley_model_tokens_total', { model, provider, type: 'completion' }), now.completion - was.completion, model);
      const cost = delta('parley_model_cost_usd_total', { model, provider });
      assert.ok(Math.abs(cost - (now.cost - was.cost)) < 1e-9, `${model} cost ${cost} vs ${now.cost - was.cost}`);
    }
    assert.ok(delta('parley_model_tokens_total', { model: 'echo', provider: 'echo', type: 'prompt' }) > 0);
    const gpt4oCost = (21 * 2.5 + 4 * 10) / 1_000_000;
    assert.ok(Math.abs(delta('parley_model_cost_usd_total', { model: 'gpt-4o', provider: 'openai' }) - gpt4oCost) < 1e-12);
  });

  it('shows a turn in flight while its reply streams, and its stop as incomplete', async () => {
    const user = await registerUser(fx.api);
    const conversationId = await createConversation(fx.api, user.token, { title: 'held', model: 'gpt-4o' });
    const before = await scrape();
    assert.equal(value(before, 'parley_turns_in_flight'), 0);
    const asked = fx.mock.chatRequests().length;
    fx.mock.enqueue({ hang: true });
    const pending = fx.api.post(`/api/v1/conversations/${conversationId}/messages`, { content: 'wait for it' }, { token: user.token });
    await until('the upstream receives the turn', () => fx.mock.chatRequests().length > asked);
    assert.equal(value(await scrape(), 'parley_turns_in_flight'), 1);
    const stop = await fx.api.post(`/api/v1/conversations/${conversationId}/stop`, undefined, { token: user.token });
    assert.equal(stop.status, 200, stop.text);
    assert.equal((await pending).status, 200);
    const afterwards = await scrape();
    assert.equal(value(afterwards, 'parley_turns_in_flight'), 0);
    const incomplete = { model: 'gpt-4o', status: 'incomplete' };
    assert.equal(
      value(afterwards, 'parley_turn_duration_seconds_count', incomplete),
      value(before, 'parley_turn_duration_seconds_count', incomplete) + 1,
    );
    // No token came: no first-token observation.
    assert.equal(
      value(afterwards, 'parley_turn_time_to_first_token_seconds_count', { model: 'gpt-4o' }),
      value(before, 'parley_turn_time_to_first_token_seconds_count', { model: 'gpt-4o' }),
    );
  });

  it('counts a provider failure by provider and kind, and the turn as an error', async () => {
    const user = await registerUser(fx.api);
    const conversationId = await createConversation(fx.api, user.token, { title: 'refused', model: 'claude-haiku-4-5' });
    const before = await scrape();
    const res = await fx.api.post(`/api/v1/conversations/${conversationId}/messages`, { content: 'anyone?' }, { token: user.token });
    assert.equal(res.status, 502, res.text);
    const afterwards = await scrape();
    const refused = { kind: 'connection_refused', provider: 'anthropic' };
    assert.equal(value(afterwards, 'parley_provider_errors_total', refused), value(before, 'parley_provider_errors_total', refused) + 1);
    const failed = { model: 'claude-haiku-4-5', status: 'error' };
    assert.equal(value(afterwards, 'parley_turn_duration_seconds_count', failed), value(before, 'parley_turn_duration_seconds_count', failed) + 1);
    const status502 = { method: 'POST', route: '/api/v1/conversations/:id/messages', status: '502' };
    assert.equal(value(afterwards, 'parley_http_requests_total', status502), value(before, 'parley_http_requests_total', status502) + 1);
  });

  it('counts refusals by the limit that refused', async () => {
    const user = await registerUser(fx.api);
    const before = await scrape();
    const wrong = { email: user.email, password: `${user.password}-wrong` };
    assert.equal((await fx.api.post('/api/v1/auth/login', wrong)).status, 401);
    const refused = await fx.api.post('/api/v1/auth/login', wrong);
    assert.equal(refused.status, 429, refused.text);
    const afterwards = await scrape();
    for (const limit of ['model', 'api', 'login', 'registration', 'refresh', 'daily_tokens']) {
      const moved = value(afterwards, 'parley_limit_refusals_total', { limit }) - value(before, 'parley_limit_refusals_total', { limit });
      assert.equal(moved, limit === 'login' ? 1 : 0, limit);
    }
    const route = { method: 'POST', route: '/api/v1/auth/login', status: '429' };
    assert.equal(value(afterwards, 'parley_http_requests_total', route), value(before, 'parley_http_requests_total', route) + 1);
  });

  it('counts open WebSocket connections', async () => {
    const user = await registerUser(fx.api);
    const conversationId = await createConversation(fx.api, user.token, { title: 'live' });
    const before = value(await scrape(), 'parley_websocket_connections');
    const socket = await openSocket(fx.server.url, conversationId, { token: user.token });
    try {
      await until('the socket is counted', async () => value(await scrape(), 'parley_websocket_connections') === before + 1);
    } finally {
      await socket.close();
    }
    await until('the closed socket is no longer counted', async () => value(await scrape(), 'parley_websocket_connections') === before);
  });
});

describe('the Prometheus text parser used by these tests', () => {
  const valid = [
    '# HELP a_total Things.',
    '# TYPE a_total counter',
    'a_total{kind="x \\"q\\" \\\\ \\n"} 3',
    '',
    '# HELP h Times.',
    '# TYPE h histogram',
    'h_bucket{le="0.1"} 1',
    'h_bucket{le="1"} 2',
    'h_bucket{le="+Inf"} 2',
    'h_sum 0.6',
    'h_count 2',
    '',
  ].join('\n');

  it('reads a valid exposition', () => {
    const families = parsePrometheus(valid);
    assert.equal(sampleValue(families, 'a_total', { kind: 'x "q" \\ \n' }), 3);
    assert.equal(sampleValue(families, 'h_count'), 2);
    assert.equal(families.get('h')?.type, 'histogram');
  });

  const broken: Record<string, string> = {
    'a sample without TYPE': 'b 1\n',
    'a missing HELP': '# TYPE b gauge\nb 1\n',
    'a bad label escape': valid.replace('\\"q\\"', '\\q'),
    'a bad label name': valid.replace('{kind=', '{1kind='),
    'a duplicate series': valid.replace('a_total{kind="x \\"q\\" \\\\ \\n"} 3', 'a_total 1\na_total 2'),
    'decreasing buckets': valid.replace('h_bucket{le="1"} 2', 'h_bucket{le="1"} 0'),
    'a +Inf bucket differing from _count': valid.replace('h_count 2', 'h_count 3'),
    'no +Inf bucket': valid.replace('h_bucket{le="+Inf"} 2\n', ''),
    'a family split in two': `${valid}# HELP a_total Again.\n`,
    'a negative counter': valid.replace('} 3', '} -3'),
    'a bad value': valid.replace('h_sum 0.6', 'h_sum zero'),
    'no final line feed': valid.trimEnd(),
  };
  for (const [what, text] of Object.entries(broken)) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parsePrometheus(text));
    });
  }
});
