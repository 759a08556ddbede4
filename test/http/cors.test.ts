import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConversation } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';

const ORIGIN = 'https://chat.example.org';
const EXPOSED = ['x-session-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];
// What a browser running the OpenAI SDK, an EventSource polyfill or a seed client asks to send.
const REQUESTED_HEADERS = 'authorization,content-type,last-event-id,x-session-id,accept,x-stainless-os,x-stainless-retry-count,openai-beta';

/** One path of every surface, with the method a browser would preflight. */
const SURFACES: Array<[string, string, string]> = [
  ['seed 000', 'POST', '/api/v1/conversations'],
  ['seed 000 stream', 'GET', '/api/v1/conversations/0190a0c4-1111-7000-8000-000000000000/stream'],
  ['seed 001', 'POST', '/api/v1/chat/stream'],
  ['seed 002', 'POST', '/v1/chat/stream'],
  ['seed 003', 'PATCH', '/api/chat/messages/0190a0c4-1111-7000-8000-000000000000'],
  ['OpenAI', 'POST', '/v1/chat/completions'],
  ['operations', 'GET', '/healthz'],
  ['unknown path', 'DELETE', '/no/such/route'],
];

function preflight(url: string, method: string, origin = ORIGIN) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': REQUESTED_HEADERS },
  });
}

function assertExposes(headers: Headers, what: string) {
  const exposed = (headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
  for (const name of EXPOSED) assert.ok(exposed.includes(name), `${what}: ${name} is not exposed (${exposed.join(',')})`);
}

/** Reads a streamed response to its end and returns its headers and text. */
async function streamed(url: string, body: unknown, token: string, accept?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { origin: ORIGIN, authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(accept ? { accept } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('CORS with CORS_ORIGINS unset (any origin)', () => {
  const fx = useTestServer();

  for (const [surface, method, path] of SURFACES) {
    it(`answers the preflight of ${surface} (${method} ${path})`, async () => {
      const res = await preflight(fx.server.url + path, method);
      assert.equal(res.status, 204, await res.text());
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.ok((res.headers.get('access-control-allow-methods') ?? '').split(/\s*,\s*/).includes(method));
      // The requested headers are allowed as asked, SDK headers included.
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      for (const name of REQUESTED_HEADERS.split(',')) assert.ok(allowed.includes(name), `${name} not allowed: ${allowed}`);
      assert.equal(res.headers.get('access-control-allow-credentials'), null, 'bearer tokens only: no credentials mode');
    });
  }

  it('exposes the session, rate-limit and retry headers on ordinary responses', async () => {
    const res = await fx.api.get('/api/v1/models', { token: fx.user.token, headers: { origin: ORIGIN } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assertExposes(res.headers, 'GET /api/v1/models');
  });

  it('carries the CORS headers on errors: 401, 404, 422', async () => {
    const unauthorized = await fx.api.get('/api/v1/conversations', { headers: { origin: ORIGIN } });
    assert.equal(unauthorized.status, 401);
    const notFound = await fx.api.get('/api/v1/no-such-thing', { token: fx.user.token, headers: { origin: ORIGIN } });
    assert.equal(notFound.status, 404);
    const invalid = await fx.api.post('/api/v1/conversations', { title: 42 }, { token: fx.user.token, headers: { origin: ORIGIN } });
    assert.equal(invalid.status, 422);
    const openaiUnauthorized = await fx.api.post('/v1/chat/completions', { model: 'echo', messages: [] }, { headers: { origin: ORIGIN } });
    assert.equal(openaiUnauthorized.status, 401);
    for (const res of [unauthorized, notFound, invalid, openaiUnauthorized]) {
      assert.equal(res.headers.get('access-control-allow-origin'), '*', `status ${res.status}`);
      assertExposes(res.headers, `status ${res.status}`);
    }
  });

  it('carries the CORS headers on every stream written straight to the socket', async () => {
    const conversation = await createConversation(fx.api, fx.user.token);
    const assistant = await fx.api.post('/api/v1/assistants', { name: 'CORS helper', model: 'echo' }, { token: fx.user.token });
    assert.equal(assistant.status, 201, assistant.text);
    const streams = {
      'seed 001 NDJSON': await streamed(`${fx.server.url}/api/v1/chat/stream`, { assistant_id: assistant.body.id, message: 'hi' }, fx.user.token),
      'seed 001 SSE': await streamed(`${fx.server.url}/api/v1/chat/stream`, { assistant_id: assistant.body.id, message: 'hi' }, fx.user.token, 'text/event-stream'),
      'seed 002 SSE': await streamed(`${fx.server.url}/v1/chat/stream`, { model: 'echo', stream: true, messages: [{ role: 'user', content: 'hi' }] }, fx.user.token),
      'OpenAI SSE': await streamed(`${fx.server.url}/v1/chat/completions`, { model: 'echo', stream: true, messages: [{ role: 'user', content: 'hi' }] }, fx.user.token),
    };
    for (const [name, res] of Object.entries(streams)) {
      assert.equal(res.status, 200, `${name}: ${res.text}`);
      assert.match(res.headers.get('content-type') ?? '', /event-stream|ndjson/, name);
      assert.equal(res.headers.get('access-control-allow-origin'), '*', name);
      assertExposes(res.headers, name);
    }
    // The session id a stream creates is readable by the page.
    assert.ok(streams['seed 001 NDJSON'].headers.get('x-session-id'));
    assert.ok(streams['seed 002 SSE'].headers.get('x-session-id'));
    assert.match(streams['seed 002 SSE'].text, /\[DONE\]/);

    // Seed 000's re-attach stream, after a turn.
    const sent = await fx.api.post(`/api/v1/conversations/${conversation}/messages`, { content: 'hello' }, { token: fx.user.token });
    assert.equal(sent.status, 200, sent.text);
    const reattach = await fetch(`${fx.server.url}/api/v1/conversations/${conversation}/stream`, {
      headers: { origin: ORIGIN, authorization: `Bearer ${fx.user.token}` },
    });
    await reattach.text();
    assert.equal(reattach.status, 200);
    assert.equal(reattach.headers.get('access-control-allow-origin'), '*');
    assertExposes(reattach.headers, 'seed 000 re-attach');
  });
});

describe('CORS with CORS_ORIGINS set to a list', () => {
  const allowed = ['https://app.example.com', 'http://localhost:5173'];
  // One model call a minute, so the second is refused with 429.
  const fx = useTestServer({ env: { CORS_ORIGINS: allowed.join(', '), RATE_LIMIT_FREE_RPM: '1' } });

  it('allows each listed origin, by name, and varies on Origin', async () => {
    for (const origin of allowed) {
      const pre = await preflight(`${fx.server.url}/v1/chat/completions`, 'POST', origin);
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), origin);
      const res = await fx.api.get('/api/v1/models', { token: fx.user.token, headers: { origin } });
      assert.equal(res.headers.get('access-control-allow-origin'), origin);
      assert.match(res.headers.get('vary') ?? '', /origin/i);
      assertExposes(res.headers, origin);
    }
  });

  it('gives a foreign origin no Access-Control-Allow-Origin, on preflights and requests alike', async () => {
    const foreign = 'https://evil.example.net';
    const pre = await preflight(`${fx.server.url}/api/v1/conversations`, 'POST', foreign);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const res = await fx.api.get('/api/v1/models', { token: fx.user.token, headers: { origin: foreign } });
    assert.equal(res.status, 200, 'the server still answers: the browser is what withholds it');
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('carries the CORS headers on a 429, with Retry-After readable by the page', async () => {
    const conversation = await createConversation(fx.api, fx.user.token);
    const headers = { origin: allowed[0] };
    const first = await fx.api.post(`/api/v1/conversations/${conversation}/messages`, { content: 'one' }, { token: fx.user.token, headers });
    assert.equal(first.status, 200, first.text);
    const second = await fx.api.post(`/api/v1/conversations/${conversation}/messages`, { content: 'two' }, { token: fx.user.token, headers });
    assert.equal(second.status, 429, second.text);
    assert.ok(second.headers.get('retry-after'));
    assert.equal(second.headers.get('access-control-allow-origin'), allowed[0]);
    assertExposes(second.headers, '429');
  });
});
