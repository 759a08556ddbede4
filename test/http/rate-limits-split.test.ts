import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession } from './aichat/helpers.ts';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client, type HttpResult } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openSocket, refusal } from '../support/ws.ts';

const MODEL_RPM = 3;
const API_RPM = 5;
const HIGH = 1_000_000;

const MODEL_REFUSAL = `Rate limit exceeded: ${MODEL_RPM} model requests per minute for the free tier`;
const API_REFUSAL = `Rate limit exceeded: ${API_RPM} API requests per minute (requests that do not call a model)`;

function assertCounted(res: HttpResult, limit: number, remaining: number) {
  assert.equal(res.headers.get('x-ratelimit-limit'), String(limit), res.text);
  assert.equal(res.headers.get('x-ratelimit-remaining'), String(remaining));
}

function assertRefused(res: HttpResult, limit: number) {
  assert.equal(res.status, 429, res.text);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(res.headers.get('x-ratelimit-limit'), String(limit));
  assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
}

/** One model call on each surface that runs a model, for a user who owns what it needs. */
interface ModelCall {
  name: string;
  setup(api: Client, user: TestUser): Promise<(api: Client, user: TestUser) => Promise<HttpResult>>;
  /** The refusal's message, from the surface's own error shape. */
  message(res: HttpResult): string;
}

const detail = (res: HttpResult) => res.body.detail;
// Seed 001 streams NDJSON by default, which the test client would take for one JSON document.
const SSE = { accept: 'text/event-stream' };

const MODEL_CALLS: ModelCall[] = [
  {
    name: 'seed 000 POST /api/v1/conversations/{id}/messages',
    async setup(api, user) {
      const id = await createConversation(api, user.token, { model: 'echo' });
      return (api, user) => api.post(`/api/v1/conversations/${id}/messages`, { content: 'hello' }, { token: user.token });
    },
    message: detail,
  },
  {
    name: 'seed 001 POST /api/v1/chat/stream',
    async setup(api, user) {
      const assistant = await api.post('/api/v1/assistants', { name: 'Bot', model: 'echo' }, { token: user.token });
      assert.equal(assistant.status, 201, assistant.text);
      return (api, user) => api.post('/api/v1/chat/stream', { assistant_id: assistant.body.id, message: 'hello' }, { token: user.token, headers: SSE });
    },
    message: detail,
  },
  {
    name: 'seed 002 POST /v1/chat/stream',
    async setup() {
      return (api, user) =>
        api.post('/v1/chat/stream', { model: 'echo', stream: false, messages: [{ role: 'user', content: 'hello' }] }, { token: user.token });
    },
    message: detail,
  },
  {
    name: 'prompt preview POST /api/chat/prompts/preview',
    async setup() {
      return (api, user) => api.post('/api/chat/prompts/preview', { content: 'Say {x}', variables: { x: 'hi' }, model: 'echo' }, { token: user.token });
    },
    message: detail,
  },
  {
    name: 'OpenAI POST /v1/chat/completions',
    async setup() {
      return (api, user) => api.post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: 'hello' }] }, { token: user.token });
    },
    message: (res) => res.body.error.message,
  },
];

describe('model calls and other requests count against separate limits', () => {
  let server: TestServer;
  let api: Client;

  before(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_FREE_RPM: String(MODEL_RPM), RATE_LIMIT_API_RPM: String(HIGH), TRUST_PROXY: 'true' } });
    api = client(server.url);
    await registerUser(api); // the admin
  });
  after(() => server.close());

  it('lets a user make many requests that do not call a model, reporting the API limit', async () => {
    const user = await registerUser(api);
    const conversation = await createConversation(api, user.token);
    const session = await createSession(api, user.token);
    const paths = [
      '/api/v1/auth/me',
      '/api/v1/conversations',
      `/api/v1/conversations/${conversation}`,
      `/api/v1/conversations/${conversation}/messages`,
      '/api/v1/models',
      '/v1/chat/history',
      '/v1/models',
      '/api/chat/prompts',
      `/api/chat/sessions/${session.session_id}`,
      `/aichat/getsessionlist/${user.id}`,
    ];
    for (let round = 0; round < 3; round++) {
      for (const path of paths) {
        const res = await api.get(path, { token: user.token });
        assert.equal(res.status, 200, `${path}: ${res.text}`);
        assert.equal(res.headers.get('x-ratelimit-limit'), String(HIGH), path);
      }
    }
    const renamed = await api.put(`/api/v1/conversations/${conversation}`, { title: 'Renamed' }, { token: user.token });
    assert.equal(renamed.status, 200, renamed.text);
    // After 30-odd plain requests the whole model allowance is still there.
    const turn = await api.post(`/api/v1/conversations/${conversation}/messages`, { content: 'hi' }, { token: user.token });
    assert.equal(turn.status, 200, turn.text);
    assertCounted(turn, MODEL_RPM, MODEL_RPM - 1);
  });

  for (const call of MODEL_CALLS) {
    it(`refuses the 4th model call on ${call.name}, naming the model limit`, async () => {
      const user = await registerUser(api);
      const send = await call.setup(api, user);
      for (let i = 0; i < MODEL_RPM; i++) {
        const res = await send(api, user);
        assert.equal(res.status, 200, res.text);
        assertCounted(res, MODEL_RPM, MODEL_RPM - 1 - i);
      }
      const refused = await send(api, user);
      assertRefused(refused, MODEL_RPM);
      assert.equal(call.message(refused), MODEL_REFUSAL);
      // Other requests go on.
      const me = await api.get('/api/v1/auth/me', { token: user.token });
      assert.equal(me.status, 200);
      assert.equal(me.headers.get('x-ratelimit-limit'), String(HIGH));
    });
  }

  it('counts model calls of one user across surfaces against one limit', async () => {
    const user = await registerUser(api);
    const sends = await Promise.all(MODEL_CALLS.slice(0, MODEL_RPM + 1).map((call) => call.setup(api, user)));
    for (let i = 0; i < MODEL_RPM; i++) assert.equal((await sends[i](api, user)).status, 200);
    const refused = await sends[MODEL_RPM](api, user);
    assertRefused(refused, MODEL_RPM);
    assert.equal(MODEL_CALLS[MODEL_RPM].message(refused), MODEL_REFUSAL);
  });

  it('refuses the 4th message frame on a seed 003 websocket, while the socket itself is an API request', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const socket = await openSocket(server.url, session.session_id, { token: user.token });
    try {
      for (let i = 0; i < MODEL_RPM; i++) {
        socket.send({ type: 'message', content: `turn ${i}` });
        await socket.waitFor((f) => f.type === 'done', { skip: i });
      }
      socket.send({ type: 'message', content: 'one too many' });
      const refused = await socket.waitFor((f) => f.type === 'error');
      assert.equal(refused.code, 429);
      assert.equal(refused.detail, MODEL_REFUSAL);
      // With the model allowance spent, a new socket is still admitted.
      const second = await openSocket(server.url, session.session_id, { token: user.token });
      second.send({ type: 'ping' });
      await second.waitFor((f) => f.type === 'pong');
      await second.close();
    } finally {
      await socket.close();
    }
  });

  it('counts anonymous visitors by address: the free model limit on model calls, the API limit on others', async () => {
    const owner = await registerUser(api);
    const assistant = await api.post('/api/v1/assistants', { name: 'Open', model: 'echo', user_authentication: false }, { token: owner.token });
    assert.equal(assistant.status, 201, assistant.text);
    const visitor = { headers: { ...SSE, 'x-forwarded-for': '203.0.113.50' } };
    for (let i = 0; i < MODEL_RPM; i++) {
      const res = await api.post('/api/v1/chat/stream', { assistant_id: assistant.body.id, message: `hi ${i}` }, visitor);
      assert.equal(res.status, 200, res.text);
      assertCounted(res, MODEL_RPM, MODEL_RPM - 1 - i);
    }
    const refused = await api.post('/api/v1/chat/stream', { assistant_id: assistant.body.id, message: 'more' }, visitor);
    assertRefused(refused, MODEL_RPM);
    assert.equal(refused.body.detail, MODEL_REFUSAL);
    // Reading the assistant is not a model call.
    for (let i = 0; i < MODEL_RPM + 2; i++) {
      const read = await api.get(`/api/v1/assistants/${assistant.body.id}`, visitor);
      assert.equal(read.status, 200, read.text);
      assert.equal(read.headers.get('x-ratelimit-limit'), String(HIGH));
    }
    // Another visitor has counters of its own.
    const other = await api.post('/api/v1/chat/stream', { assistant_id: assistant.body.id, message: 'hi' }, { headers: { ...SSE, 'x-forwarded-for': '203.0.113.51' } });
    assert.equal(other.status, 200, other.text);
  });
});

describe('the API limit, apart from the model limit', () => {
  let server: TestServer;
  let api: Client;

  before(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_FREE_RPM: String(MODEL_RPM), RATE_LIMIT_API_RPM: String(API_RPM) } });
    api = client(server.url);
  });
  after(() => server.close());

  it('refuses the 6th plain request with a 429 naming the API limit, while model routes still work', async () => {
    const user = await registerUser(api);
    for (let i = 0; i < API_RPM; i++) {
      const res = await api.get('/api/v1/auth/me', { token: user.token });
      assert.equal(res.status, 200, res.text);
      assertCounted(res, API_RPM, API_RPM - 1 - i);
    }
    const refused = await api.get('/api/v1/conversations', { token: user.token });
    assertRefused(refused, API_RPM);
    assert.deepEqual(Object.keys(refused.body), ['detail']);
    assert.equal(refused.body.detail, API_REFUSAL);

    // Every surface answers the API refusal in its own shape.
    const envelope = await api.get(`/aichat/getsessionlist/${user.id}`, { token: user.token });
    assertRefused(envelope, API_RPM);
    assert.equal(envelope.body.code, 429);
    assert.equal(envelope.body.message, API_REFUSAL);
    const openai = await api.get('/v1/models', { token: user.token });
    assertRefused(openai, API_RPM);
    assert.equal(openai.body.error.message, API_REFUSAL);

    // Model calls that need nothing else still go through, counted against the model limit.
    const completion = await api.post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: 'hello' }] }, { token: user.token });
    assert.equal(completion.status, 200, completion.text);
    assertCounted(completion, MODEL_RPM, MODEL_RPM - 1);
    const stream = await api.post('/v1/chat/stream', { model: 'echo', stream: false, messages: [{ role: 'user', content: 'hello' }] }, { token: user.token });
    assert.equal(stream.status, 200, stream.text);
    assertCounted(stream, MODEL_RPM, MODEL_RPM - 2);
    const preview = await api.post('/api/chat/prompts/preview', { content: 'Say hi', model: 'echo' }, { token: user.token });
    assert.equal(preview.status, 200, preview.text);
    assertCounted(preview, MODEL_RPM, 0);
  });

  it('admits a websocket as an API request: over the API limit it closes with 4429', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    for (let i = 1; i < API_RPM; i++) assert.equal((await api.get('/api/v1/auth/me', { token: user.token })).status, 200);
    const closed = await refusal(server.url, session.session_id, { token: user.token });
    assert.equal(closed.code, 4429);
    assert.match(closed.reason, /API requests per minute/);
  });
});
