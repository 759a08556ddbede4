import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, randomEmail, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

const NUL = '\u0000';

describe('seed 000 inputs the database or the router cannot take', () => {
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    user = await registerUser(api);
  });
  after(() => server.close());

  it('answers text with a NUL character with a 400 on every route that stores or looks it up', async () => {
    const id = await createConversation(api, user.token);
    const cases: Array<[string, string, unknown, string?]> = [
      ['POST', '/api/v1/auth/register', { email: randomEmail(), password: 'long enough', display_name: `A${NUL}B` }],
      ['POST', '/api/v1/auth/login', { email: `x${NUL}@example.test`, password: 'long enough' }],
      ['POST', '/api/v1/auth/api-keys', { name: `key${NUL}` }, user.token],
      ['POST', '/api/v1/conversations', { title: `t${NUL}` }, user.token],
      ['POST', '/api/v1/conversations', { system_prompt: `be${NUL}brief` }, user.token],
      ['PUT', `/api/v1/conversations/${id}`, { title: `t${NUL}` }, user.token],
      ['POST', `/api/v1/conversations/${id}/messages`, { content: `hello${NUL}world` }, user.token],
    ];
    for (const [method, path, body, token] of cases) {
      const res = await api.request(method, path, { body, token });
      assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
      assert.match(res.body.detail, /NUL/);
    }
    // The refused turn left nothing behind: no message, and no reply held as in flight.
    const sent = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'hello world' }, { token: user.token });
    assert.equal(sent.status, 200, sent.text);
    const messages = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.deepEqual(
      messages.body.map((m: any) => m.content),
      ['hello world', 'Echo: hello world'],
    );
  });

  it('answers a path with malformed percent-encoding with a 400 detail', async () => {
    const res = await api.get('/api/v1/conversations/%ZZ', { token: user.token });
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.body), ['detail']);
    assert.match(res.body.detail, /not a valid url/);
    // The router's errors take the shape of the surface the path belongs to.
    const openai = await api.get('/v1/models/%ZZ', { token: user.token });
    assert.equal(openai.status, 400);
    assert.equal(openai.body.error.type, 'invalid_request_error');
  });

  it('validates a long path id like any other (422), and answers an overlong one with a 414 detail', async () => {
    const long = await api.get(`/api/v1/conversations/${'x'.repeat(150)}`, { token: user.token });
    assert.equal(long.status, 422, long.text);
    assert.deepEqual(long.body.detail[0].loc, ['path', 'id']);
    const overlong = await api.get(`/api/v1/conversations/${'x'.repeat(300)}`, { token: user.token });
    assert.equal(overlong.status, 414, overlong.text);
    assert.deepEqual(Object.keys(overlong.body), ['detail']);
  });

  it('takes usage ranges up to the calendar’s last day and refuses year 0', async () => {
    const far = await api.get('/api/v1/tokens/usage?start_date=2024-01-01&end_date=9999-12-31', { token: user.token });
    assert.equal(far.status, 200, far.text);
    assert.equal(far.body.end_date, '9999-12-31');
    const early = await api.get('/api/v1/tokens/usage?end_date=0001-01-05', { token: user.token });
    assert.equal(early.status, 200, early.text);
    assert.equal(early.body.start_date, '0001-01-01', 'the default 30-day window stops at the first day');
    const zero = await api.get('/api/v1/tokens/usage?start_date=0000-01-01&end_date=2024-01-01', { token: user.token });
    assert.equal(zero.status, 422, zero.text);
    assert.deepEqual(zero.body.detail[0].loc, ['query', 'start_date']);
  });

  it('logs out with no body at all, revoking every refresh token of the caller', async () => {
    const someone = await registerUser(api);
    const second = await api.post('/api/v1/auth/login', { email: someone.email, password: someone.password });
    assert.equal(second.status, 200);
    const out = await api.request('POST', '/api/v1/auth/logout', { token: someone.token });
    assert.equal(out.status, 200, out.text);
    assert.deepEqual(out.body, { message: 'Logged out' });
    for (const refreshToken of [someone.refreshToken, second.body.refresh_token]) {
      assert.equal((await api.post('/api/v1/auth/refresh', { refresh_token: refreshToken })).status, 401);
    }
  });
});
