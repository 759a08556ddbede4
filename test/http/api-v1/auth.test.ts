import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { registerUser, randomEmail } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

describe('seed 000 auth', () => {
  let server: TestServer;
  let api: Client;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
  });
  after(() => server.close());

  it('makes the first account admin and later ones users', async () => {
    const first = await registerUser(api);
    const second = await registerUser(api);
    assert.equal(first.role, 'admin');
    assert.equal(second.role, 'user');
  });

  it('registers, logs in case-insensitively, and answers me', async () => {
    const email = randomEmail();
    const reg = await api.post('/api/v1/auth/register', { email: email.toUpperCase(), password: 'correct horse', display_name: 'Ann' });
    assert.equal(reg.status, 201);
    assert.deepEqual(Object.keys(reg.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
    assert.equal(reg.body.token_type, 'bearer');
    assert.equal(reg.body.user.email, email);
    assert.equal(reg.body.user.display_name, 'Ann');
    assert.ok(reg.body.expires_in > 0);

    const login = await api.post('/api/v1/auth/login', { email: email.toUpperCase(), password: 'correct horse' });
    assert.equal(login.status, 200);
    assert.deepEqual(Object.keys(login.body).sort(), Object.keys(reg.body).sort());
    const me = await api.get('/api/v1/auth/me', { token: login.body.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, reg.body.user.id);
  });

  it('refuses a duplicate email, whatever its case', async () => {
    const user = await registerUser(api);
    const dup = await api.post('/api/v1/auth/register', { email: user.email.toUpperCase(), password: 'another password' });
    assert.equal(dup.status, 409);
    assert.match(dup.body.detail, /already registered/);
  });

  it('refuses a wrong password and an unknown email with the same 401', async () => {
    const user = await registerUser(api);
    const wrong = await api.post('/api/v1/auth/login', { email: user.email, password: 'nope-nope' });
    const unknown = await api.post('/api/v1/auth/login', { email: randomEmail(), password: 'nope-nope' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
  });

  it('answers 422 in FastAPI form for bad registration input', async () => {
    const cases = [
      { email: 'not-an-email', password: 'long enough' },
      { email: randomEmail(), password: 'short' },
      { email: randomEmail() },
      { email: 42, password: 'long enough' },
    ];
    for (const body of cases) {
      const res = await api.post('/api/v1/auth/register', body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(Array.isArray(res.body.detail));
      assert.equal(res.body.detail[0].loc[0], 'body');
      assert.equal(typeof res.body.detail[0].msg, 'string');
    }
    const invalidJson = await api.request('POST', '/api/v1/auth/register', {
      raw: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(invalidJson.status, 422);
    assert.equal(invalidJson.body.detail[0].type, 'json_invalid');
  });

  it('rotates refresh tokens and revokes the family when one is reused', async () => {
    const user = await registerUser(api);
    const first = await api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
    assert.equal(first.status, 200);
    assert.notEqual(first.body.refresh_token, user.refreshToken);

    const reused = await api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
    assert.equal(reused.status, 401);
    // The reuse revoked the whole family, including the token issued by the rotation.
    const next = await api.post('/api/v1/auth/refresh', { refresh_token: first.body.refresh_token });
    assert.equal(next.status, 401);
    const garbage = await api.post('/api/v1/auth/refresh', { refresh_token: 'garbage' });
    assert.equal(garbage.status, 401);
  });

  it('logout revokes the refresh token', async () => {
    const user = await registerUser(api);
    const out = await api.post('/api/v1/auth/logout', { refresh_token: user.refreshToken }, { token: user.token });
    assert.equal(out.status, 200);
    const refresh = await api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
    assert.equal(refresh.status, 401);
    const noToken = await api.post('/api/v1/auth/logout', {});
    assert.equal(noToken.status, 401);
  });

  it('refuses missing, malformed, expired and foreign-signed tokens', async () => {
    const user = await registerUser(api);
    const none = await api.get('/api/v1/auth/me');
    assert.equal(none.status, 401);
    assert.equal(none.body.detail, 'Not authenticated');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');

    const malformed = await api.get('/api/v1/auth/me', { token: 'not.a.jwt' });
    assert.equal(malformed.status, 401);
    const badScheme = await api.get('/api/v1/auth/me', { headers: { authorization: `Basic ${user.token}` } });
    assert.equal(badScheme.status, 401);

    const foreign = await new SignJWT({ typ: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('some-other-secret-entirely-000000'));
    assert.equal((await api.get('/api/v1/auth/me', { token: foreign })).status, 401);

    const expired = await expiredTokenFor(server, user.id);
    const res = await api.get('/api/v1/auth/me', { token: expired });
    assert.equal(res.status, 401);
    assert.match(res.body.detail, /expired/);
  });

  it('creates, uses, lists and revokes API keys', async () => {
    const user = await registerUser(api);
    const created = await api.post('/api/v1/auth/api-keys', { name: 'ci' }, { token: user.token });
    assert.equal(created.status, 201);
    assert.match(created.body.key, /^pk_/);
    const me = await api.get('/api/v1/auth/me', { token: created.body.key });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, user.id);

    const list = await api.get('/api/v1/auth/api-keys', { token: user.token });
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 1);
    assert.equal(list.body[0].key, undefined, 'the key itself is never listed');

    const other = await registerUser(api);
    const foreign = await api.delete(`/api/v1/auth/api-keys/${created.body.id}`, { token: other.token });
    assert.equal(foreign.status, 403);
    const missing = await api.delete('/api/v1/auth/api-keys/00000000-0000-7000-8000-000000000000', { token: user.token });
    assert.equal(missing.status, 404);
    const badId = await api.delete('/api/v1/auth/api-keys/nope', { token: user.token });
    assert.equal(badId.status, 422);

    const revoked = await api.delete(`/api/v1/auth/api-keys/${created.body.id}`, { token: user.token });
    assert.equal(revoked.status, 204);
    assert.equal((await api.get('/api/v1/auth/me', { token: created.body.key })).status, 401);
  });
});

describe('seed 000 auth with registration closed', () => {
  it('refuses sign-up when ALLOW_REGISTRATION=false', async () => {
    const server = await startTestServer({ env: { ALLOW_REGISTRATION: 'false' } });
    try {
      const res = await client(server.url).post('/api/v1/auth/register', { email: randomEmail(), password: 'long enough' });
      assert.equal(res.status, 403);
      assert.equal(res.body.detail, 'Registration is closed');
    } finally {
      await server.close();
    }
  });
});

/** A token signed with the server's own secret whose expiry has passed. */
async function expiredTokenFor(server: TestServer, userId: string): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const secret = server.env.JWT_SECRET ?? readFileSync(`${server.dataDir}/jwt-secret`, 'utf8').trim();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ typ: 'access' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(secret));
}
