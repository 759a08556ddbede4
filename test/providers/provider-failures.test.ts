import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PrometheusMetrics } from '../../src/core/metrics/prometheus-metrics.ts';
import { providerFailureReporter } from '../../src/core/metrics/provider-errors.ts';
import { createSession } from '../http/aichat/helpers.ts';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';
import type { Client, HttpResult } from '../support/http.ts';
import { unusedPort } from '../support/ports.ts';
import { openSocket } from '../support/ws.ts';

// Distinctive keys, so a test can tell whether any of one leaked into a reply.
const OPENAI_KEY = 'sk-test-openai-7f3a9c1e5b2d4f6081a3';
const ANTHROPIC_KEY = 'sk-ant-test-2b8e4d6f0a1c3e5f7a9b';

const ask = (api: Client, user: TestUser, conversationId: string, content = 'hello?') =>
  api.post(`/api/v1/conversations/${conversationId}/messages`, { content }, { token: user.token });

const askSeed002 = (api: Client, user: TestUser, model: string, sessionId?: string, content = 'hello?') =>
  api.post(
    '/v1/chat/stream',
    { model, ...(sessionId ? { session_id: sessionId } : {}), stream: false, messages: [{ role: 'user', content }] },
    { token: user.token },
  );

const askOpenAI = (api: Client, user: TestUser, model: string, extra: Record<string, unknown> = {}) =>
  api.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hello?' }], ...extra }, { token: user.token });

function assertNoKey(res: HttpResult) {
  assert.ok(!res.text.includes(OPENAI_KEY) && !res.text.includes(ANTHROPIC_KEY), `a key leaked: ${res.text}`);
}

async function storedReply(api: Client, user: TestUser, conversationId: string) {
  const res = await api.get(`/api/v1/conversations/${conversationId}/messages`, { token: user.token });
  assert.equal(res.status, 200, res.text);
  return res.body.at(-1);
}

/** The caller's usage for one model: tokens, cost and the number of calls recorded. */
async function usageOf(api: Client, user: TestUser, model: string) {
  const res = await api.get('/api/v1/tokens/usage', { token: user.token });
  assert.equal(res.status, 200, res.text);
  return res.body.by_model.find((m: { model: string }) => m.model === model);
}

async function metricCount(api: Client, provider: string, kind: string): Promise<number> {
  const res = await api.get('/metrics');
  assert.equal(res.status, 200);
  const line = res.text.split('\n').find((l) => l.startsWith(`parley_provider_errors_total{kind="${kind}",provider="${provider}"} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** An HTTPS server with a self-signed certificate made for this run; null where openssl is missing. */
async function selfSignedServer(): Promise<{ server: HttpsServer; origin: string; dir: string } | null> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1'],
      { cwd: dir, stdio: 'ignore' },
    );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const server = createHttpsServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => {
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `https://127.0.0.1:${port}`, dir };
}

describe('providers that are never reached', () => {
  let refusedUrl: string;
  let tls: Awaited<ReturnType<typeof selfSignedServer>>;
  const fx = useTestServer({
    user: false,
    env: async () => {
      refusedUrl = `http://127.0.0.1:${await unusedPort()}/v1`;
      tls = await selfSignedServer();
      return {
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: refusedUrl,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL: tls?.origin ?? 'https://127.0.0.1:1',
      };
    },
  });
  after(async () => {
    if (tls) {
      await new Promise<void>((resolve) => tls!.server.close(() => resolve()));
      rmSync(tls.dir, { recursive: true, force: true });
    }
  });

  it('names a refused connection and its address, answers 502 on seed 000 and OpenAI, and charges nothing', async () => {
    const user = await registerUser(fx.api);
    const before = await metricCount(fx.api, 'openai', 'connection_refused');
    const id = await createConversation(fx.api, user.token, { title: 't', model: 'gpt-4o' });
    const res = await ask(fx.api, user, id);
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.detail, `The openai provider refused the connection (${refusedUrl})`);
    assertNoKey(res);
    const reply = await storedReply(fx.api, user, id);
    assert.equal(reply.status, 'error');
    assert.equal(reply.metadata.error, res.body.detail);

    const completion = await askOpenAI(fx.api, user, 'gpt-4o');
    assert.equal(completion.status, 502, completion.text);
    assert.equal(completion.body.error.message, `The openai provider refused the connection (${refusedUrl})`);
    assertNoKey(completion);

    const usage = await usageOf(fx.api, user, 'gpt-4o');
    assert.deepEqual(
      { prompt: usage.prompt_tokens, completion: usage.completion_tokens, cost: usage.cost_usd, requests: usage.requests },
      { prompt: 0, completion: 0, cost: 0, requests: 2 },
      'both calls are recorded, with nothing charged',
    );
    assert.equal(await metricCount(fx.api, 'openai', 'connection_refused'), before + 2);
  });

  it('names a TLS failure with its code on seed 002, and charges nothing', async (t) => {
    if (!tls) return t.skip('openssl is not available to make a certificate');
    const user = await registerUser(fx.api);
    const res = await askSeed002(fx.api, user, 'claude-haiku-4-5');
    assert.equal(res.status, 502, res.text);
    assert.match(res.body.detail, /^The anthropic provider failed the TLS handshake \(https:\/\/127\.0\.0\.1:\d+\): [A-Z_]+$/);
    assert.match(res.body.detail, /SELF_SIGNED/);
    assertNoKey(res);
    const usage = await usageOf(fx.api, user, 'claude-haiku-4-5');
    assert.equal(usage.total_tokens, 0);
    assert.equal(usage.cost_usd, 0);
    assert.equal(usage.requests, 1);
    assert.ok((await metricCount(fx.api, 'anthropic', 'tls')) >= 1);
  });
});

describe('a provider whose host does not resolve, and Anthropic failures', () => {
  const fx = useTestServer({
    upstream: 'anthropic',
    user: false,
    env: {
      // `.invalid` never resolves (RFC 2606): no network is touched.
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: 'http://parley-upstream.invalid/v1',
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    },
  });

  it('names a host that cannot be found, and charges nothing', async () => {
    const user = await registerUser(fx.api);
    const id = await createConversation(fx.api, user.token, { title: 't', model: 'gpt-4o-mini' });
    const res = await ask(fx.api, user, id);
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.detail, "The openai provider's host could not be found (http://parley-upstream.invalid/v1)");
    const usage = await usageOf(fx.api, user, 'gpt-4o-mini');
    assert.equal(usage.total_tokens, 0);
    assert.equal(usage.requests, 1);
    assert.ok((await metricCount(fx.api, 'openai', 'dns')) >= 1);
  });

  it('says the key was rejected without repeating the provider’s message, which quotes the key', async () => {
    const user = await registerUser(fx.api);
    fx.mock.enqueue({ status: 401, errorMessage: `invalid x-api-key: ${ANTHROPIC_KEY}` });
    const res = await askSeed002(fx.api, user, 'claude-haiku-4-5');
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.detail, 'The anthropic provider rejected its API key (401)');
    assertNoKey(res);
  });

  it('passes a 429 on with its Retry-After', async () => {
    const user = await registerUser(fx.api);
    fx.mock.enqueue({ status: 429, headers: { 'retry-after': '7' } });
    const res = await askSeed002(fx.api, user, 'claude-haiku-4-5');
    assert.equal(res.status, 429, res.text);
    assert.equal(res.headers.get('retry-after'), '7');
    assert.equal(res.body.detail, 'The anthropic provider is rate limiting requests (429); retry after 7 s');
  });

  it('treats an event that is not JSON as a malformed stream, keeping the partial reply', async () => {
    const user = await registerUser(fx.api);
    const id = await createConversation(fx.api, user.token, { title: 't', model: 'claude-haiku-4-5' });
    fx.mock.enqueue({ tokens: ['Good', ' start', ' lost'], malformedAfter: 2, delayMs: 20 });
    const res = await ask(fx.api, user, id);
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.detail, 'The anthropic provider sent a malformed stream (a chunk that is not valid JSON)');
    const reply = await storedReply(fx.api, user, id);
    assert.equal(reply.status, 'error');
    assert.equal(reply.content, 'Good start');
    assert.ok((await metricCount(fx.api, 'anthropic', 'bad_response')) >= 1);
  });
});

describe('failures of a reached OpenAI-compatible provider', () => {
  const fx = useTestServer({ upstream: 'openai', env: { OPENAI_API_KEY: OPENAI_KEY, PROVIDER_TIMEOUT_MS: '1000', TURN_TIMEOUT_MS: '2500', DEFAULT_MODEL: 'gpt-4o' } });

  const conversation = () => createConversation(fx.api, fx.user.token, { title: 't', model: 'gpt-4o' });

  it('gives up on a silent provider after PROVIDER_TIMEOUT_MS, or TURN_TIMEOUT_MS for a reply asked whole', async () => {
    fx.mock.enqueue({ hang: true });
    const streamed = await ask(fx.api, fx.user, await conversation());
    assert.equal(streamed.status, 502, streamed.text);
    assert.equal(streamed.body.detail, 'The openai provider did not respond within 1000 ms');
    // A whole reply only arrives when the model is done: it may take as long as a turn.
    fx.mock.enqueue({ hang: true });
    const whole = await askOpenAI(fx.api, fx.user, 'gpt-4o');
    assert.equal(whole.status, 502, whole.text);
    assert.equal(whole.body.error.message, 'The openai provider did not respond within 2500 ms');
    assert.equal(whole.body.error.type, 'api_error');
  });

  it('says the key was rejected (401), with no key in the reply', async () => {
    fx.mock.enqueue({ status: 401, errorMessage: `Incorrect API key provided: ${OPENAI_KEY}` });
    const id = await conversation();
    const res = await ask(fx.api, fx.user, id);
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.detail, 'The openai provider rejected its API key (401)');
    assertNoKey(res);
    assertNoKey(await fx.api.get(`/api/v1/conversations/${id}/messages`, { token: fx.user.token }));
  });

  it('passes a 429 on with its Retry-After on seed 000, OpenAI and the websocket', async () => {
    const before = await metricCount(fx.api, 'openai', 'rate_limited');
    fx.mock.enqueue({ status: 429, headers: { 'retry-after': '7' } }, { status: 429, headers: { 'retry-after': '7' } });
    const seed000 = await ask(fx.api, fx.user, await conversation());
    assert.equal(seed000.status, 429, seed000.text);
    assert.equal(seed000.headers.get('retry-after'), '7');
    assert.match(seed000.body.detail, /^The openai provider is rate limiting requests \(429\); retry after 7 s$/);
    const openai = await askOpenAI(fx.api, fx.user, 'gpt-4o');
    assert.equal(openai.status, 429, openai.text);
    assert.equal(openai.headers.get('retry-after'), '7');
    assert.equal(openai.body.error.code, 'rate_limit_exceeded');
    assert.equal(await metricCount(fx.api, 'openai', 'rate_limited'), before + 2);

    fx.mock.enqueue({ status: 429, headers: { 'retry-after': '7' } });
    const session = await createSession(fx.api, fx.user.token);
    const socket = await openSocket(fx.server.url, session.session_id, { token: fx.user.token });
    try {
      socket.send({ type: 'message', content: 'hello?' });
      const frame = await socket.waitFor((f) => f.type === 'error');
      assert.equal(frame.code, 429);
      assert.match(frame.detail, /rate limiting/);
    } finally {
      await socket.close();
    }
  });

  it('names a 5xx with the provider’s own message on the OpenAI surface', async () => {
    fx.mock.enqueue({ status: 503, errorMessage: 'upstream overloaded' });
    const res = await askOpenAI(fx.api, fx.user, 'gpt-4o');
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.error.message, 'The openai provider failed with 503: upstream overloaded');
  });

  it('treats a chunk that is not JSON as a malformed stream', async () => {
    fx.mock.enqueue({ tokens: ['One', ' two', ' three'], malformedAfter: 1, delayMs: 20 });
    const id = await conversation();
    const res = await ask(fx.api, fx.user, id);
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.detail, 'The openai provider sent a malformed stream (a chunk that is not valid JSON)');
    const reply = await storedReply(fx.api, fx.user, id);
    assert.equal(reply.status, 'error');
    assert.equal(reply.content, 'One');
  });

  it('treats a stream that ends without finishing the reply as cut', async () => {
    fx.mock.enqueue({ tokens: ['Never', ' ends', ' here'], endAfter: 2 });
    const res = await askSeed002(fx.api, fx.user, 'gpt-4o');
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.detail, 'The openai provider closed the stream before the reply ended');
  });

  it('answers the same status on every non-streamed surface for a failure mid-reply, the partial reply stored as error', async () => {
    const drop = () => ({ tokens: ['Part', 'ial', ' never', ' finished'], dropAfter: 2 });
    const expectPartial = async (conversationId: string) => {
      const reply = await storedReply(fx.api, fx.user, conversationId);
      assert.equal(reply.status, 'error');
      assert.equal(reply.content, 'Partial');
      assert.equal(reply.metadata.error, 'The openai provider closed the stream before the reply ended');
    };

    fx.mock.enqueue(drop());
    const seed000Id = await conversation();
    const seed000 = await ask(fx.api, fx.user, seed000Id);
    assert.equal(seed000.status, 502, seed000.text);
    assert.equal(seed000.body.detail, 'The openai provider closed the stream before the reply ended');
    await expectPartial(seed000Id);

    fx.mock.enqueue(drop());
    const seed002Id = await conversation();
    const seed002 = await askSeed002(fx.api, fx.user, 'gpt-4o', seed002Id);
    assert.equal(seed002.status, 502, seed002.text);
    assert.equal(seed002.body.detail, 'The openai provider closed the stream before the reply ended');
    await expectPartial(seed002Id);

    fx.mock.enqueue(drop());
    const storedId = await conversation();
    const stored = await fx.api.post(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello?' }] },
      { token: fx.user.token, headers: { 'x-session-id': storedId } },
    );
    assert.equal(stored.status, 502, stored.text);
    assert.equal(stored.body.error.message, 'The openai provider closed the stream before the reply ended');
    await expectPartial(storedId);

    fx.mock.enqueue(drop());
    const stateless = await askOpenAI(fx.api, fx.user, 'gpt-4o');
    assert.equal(stateless.status, 502, stateless.text);
    assert.equal(stateless.body.error.message, 'The openai provider closed the stream before the reply ended');

    fx.mock.enqueue(drop());
    const session = await createSession(fx.api, fx.user.token);
    const socket = await openSocket(fx.server.url, session.session_id, { token: fx.user.token });
    try {
      socket.send({ type: 'message', content: 'hello?' });
      const frame = await socket.waitFor((f) => f.type === 'error');
      assert.equal(frame.code, 502);
      assert.equal(frame.data.content, 'Partial');
    } finally {
      await socket.close();
    }
    await expectPartial(session.session_id);
  });
});

describe('provider failure reports', () => {
  it('count each failure by provider and kind, and log it at warn with the model', async () => {
    const logged: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const metrics = new PrometheusMetrics();
    const report = providerFailureReporter(metrics, { warn: (fields, message) => logged.push({ fields, message }) });
    report({ provider: 'anthropic', model: 'claude-x', kind: 'auth', upstreamStatus: 401, message: 'The anthropic provider rejected its API key (401)' });
    report({ provider: 'anthropic', model: 'claude-x', kind: 'auth', upstreamStatus: 401, message: 'The anthropic provider rejected its API key (401)' });
    const entry = {
      fields: { provider: 'anthropic', model: 'claude-x', kind: 'auth', upstreamStatus: 401 },
      message: 'The anthropic provider rejected its API key (401)',
    };
    assert.deepEqual(logged, [entry, entry]);
    const { text } = await metrics.render();
    metrics.close();
    assert.ok(text.includes('parley_provider_errors_total{kind="auth",provider="anthropic"} 2\n'), text);
  });
});
