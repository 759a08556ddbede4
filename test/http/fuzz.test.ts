import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../support/factories.ts';
import {
  BAD_PATH_VALUES,
  HOSTILE_BODIES,
  HOSTILE_QUERY,
  HOSTILE_VALUES,
  type JsonSchema,
  type Random,
  sampleValue,
  seededRandom,
} from '../support/fuzz/inputs.ts';
import { parseJson, rawGet, rawRequest, shapeProblem, surfaceOf } from '../support/fuzz/shapes.ts';
import { client, type Client } from '../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// Walks every route of the OpenAPI document with hostile inputs. It fails on any 5xx and on any
// error body that is not in its surface's shape. FUZZ_SEED repeats a run; failures print the request.
const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const MODEL = 'gpt-4o-mini';
const CONCURRENCY = 4;

interface Operation {
  method: string;
  path: string;
  params: Array<{ in: string; name: string }>;
  body?: JsonSchema;
  /** The route takes a body (JSON or multipart), so whole-body mutations apply. */
  takesBody: boolean;
}

interface Resources {
  user: TestUser;
  conversation: string;
  assistant: string;
  prompt: string;
  session: string;
  message: string;
  apiKey: string;
}

interface Attempt {
  method: string;
  path: string;
  token?: string;
  auth: string;
  what: string;
  contentType?: string;
  body?: string;
  headers?: Record<string, string>;
}

describe('fuzz: every route, hostile inputs, no 5xx and every error in its surface’s shape', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  let api: Client;
  let a: Resources;
  let b: Resources;
  let operations: Operation[];
  const failures: string[] = [];
  let sent = 0;

  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url } });
    api = client(server.url);
    await registerUser(api); // the first account is the admin; the fuzzing users are not
    a = await resourcesOf(await registerUser(api));
    b = await resourcesOf(await registerUser(api));
    const doc = (await api.get('/openapi.json')).body;
    operations = [];
    for (const [path, methods] of Object.entries<Record<string, JsonSchema>>(doc.paths)) {
      if (path.startsWith('/ws/') || path.startsWith('/docs')) continue;
      for (const [method, op] of Object.entries<JsonSchema>(methods)) {
        const body = op.requestBody?.content?.['application/json']?.schema;
        const takesBody = ['post', 'put', 'patch'].includes(method);
        operations.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], body, takesBody });
      }
    }
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  async function resourcesOf(user: TestUser): Promise<Resources> {
    const ok = async (res: Promise<{ status: number; body: JsonSchema; text: string }>, status = 201) => {
      const r = await res;
      assert.equal(r.status, status, r.text);
      return r.body;
    };
    const token = user.token;
    const conversation = (await ok(api.post('/api/v1/conversations', { title: 'Fuzz' }, { token }))).id;
    const assistant = (await ok(api.post('/api/v1/assistants', { name: 'Fuzz bot', model: MODEL, user_authentication: false }, { token }))).id;
    const prompt = (await ok(api.post('/api/chat/prompts', { title: 'Fuzz', content: 'Say {thing}' }, { token }))).id;
    const session = (await ok(api.post('/api/chat/session', { title: 'Fuzz' }, { token }), 200)).data.session_id;
    const message = (await ok(api.post('/api/chat/message', { session_id: session, content: 'hello' }, { token }), 200)).data.message_id;
    const apiKey = (await ok(api.post('/api/v1/auth/api-keys', { name: 'fuzz' }, { token }))).id;
    return { user, conversation, assistant, prompt, session, message, apiKey };
  }

  /** The id a path parameter takes for a resource owner. */
  function realId(path: string, name: string, r: Resources): string {
    if (name === 'model') return MODEL;
    if (name === 'prompt_id') return r.prompt;
    if (name === 'message_id') return r.message;
    if (name === 'user_id') return r.user.id;
    if (name === 'assistant_id') return r.assistant;
    if (name === 'session_id') return r.session;
    if (name === 'file_id') return randomUUID();
    if (path.startsWith('/api/v1/assistants')) return r.assistant;
    if (path.startsWith('/api/v1/auth/api-keys')) return r.apiKey;
    if (path.startsWith('/api/v1/admin/users')) return r.user.id;
    return r.conversation;
  }

  const fill = (op: Operation, value: (name: string) => string) => op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => value(name));

  /** A body that passes validation where it can, with the caller's real ids in id fields. */
  function baseBody(op: Operation): Record<string, unknown> {
    const base = sampleValue(op.body);
    const body = base && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : {};
    if ('model' in body) body.model = MODEL;
    if ('assistant_id' in body) body.assistant_id = a.assistant;
    if ('session_id' in body) body.session_id = op.path.startsWith('/api/chat') ? a.session : a.conversation;
    if ('prompt_id' in body) body.prompt_id = a.prompt;
    if ('messages' in body) body.messages = [{ role: 'user', content: 'fuzz' }];
    if ('stream' in body) body.stream = false;
    return body;
  }

  /** The body with one field's value replaced by raw JSON text. */
  function withRaw(body: Record<string, unknown>, field: string, raw: string): string {
    const marker = `__raw_${randomUUID()}__`;
    return JSON.stringify({ ...body, [field]: marker }).replace(JSON.stringify(marker), raw);
  }

  /** The hostile values always tried for a field of this type (the known ways to break a number, a JSON field, a string). */
  function essentials(schema: JsonSchema): string[] {
    const types = JSON.stringify(schema ?? {});
    const out: string[] = [];
    if (/"type":"(number|integer)"/.test(types)) out.push('1e-320', '1e309', '-0', 'huge integer');
    if (/"type":"object"/.test(types)) out.push('deep object');
    if (/"type":"string"/.test(types)) out.push('NUL', 'lone surrogate');
    return out;
  }

  function attemptsFor(op: Operation, random: Random): Attempt[] {
    const out: Attempt[] = [];
    const token = a.user.token;
    const real = fill(op, (n) => realId(op.path, n, a));
    const hasParams = real !== op.path;
    const json = op.body ? JSON.stringify(baseBody(op)) : undefined;
    const withBody = (x: Attempt): Attempt => (json && x.body === undefined ? { ...x, contentType: 'application/json', body: json } : x);
    // Logging out would end the fuzzing user's token; it is fuzzed without one.
    const signedIn = op.path !== '/api/v1/auth/logout';

    if (signedIn) out.push(withBody({ method: op.method, path: real, token, auth: 'valid', what: 'base request' }));
    out.push(withBody({ method: op.method, path: real, auth: 'none', what: 'no token' }));
    out.push(withBody({ method: op.method, path: real, token: 'not-a-token', auth: 'bad', what: 'bad token' }));
    if (!signedIn) return out;
    if (hasParams) {
      out.push(withBody({ method: op.method, path: fill(op, (n) => realId(op.path, n, b)), token, auth: 'valid', what: "another user's ids" }));
      out.push(withBody({ method: op.method, path: fill(op, () => randomUUID()), token, auth: 'valid', what: 'random UUIDs' }));
      for (const bad of random.sample(BAD_PATH_VALUES, 4)) {
        out.push(withBody({ method: op.method, path: fill(op, () => bad), token, auth: 'valid', what: `path value ${bad.slice(0, 20)}` }));
      }
    }
    const queries = op.params.filter((p) => p.in === 'query');
    for (const q of queries) {
      for (const value of random.sample(HOSTILE_QUERY, 3)) {
        out.push(withBody({ method: op.method, path: `${real}?${q.name}=${value}`, token, auth: 'valid', what: `query ${q.name}` }));
      }
    }
    if (op.body) {
      const body = baseBody(op);
      const fields = Object.keys(op.body.properties ?? {});
      for (const field of random.sample(fields, 5)) {
        const wanted = essentials(op.body.properties[field]);
        const values = [...HOSTILE_VALUES.filter((v) => wanted.includes(v.name)), ...random.sample(HOSTILE_VALUES, 4)];
        for (const value of values) {
          out.push({ method: op.method, path: real, token, auth: 'valid', what: `${field}: ${value.name}`, contentType: 'application/json', body: withRaw(body, field, value.raw()) });
        }
      }
      out.push({ method: op.method, path: real, token, auth: 'valid', what: 'extra field', contentType: 'application/json', body: withRaw(body, 'unexpected_field', '{"x":[1]}') });
    }
    if (op.takesBody || op.method === 'DELETE') {
      for (const hostile of random.sample(HOSTILE_BODIES, op.body ? 6 : 4)) {
        out.push({ method: op.method, path: real, token, auth: 'valid', what: hostile.name, contentType: hostile.type, body: hostile.body() });
      }
    }
    return out;
  }

  async function send(x: Attempt): Promise<void> {
    const headers: Record<string, string> = { ...x.headers };
    if (x.token) headers.authorization = `Bearer ${x.token}`;
    if (x.contentType) headers['content-type'] = x.contentType;
    const label = `${x.method} ${x.path.slice(0, 120)} [token: ${x.auth}] ${x.what}; body: ${(x.body ?? '').slice(0, 160)}`;
    sent++;
    try {
      const res = await fetch(server.url + x.path, { method: x.method, headers, body: x.body, signal: AbortSignal.timeout(20_000) });
      const text = await res.text();
      const problem = shapeProblem(surfaceOf(x.path), res.status, parseJson(text));
      if (problem) failures.push(`${label}\n    → ${res.status} ${problem}: ${text.slice(0, 240)}`);
    } catch (err) {
      failures.push(`${label}\n    → no answer: ${(err as Error).message}`);
    }
  }

  async function runAll(attempts: Attempt[]) {
    let next = 0;
    const worker = async () => {
      while (next < attempts.length) await send(attempts[next++]);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }

  const report = () => `${failures.length} of ${sent} requests failed (FUZZ_SEED=${SEED}):\n${failures.slice(0, 40).join('\n')}`;

  it('answers every operation’s hostile requests without a 5xx, in its surface’s shape', async (t) => {
    const random = seededRandom(SEED);
    assert.ok(operations.length > 50, `the OpenAPI document lists the routes (${operations.length})`);
    // Deletes run last, so the other operations still find the resources.
    const ordered = [...operations.filter((op) => op.method !== 'DELETE'), ...operations.filter((op) => op.method === 'DELETE')];
    const attempts = ordered.flatMap((op) => attemptsFor(op, random));
    const deletesFrom = attempts.findIndex((x) => x.method === 'DELETE');
    await runAll(attempts.slice(0, deletesFrom));
    await runAll(attempts.slice(deletesFrom));
    t.diagnostic(`${sent} requests over ${operations.length} operations, seed ${SEED}`);
    assert.equal(failures.length, 0, report());
  });

  it('answers raw bytes 0x80-0xFF in any route’s path in its surface’s shape', async () => {
    const random = seededRandom(SEED + 1);
    const local: string[] = [];
    for (let byte = 0x80; byte <= 0xff; byte += 3) {
      const op = random.pick(operations);
      const path = fill(op, (n) => realId(op.path, n, a));
      const cut = 1 + Math.floor(random.next() * (path.length - 1));
      const bytes = Buffer.concat([Buffer.from(path.slice(0, cut)), Buffer.from([byte]), Buffer.from(path.slice(cut))]);
      const res = await rawRequest(server.url, rawGet(bytes, `Authorization: Bearer ${a.user.token}\r\n`));
      // The byte is part of the path: it may move the path out of its route's surface (`/api\xff/chat` is no seed 003 path).
      const sentPath = `${path.slice(0, cut)}${String.fromCharCode(byte)}${path.slice(cut)}`;
      const problem = res.status === 0 ? 'no answer' : shapeProblem(surfaceOf(sentPath), res.status, parseJson(res.text));
      if (problem) local.push(`GET ${path.slice(0, cut)}<0x${byte.toString(16)}>${path.slice(cut)} → ${res.status} ${problem}: ${res.text.slice(0, 200)}`);
    }
    assert.deepEqual(local, []);
  });
});
