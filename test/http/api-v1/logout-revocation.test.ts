import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';
import type { Client } from '../../support/http.ts';

/** A second login of the same user: its own refresh-token family and access token. */
async function login(api: Client, user: TestUser) {
  const res = await api.post('/api/v1/auth/login', { email: user.email, password: user.password });
  assert.equal(res.status, 200, res.text);
  return { token: res.body.access_token as string, refreshToken: res.body.refresh_token as string };
}

describe('access tokens stop working when their login ends', () => {
  // Its user is the first to register: the admin.
  const fx = useTestServer();

  const me = (token: string) => fx.api.get('/api/v1/auth/me', { token });

  it('logout with a refresh token ends that login at once and leaves the user’s other logins working', async () => {
    const user = await registerUser(fx.api);
    const other = await login(fx.api, user);
    assert.equal((await me(user.token)).status, 200);

    const out = await fx.api.post('/api/v1/auth/logout', { refresh_token: user.refreshToken }, { token: user.token });
    assert.equal(out.status, 200, out.text);

    const refused = await me(user.token);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.detail, 'Session has ended; please log in again');
    assert.equal((await fx.api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken })).status, 401);
    // The other login is untouched: its access token works and its refresh token rotates.
    assert.equal((await me(other.token)).status, 200);
    const rotated = await fx.api.post('/api/v1/auth/refresh', { refresh_token: other.refreshToken });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal((await me(rotated.body.access_token)).status, 200);
  });

  it('logout with another login’s refresh token ends both that login and the caller’s own', async () => {
    const user = await registerUser(fx.api);
    const second = await login(fx.api, user);
    const third = await login(fx.api, user);
    const out = await fx.api.post('/api/v1/auth/logout', { refresh_token: second.refreshToken }, { token: user.token });
    assert.equal(out.status, 200, out.text);
    assert.equal((await me(user.token)).status, 401);
    assert.equal((await me(second.token)).status, 401);
    assert.equal((await me(third.token)).status, 200);
  });

  it('logout without a refresh token ends every login of the user, and no one else’s', async () => {
    const user = await registerUser(fx.api);
    const second = await login(fx.api, user);
    const bystander = await registerUser(fx.api);
    const out = await fx.api.post('/api/v1/auth/logout', undefined, { token: second.token });
    assert.equal(out.status, 200, out.text);
    assert.equal((await me(user.token)).status, 401);
    assert.equal((await me(second.token)).status, 401);
    assert.equal((await fx.api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken })).status, 401);
    assert.equal((await me(bystander.token)).status, 200);
    // Signing in again opens a new login that works.
    assert.equal((await me((await login(fx.api, user)).token)).status, 200);
  });

  it('a refresh token used twice ends its login: the access tokens it issued are refused too', async () => {
    const user = await registerUser(fx.api);
    const other = await login(fx.api, user);
    const rotated = await fx.api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
    assert.equal(rotated.status, 200, rotated.text);
    const fresh = rotated.body.access_token as string;
    assert.equal((await me(fresh)).status, 200);

    const reused = await fx.api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
    assert.equal(reused.status, 401);
    // Both the original access token and the one issued by the rotation belong to the revoked login.
    assert.equal((await me(user.token)).status, 401);
    assert.equal((await me(fresh)).status, 401);
    assert.equal((await fx.api.post('/api/v1/auth/refresh', { refresh_token: rotated.body.refresh_token })).status, 401);
    assert.equal((await me(other.token)).status, 200);
  });

  it('disabling an account refuses its access tokens at once; enabling it again needs a new login', async () => {
    const user = await registerUser(fx.api);
    const second = await login(fx.api, user);
    const disabled = await fx.api.patch(`/api/v1/admin/users/${user.id}`, { active: false }, { token: fx.user.token });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal((await me(user.token)).status, 401);
    assert.equal((await me(second.token)).status, 401);
    assert.equal((await fx.api.post('/api/v1/auth/refresh', { refresh_token: second.refreshToken })).status, 401);
    assert.equal((await fx.api.post('/api/v1/auth/login', { email: user.email, password: user.password })).status, 403);

    const enabled = await fx.api.patch(`/api/v1/admin/users/${user.id}`, { active: true }, { token: fx.user.token });
    assert.equal(enabled.status, 200, enabled.text);
    assert.equal((await me(user.token)).status, 401, 'the logins ended by disabling stay ended');
    assert.equal((await me((await login(fx.api, user)).token)).status, 200);
    // Changing only the tier signs nobody out.
    const fresh = await login(fx.api, user);
    assert.equal((await fx.api.patch(`/api/v1/admin/users/${user.id}`, { tier: 'pro' }, { token: fx.user.token })).status, 200);
    assert.equal((await me(fresh.token)).status, 200);
  });

  it('refuses a validly signed access token that names no login, or someone else’s login', async () => {
    const user = await registerUser(fx.api);
    const victim = await registerUser(fx.api);
    const secret = new TextEncoder().encode(fx.server.env.JWT_SECRET ?? readFileSync(`${fx.server.dataDir}/jwt-secret`, 'utf8').trim());
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ typ: 'access', ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject(user.id).setExpirationTime('10m').sign(secret);
    assert.equal((await me(await sign({}))).status, 401);
    const victimLogin = JSON.parse(Buffer.from(victim.token.split('.')[1], 'base64url').toString()).sid;
    assert.equal(typeof victimLogin, 'string');
    assert.equal((await me(await sign({ sid: victimLogin }))).status, 401);
    assert.equal((await me(await sign({ sid: '00000000-0000-7000-8000-000000000000' }))).status, 401);
    // The same claims with the user's own login are accepted, so the refusals above are about the login.
    const ownLogin = JSON.parse(Buffer.from(user.token.split('.')[1], 'base64url').toString()).sid;
    assert.equal((await me(await sign({ sid: ownLogin }))).status, 200);
  });

  it('keeps the {detail} shape for refusals on /api/v1 and the envelope on seed 003', async () => {
    const user = await registerUser(fx.api);
    assert.equal((await fx.api.post('/api/v1/auth/logout', undefined, { token: user.token })).status, 200);
    const v1 = await fx.api.get('/api/v1/conversations', { token: user.token });
    assert.equal(v1.status, 401);
    assert.deepEqual(v1.body, { detail: 'Session has ended; please log in again' });
    const seed003 = await fx.api.post('/api/chat/session', {}, { token: user.token });
    assert.equal(seed003.status, 401);
    assert.equal(seed003.body.code, 401);
    assert.equal(seed003.body.message, 'Session has ended; please log in again');
  });
});
