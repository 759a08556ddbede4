import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomEmail } from '../support/factories.ts';
import { client, type Client, type HttpResult } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** A FastAPI-style 422 with one error on the password, of the given type. */
function assertPasswordRefused(res: HttpResult, type: string, msg: RegExp) {
  assert.equal(res.status, 422, res.text);
  assert.deepEqual(Object.keys(res.body), ['detail']);
  assert.ok(Array.isArray(res.body.detail), res.text);
  assert.equal(res.body.detail.length, 1);
  const [error] = res.body.detail;
  assert.deepEqual(error.loc, ['body', 'password']);
  assert.equal(error.type, type);
  assert.match(error.msg, msg);
}

describe('password policy on registration', () => {
  let server: TestServer;
  let api: Client;

  before(async () => {
    server = await startTestServer();
    api = client(server.url);
  });
  after(() => server.close());

  const register = (email: string, password: string) => api.post('/api/v1/auth/register', { email, password });

  it('refuses a password shorter than 8 characters', async () => {
    assertPasswordRefused(await register(randomEmail(), 'seven77'), 'string_too_short', /8/);
  });

  it('refuses common passwords, whatever their case', async () => {
    for (const password of ['password', 'iloveyou', 'Password1', 'QWERTYUIOP', 'sunshine', 'football']) {
      const res = await register(randomEmail(), password);
      assertPasswordRefused(res, 'password_too_common', /most commonly used passwords/);
    }
  });

  it('refuses the email itself, or the part before its @, whatever their case', async () => {
    const email = randomEmail();
    const localPart = email.split('@')[0];
    for (const password of [email, email.toUpperCase(), localPart, localPart.toUpperCase()]) {
      assertPasswordRefused(await register(email, password), 'password_is_email', /email address/);
    }
  });

  it('accepts a good password, after refusals that created nothing', async () => {
    const email = randomEmail();
    assert.equal((await register(email, 'password')).status, 422);
    const res = await register(email, 'plum tractor evening');
    assert.equal(res.status, 201, res.text);
    const login = await api.post('/api/v1/auth/login', { email, password: 'plum tractor evening' });
    assert.equal(login.status, 200);
    // Passwords that merely contain a common word or the email's name are fine.
    assert.equal((await register(randomEmail(), 'password plus more')).status, 201);
    const other = randomEmail();
    assert.equal((await register(other, `${other.split('@')[0]}!x`)).status, 201);
  });
});
