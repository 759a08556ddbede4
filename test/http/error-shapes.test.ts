import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from '../support/fixture.ts';
import { parseJson, rawGet, rawRequest, shapeProblem, surfaceOf } from '../support/fuzz/shapes.ts';

// One path per surface (and seed 002's session files, which live under seed 003's prefix).
const PATHS = [
  '/api/v1/conversations/X',
  '/api/v1/assistants/X',
  '/api/chat/prompts/X',
  '/api/chat/sessions/X/upload',
  '/api/chat/sessions/X/files',
  '/v1/chat/history/X',
  '/api/chat/sessions/X',
  '/api/chat/messages/X',
  '/aichat/sessions/X',
  '/v1/chat/completions/X',
  '/v1/models/X',
  '/v1/unknown/X',
];

describe('every error in its surface’s shape', () => {
  const fx = useTestServer();

  const check = (path: string, status: number, text: string) => {
    const problem = shapeProblem(surfaceOf(path), status, parseJson(text));
    assert.equal(problem, undefined, `${path} → ${status} ${text.slice(0, 300)}`);
  };

  it('raw bytes 0x80-0xFF in a path answer 400 in the surface’s shape, not Fastify’s', async () => {
    for (const path of PATHS) {
      for (const byte of [0x80, 0xc3, 0xff]) {
        const [head, tail] = path.split('X');
        const bytes = Buffer.concat([Buffer.from(`${head}a`), Buffer.from([byte]), Buffer.from(tail)]);
        const res = await rawRequest(fx.server.url, rawGet(bytes, `Authorization: Bearer ${fx.user.token}\r\n`));
        assert.equal(res.status, 400, `${path} + 0x${byte.toString(16)}: ${res.text}`);
        check(path, res.status, res.text);
        assert.ok(!res.text.includes('Client Error'), res.text);
      }
    }
  });

  it('malformed percent-encoding answers 400 in the surface’s shape', async () => {
    for (const path of PATHS) {
      const res = await fx.api.get(path.replace(/X$/, '%ZZ'), { token: fx.user.token });
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status} ${res.text}`);
      check(path, res.status, res.text);
    }
    const upload = await fx.api.get('/api/chat/sessions/%ZZ/upload', { token: fx.user.token });
    assert.equal(upload.status, 400);
    assert.equal(typeof upload.body.detail, 'string', 'seed 002 uploads answer {detail}, not the envelope');
  });

  it('an overlong path parameter is a 414 whose message echoes at most 64 characters of the path', async () => {
    const long = 'q'.repeat(300);
    for (const path of PATHS) {
      const res = await fx.api.get(path.replace(/X$/, long), { token: fx.user.token });
      if (res.status === 404) continue; // no route with a parameter there: an ordinary not found
      assert.equal(res.status, 414, `${path}: ${res.text}`);
      check(path, res.status, res.text);
      assert.ok(!res.text.includes('q'.repeat(65)), `${path} echoes the whole parameter: ${res.text}`);
      assert.ok(res.text.includes('…'), `${path} marks the cut: ${res.text}`);
    }
  });

  it('unknown paths and methods answer 404 in the surface’s shape (OpenAI’s under /v1)', async () => {
    const unknown = await fx.api.get('/v1/no-such-thing');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.type, 'invalid_request_error');
    assert.match(unknown.body.error.message, /GET \/v1\/no-such-thing/);
    const files = await fx.api.request('PATCH', '/api/chat/sessions/abc/upload', { token: fx.user.token });
    assert.equal(files.status, 404);
    assert.deepEqual(files.body, { detail: 'Not Found' });
    const seed003 = await fx.api.get('/api/chat/sessions/abc/nothing', { token: fx.user.token });
    assert.equal(seed003.status, 404);
    assert.equal(seed003.body.code, 404);
    const seed002 = await fx.api.get('/v1/chat/nothing');
    assert.deepEqual(seed002.body, { detail: 'Not Found' });
    for (const path of [...PATHS, '/nothing', '/api/v1/nothing']) {
      const res = await fx.api.request('PATCH', `${path}/deeper`, { token: fx.user.token });
      assert.equal(res.status, 404, path);
      check(path, res.status, res.text);
    }
  });

  it('free-form JSON is bounded: a 10,000-deep metadata is a 422 naming the field, not a 500', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const res = await fx.api.request('POST', '/api/chat/prompts', {
      token: fx.user.token,
      headers: { 'content-type': 'application/json' },
      raw: `{"title":"Deep","content":"x","metadata":${deep}}`,
    });
    assert.equal(res.status, 422, res.text);
    assert.deepEqual(res.body.detail[0].loc, ['body', 'metadata']);
    const big = await fx.api.post('/api/chat/prompts', { title: 'Big', content: 'x', metadata: { blob: 'x'.repeat(70_000) } }, { token: fx.user.token });
    assert.equal(big.status, 422, big.text);
    assert.deepEqual(big.body.detail[0].loc, ['body', 'metadata']);
    const fine = await fx.api.post('/api/chat/prompts', { title: 'Fine', content: 'x', metadata: { a: { b: [1, 2, { c: 3 }] } } }, { token: fx.user.token });
    assert.equal(fine.status, 201, fine.text);
  });

  it('numbers a real column cannot hold are refused with the surface’s validation error', async () => {
    const assistant = (raw: string) =>
      fx.api.request('POST', '/api/v1/assistants', {
        token: fx.user.token,
        headers: { 'content-type': 'application/json' },
        raw: `{"name":"Bot","temperature":${raw}}`,
      });
    for (const raw of ['1e-320', '1e-7', '1e309', '-1e309', '2.5', '-0.1']) {
      const res = await assistant(raw);
      assert.equal(res.status, 422, `${raw}: ${res.text}`);
      assert.deepEqual(res.body.detail[0].loc, ['body', 'temperature']);
    }
    for (const raw of ['0', '-0', '0.000001', '2']) {
      const res = await assistant(raw);
      assert.equal(res.status, 201, `${raw}: ${res.text}`);
    }
    const chat = await fx.api.request('POST', '/v1/chat/stream', {
      token: fx.user.token,
      headers: { 'content-type': 'application/json' },
      raw: '{"model":"echo","stream":false,"temperature":1e-320,"messages":[{"role":"user","content":"hi"}]}',
    });
    assert.equal(chat.status, 400, chat.text);
    assert.deepEqual(chat.body.detail[0].loc, ['body', 'temperature']);
    const openai = await fx.api.request('POST', '/v1/chat/completions', {
      token: fx.user.token,
      headers: { 'content-type': 'application/json' },
      raw: '{"model":"echo","top_p":1e-320,"messages":[{"role":"user","content":"hi"}]}',
    });
    assert.equal(openai.status, 400, openai.text);
    assert.equal(openai.body.error.param, 'top_p');
  });
});
