import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'parley-providers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function providersFile(content: unknown): string {
  const file = path.join(dir, `providers-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const turn = (api: Client, token: string, conversation: string, content: string) =>
  api.post(`/api/v1/conversations/${conversation}/messages`, { content }, { token });

describe('a local Ollama-style provider (OLLAMA_BASE_URL, no key)', () => {
  let ollama: MockOpenAI;
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  before(async () => {
    ollama = await startMockOpenAI({ models: ['llama3.2:1b'] });
    server = await startTestServer({ env: { OLLAMA_BASE_URL: ollama.url } });
    api = client(server.url);
    user = await registerUser(api);
  });
  after(async () => {
    await server.close();
    await ollama.close();
  });

  it('discovers a model outside the catalog at start-up and lists it on both model endpoints', async () => {
    assert.ok(ollama.modelListRequests.length >= 1, 'the model list was read at start-up');
    const api1 = await api.get('/api/v1/models', { token: user.token });
    assert.equal(api1.status, 200);
    const listed = api1.body.models.find((m: any) => m.id === 'ollama/llama3.2:1b');
    assert.deepEqual(listed, {
      id: 'ollama/llama3.2:1b',
      provider: 'ollama',
      context_window: null,
      input_price_per_million: null,
      output_price_per_million: null,
      pricing: 'unknown',
      source: 'discovered',
    });
    // No catalog model of a configured provider: the first discovered model is the default.
    assert.equal(api1.body.default_model, 'ollama/llama3.2:1b');
    assert.ok(!api1.body.models.some((m: any) => m.id === 'gpt-4o'), 'no OpenAI provider is configured');

    const v1 = await api.get('/v1/models', { token: user.token });
    assert.equal(v1.status, 200);
    assert.equal(v1.body.object, 'list');
    const openaiListed = v1.body.data.find((m: any) => m.id === 'ollama/llama3.2:1b');
    assert.equal(openaiListed.object, 'model');
    assert.equal(openaiListed.owned_by, 'ollama');
    assert.equal(openaiListed.pricing, 'unknown');
    const one = await api.get(`/v1/models/${encodeURIComponent('ollama/llama3.2:1b')}`, { token: user.token });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.id, 'ollama/llama3.2:1b');
  });

  it('runs a turn on it with no key sent, charged 0 and marked as of unknown cost', async () => {
    ollama.enqueue({ tokens: ['Local', ' reply'], usage: { prompt_tokens: 500, completion_tokens: 700 } });
    // Unqualified: the first provider that lists it.
    const created = await api.post('/api/v1/conversations', { model: 'llama3.2:1b' }, { token: user.token });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.model, 'ollama/llama3.2:1b');
    const before = ollama.chatRequests().length;
    const res = await turn(api, user.token, created.body.id, 'Hello there');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.assistant_message.content, 'Local reply');
    assert.equal(res.body.cost_usd, 0);
    assert.equal(res.body.assistant_message.metadata.cost_unknown, true);
    const sent = ollama.chatRequests().slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].body.model, 'llama3.2:1b', 'the upstream gets its own name for the model');
    assert.equal(sent[0].headers.authorization, undefined, 'no credential at all is sent to a keyless provider');
    assert.equal(ollama.modelListRequests[0].headers.authorization, undefined);
    const usage = await api.get('/api/v1/tokens/usage', { token: user.token });
    const byModel = usage.body.by_model.find((m: any) => m.model === 'ollama/llama3.2:1b');
    // The turn's own counts, plus the title the model was asked for afterwards.
    assert.ok(byModel.total_tokens >= 1200, String(byModel.total_tokens));
    assert.equal(byModel.cost_usd, 0);
  });

  it('accepts the qualified id on the OpenAI surface', async () => {
    const before = ollama.chatRequests().length;
    const res = await api.post(
      '/v1/chat/completions',
      { model: 'ollama/llama3.2:1b', messages: [{ role: 'user', content: 'Hi' }] },
      { token: user.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(ollama.chatRequests().slice(before)[0]?.body.model, 'llama3.2:1b');
  });

  it('finds a model added upstream after start-up on the first request that names it', async () => {
    const listed = await api.get('/api/v1/models', { token: user.token });
    assert.ok(!listed.body.models.some((m: any) => m.id === 'ollama/qwen3:4b'), 'not known before');
    ollama.setModels(['llama3.2:1b', 'qwen3:4b']);
    const created = await api.post('/api/v1/conversations', { model: 'ollama/qwen3:4b' }, { token: user.token });
    assert.equal(created.status, 201, created.text);
    const res = await turn(api, user.token, created.body.id, 'Which model?');
    assert.equal(res.status, 200, res.text);
    assert.equal(ollama.chatRequests().at(-1)?.body.model, 'qwen3:4b');
    const after = await api.get('/api/v1/models', { token: user.token });
    assert.ok(after.body.models.some((m: any) => m.id === 'ollama/qwen3:4b'));
  });

  it('still answers 400 naming an unknown model, reading the list again at most once in a short while', async () => {
    const reads = ollama.modelListRequests.length;
    const first = await api.post('/api/v1/conversations', { model: 'no-such-model-a' }, { token: user.token });
    assert.equal(first.status, 400, first.text);
    assert.match(first.body.detail, /no-such-model-a/);
    const second = await api.post('/api/v1/conversations', { model: 'no-such-model-b' }, { token: user.token });
    assert.equal(second.status, 400);
    assert.ok(ollama.modelListRequests.length - reads <= 1, `read ${ollama.modelListRequests.length - reads} times`);
  });
});

describe('two OpenAI-compatible providers from a PROVIDERS_FILE', () => {
  let alpha: MockOpenAI;
  let beta: MockOpenAI;
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  before(async () => {
    alpha = await startMockOpenAI({ models: ['shared-model', 'alpha-only'] });
    beta = await startMockOpenAI({ models: ['shared-model', 'beta-only'] });
    const file = providersFile({
      providers: [
        { name: 'alpha', kind: 'openai', base_url: alpha.url, api_key_env: 'ALPHA_KEY' },
        { name: 'beta', kind: 'vllm', base_url: beta.url },
      ],
    });
    server = await startTestServer({ env: { PROVIDERS_FILE: file, ALPHA_KEY: 'alpha-secret-key' } });
    api = client(server.url);
    user = await registerUser(api);
  });
  after(async () => {
    await server.close();
    await alpha.close();
    await beta.close();
  });

  it('lists the models of both, each under its provider', async () => {
    const res = await api.get('/api/v1/models', { token: user.token });
    const ids = res.body.models.map((m: any) => `${m.id}@${m.provider}`);
    for (const id of ['alpha/shared-model@alpha', 'alpha/alpha-only@alpha', 'beta/shared-model@beta', 'beta/beta-only@beta']) {
      assert.ok(ids.includes(id), `${id} missing from ${ids.join(' ')}`);
    }
    // The shipped catalog's OpenAI models follow the first provider of kind `openai`.
    assert.equal(res.body.models.find((m: any) => m.id === 'gpt-4o')?.provider, 'alpha');
  });

  it('sends each request to its own provider, with that provider’s key or none', async () => {
    const cases: Array<[string, MockOpenAI, string]> = [
      ['alpha/shared-model', alpha, 'shared-model'],
      ['beta/shared-model', beta, 'shared-model'],
      // Unqualified: the first provider in the file that lists it.
      ['shared-model', alpha, 'shared-model'],
      ['beta-only', beta, 'beta-only'],
    ];
    for (const [model, mock, upstream] of cases) {
      const counts = [alpha.chatRequests().length, beta.chatRequests().length];
      const created = await api.post('/api/v1/conversations', { model }, { token: user.token });
      assert.equal(created.status, 201, created.text);
      const res = await turn(api, user.token, created.body.id, `via ${model}`);
      assert.equal(res.status, 200, res.text);
      const other = mock === alpha ? beta : alpha;
      const sent = mock.chatRequests().slice(mock === alpha ? counts[0] : counts[1]);
      assert.equal(sent.length, 1, `${model}: one request at its provider`);
      assert.equal(sent[0].body.model, upstream);
      assert.equal(other.chatRequests().length, mock === alpha ? counts[1] : counts[0], `${model}: nothing at the other`);
      assert.equal(sent[0].headers.authorization, mock === alpha ? 'Bearer alpha-secret-key' : undefined);
    }
  });
});

describe('a provider down at start-up', () => {
  let ollama: MockOpenAI;
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  before(async () => {
    ollama = await startMockOpenAI({ models: ['llama3.2:1b'] });
    ollama.setModelListStatus(503);
    const file = providersFile({ providers: [{ name: 'gone', kind: 'llamacpp', base_url: 'http://127.0.0.1:1/v1' }] });
    server = await startTestServer({ env: { OLLAMA_BASE_URL: ollama.url, PROVIDERS_FILE: file } });
    api = client(server.url);
    user = await registerUser(api);
  });
  after(async () => {
    await server.close();
    await ollama.close();
  });

  it('does not stop the server, and its models are found once it is back', async () => {
    const res = await api.get('/api/v1/models', { token: user.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.models.map((m: any) => m.id), ['echo']);
    ollama.setModelListStatus(200);
    const created = await api.post('/api/v1/conversations', { model: 'llama3.2:1b' }, { token: user.token });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.model, 'ollama/llama3.2:1b');
  });
});

describe('bad providers files', () => {
  const base = { DATA_DIR: dir };
  const cases: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{ providers: ', /cannot read/],
    ['an unknown kind', { providers: [{ name: 'x', kind: 'gemini', base_url: 'http://127.0.0.1:1/v1' }] }, /kind/],
    ['a name with a slash', { providers: [{ name: 'a/b', kind: 'ollama' }] }, /no "\/"/],
    ['a name used twice', { providers: [{ name: 'local', kind: 'ollama' }, { name: 'local', kind: 'vllm' }] }, /used twice/],
    ['OpenAI without key or base URL', { providers: [{ name: 'openai2', kind: 'openai' }] }, /needs api_key/],
    ['an unset api_key_env', { providers: [{ name: 'g', kind: 'openai', base_url: 'https://example.com/v1', api_key_env: 'PARLEY_NO_SUCH_VAR' }] }, /PARLEY_NO_SUCH_VAR/],
    ['an unknown field', { providers: [{ name: 'o', kind: 'ollama', apikey: 'typo' }] }, /apikey|Unrecognized/i],
    ['a bad base URL', { providers: [{ name: 'o', kind: 'ollama', base_url: 'localhost' }] }, /base_url/],
  ];
  for (const [what, content, message] of cases) {
    it(`refuses ${what}, naming PROVIDERS_FILE`, () => {
      assert.throws(
        () => parseConfig({ ...base, PROVIDERS_FILE: providersFile(content) }),
        (err: Error) => err instanceof ConfigError && err.message.startsWith('PROVIDERS_FILE: ') && message.test(err.message),
      );
    });
  }

  it('refuses a missing file and a name the shortcut variables already take', () => {
    assert.throws(() => parseConfig({ ...base, PROVIDERS_FILE: path.join(dir, 'absent.json') }), /^Error: PROVIDERS_FILE: cannot read/);
    const clash = providersFile({ providers: [{ name: 'ollama', kind: 'ollama' }] });
    assert.throws(() => parseConfig({ ...base, OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1', PROVIDERS_FILE: clash }), /PROVIDERS_FILE: .*used twice/);
  });

  it('stops start-up with one line naming PROVIDERS_FILE', () => {
    const result = spawnSync(process.execPath, ['src/main.ts'], {
      env: { PATH: process.env.PATH, DATA_DIR: path.join(dir, 'data'), PORT: '0', PROVIDERS_FILE: providersFile({ providers: [{ name: 'x' }] }) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /PROVIDERS_FILE/);
  });

  it('takes a keyless OpenAI-compatible endpoint from OPENAI_BASE_URL alone', () => {
    const config = parseConfig({ ...base, OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' });
    assert.deepEqual(config.models.providers, [{ name: 'openai', kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', apiKey: undefined, discover: true }]);
  });

  it('validates CORS_ORIGINS', () => {
    assert.equal(parseConfig(base).corsOrigins, '*');
    assert.deepEqual(parseConfig({ ...base, CORS_ORIGINS: 'https://a.example, http://localhost:3000' }).corsOrigins, ['https://a.example', 'http://localhost:3000']);
    for (const bad of ['a.example', 'https://a.example/path', 'ftp://a.example', '*,https://a.example']) {
      assert.throws(() => parseConfig({ ...base, CORS_ORIGINS: bad }), /^Error: CORS_ORIGINS: /, bad);
    }
  });
});
