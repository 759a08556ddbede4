import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';
import type { Client, HttpResult } from '../../support/http.ts';
import { openSocket, type TestSocket } from '../../support/ws.ts';

/** A second login of the same user: its own refresh-token family and access token. */
async function login(api: Client, email: string, password: string) {
  const res = await api.post('/api/v1/auth/login', { email, password });
  assert.equal(res.status, 200, res.text);
  return { token: res.body.access_token as string, refreshToken: res.body.refresh_token as string };
}

async function apiKey(api: Client, user: TestUser) {
  const res = await api.post('/api/v1/auth/api-keys', { name: 'settings' }, { token: user.token });
  assert.equal(res.status, 201, res.text);
  return res.body.key as string;
}

function assertFieldRefused(res: HttpResult, field: string, type?: string) {
  assert.equal(res.status, 422, res.text);
  assert.ok(Array.isArray(res.body.detail), res.text);
  const error = res.body.detail.find((e: any) => e.loc?.[1] === field);
  assert.ok(error, `an error on ${field}: ${res.text}`);
  if (type) assert.equal(error.type, type);
}

/** The socket is open and served: it answers a ping. */
async function stillServed(socket: TestSocket) {
  const pongs = socket.frames.filter((f) => f.type === 'pong').length;
  socket.send({ type: 'ping' });
  await socket.waitFor((f) => f.type === 'pong', { skip: pongs });
}

describe('PATCH /api/v1/auth/me: the display name', () => {
  const fx = useTestServer();
  const me = (token: string) => fx.api.get('/api/v1/auth/me', { token });

  it('sets the name, trimmed, answers the user, and clears it with null', async () => {
    const user = await registerUser(fx.api);
    const set = await fx.api.patch('/api/v1/auth/me', { display_name: '  Ada Lovelace ' }, { token: user.token });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(Object.keys(set.body).sort(), ['created_at', 'display_name', 'email', 'id', 'is_active', 'monthly_budget_usd', 'role', 'tier']);
    assert.equal(set.body.id, user.id);
    assert.equal(set.body.display_name, 'Ada Lovelace');
    assert.equal((await me(user.token)).body.display_name, 'Ada Lovelace');

    const longest = 'é'.repeat(100);
    assert.equal((await fx.api.patch('/api/v1/auth/me', { display_name: longest }, { token: user.token })).body.display_name, longest);

    const cleared = await fx.api.patch('/api/v1/auth/me', { display_name: null }, { token: user.token });
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(cleared.body.display_name, null);
    assert.equal((await me(user.token)).body.display_name, null);
  });

  it('changes only the caller, and works with an API key', async () => {
    const user = await registerUser(fx.api);
    const other = await registerUser(fx.api);
    const key = await apiKey(fx.api, user);
    const res = await fx.api.patch('/api/v1/auth/me', { display_name: 'Keyed' }, { token: key });
    assert.equal(res.status, 200, res.text);
    assert.equal((await me(user.token)).body.display_name, 'Keyed');
    assert.equal((await me(other.token)).body.display_name, null);
  });

  it('refuses missing credentials with 401 and bad names with 422, changing nothing', async () => {
    const user = await registerUser(fx.api);
    await fx.api.patch('/api/v1/auth/me', { display_name: 'Kept' }, { token: user.token });
    const none = await fx.api.patch('/api/v1/auth/me', { display_name: 'x' });
    assert.equal(none.status, 401);
    assert.equal(none.body.detail, 'Not authenticated');
    assert.equal((await fx.api.patch('/api/v1/auth/me', { display_name: 'x' }, { token: 'garbage' })).status, 401);

    for (const body of [{}, { display_name: '' }, { display_name: '   ' }, { display_name: 'x'.repeat(101) }, { display_name: 7 }]) {
      assertFieldRefused(await fx.api.patch('/api/v1/auth/me', body, { token: user.token }), 'display_name');
    }
    const notJson = await fx.api.request('PATCH', '/api/v1/auth/me', {
      token: user.token,
      raw: '{"display_name":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(notJson.status, 422);
    assert.equal((await me(user.token)).body.display_name, 'Kept');
  });
});

describe('POST /api/v1/auth/password', () => {
  const fx = useTestServer();
  const me = (token: string) => fx.api.get('/api/v1/auth/me', { token });
  const change = (token: string, body: unknown) => fx.api.post('/api/v1/auth/password', body, { token });

  it('changes the password and ends every other login; the caller’s own login and API keys go on', async () => {
    const user = await registerUser(fx.api);
    const other = await login(fx.api, user.email, user.password);
    const key = await apiKey(fx.api, user);
    const conversation = await createConversation(fx.api, user.token, { title: 'sockets' });
    const mine = await openSocket(fx.server.url, conversation, { token: user.token });
    const theirs = await openSocket(fx.server.url, conversation, { token: other.token });
    const bystander = await registerUser(fx.api);

    const res = await change(user.token, { current_password: user.password, new_password: 'a brand new passphrase' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { message: 'Password changed' });

    // The other login: access token refused, refresh token refused, socket closed.
    assert.equal((await me(other.token)).status, 401);
    assert.equal((await fx.api.post('/api/v1/auth/refresh', { refresh_token: other.refreshToken })).status, 401);
    assert.deepEqual(await theirs.closed, { code: 4401, reason: 'Session has ended; please log in again' });
    // The caller's own login: all of it still works.
    assert.equal((await me(user.token)).status, 200);
    await stillServed(mine);
    const rotated = await fx.api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal((await me(rotated.body.access_token)).status, 200);
    assert.equal((await fx.api.get('/api/v1/conversations', { token: key })).status, 200);
    assert.equal((await me(bystander.token)).status, 200);

    assert.equal((await fx.api.post('/api/v1/auth/login', { email: user.email, password: user.password })).status, 401);
    assert.equal((await me((await login(fx.api, user.email, 'a brand new passphrase')).token)).status, 200);
    await mine.close();
  });

  it('refuses a wrong current password with 403, changing nothing and ending nothing', async () => {
    const user = await registerUser(fx.api);
    const other = await login(fx.api, user.email, user.password);
    const res = await change(user.token, { current_password: `${user.password}-not`, new_password: 'a brand new passphrase' });
    assert.equal(res.status, 403, res.text);
    assert.deepEqual(res.body, { detail: 'Current password is incorrect' });
    assert.equal((await me(other.token)).status, 200);
    await login(fx.api, user.email, user.password);
    assert.equal((await fx.api.post('/api/v1/auth/login', { email: user.email, password: 'a brand new passphrase' })).status, 401);
  });

  it('refuses a new password the policy refuses with 422 naming the rule, changing nothing', async () => {
    const user = await registerUser(fx.api);
    const other = await login(fx.api, user.email, user.password);
    const cases: [string, string][] = [
      ['password', 'password_too_common'],
      ['Sunshine', 'password_too_common'],
      [user.email, 'password_is_email'],
      [user.email.split('@')[0].toUpperCase(), 'password_is_email'],
      ['seven77', 'string_too_short'],
    ];
    for (const [newPassword, rule] of cases) {
      const res = await change(user.token, { current_password: user.password, new_password: newPassword });
      assertFieldRefused(res, 'new_password', rule);
    }
    assert.equal((await me(other.token)).status, 200);
    await login(fx.api, user.email, user.password);
  });

  it('refuses bad bodies with 422, missing credentials with 401 and API keys with 403', async () => {
    const user = await registerUser(fx.api);
    const good = { current_password: user.password, new_password: 'a brand new passphrase' };
    const none = await fx.api.post('/api/v1/auth/password', good);
    assert.equal(none.status, 401);
    assert.equal(none.body.detail, 'Not authenticated');
    assert.equal((await change('garbage', good)).status, 401);

    const bad: [unknown, string][] = [
      [{ new_password: good.new_password }, 'current_password'],
      [{ current_password: user.password }, 'new_password'],
      [{ current_password: '', new_password: good.new_password }, 'current_password'],
      [{ current_password: user.password, new_password: 'x'.repeat(257) }, 'new_password'],
      [{ current_password: 12345678, new_password: good.new_password }, 'current_password'],
    ];
    for (const [body, field] of bad) assertFieldRefused(await change(user.token, body), field);

    const key = await apiKey(fx.api, user);
    const byKey = await change(key, good);
    assert.equal(byKey.status, 403, byKey.text);
    assert.match(byKey.body.detail, /API key/);
    // Still the old password.
    await login(fx.api, user.email, user.password);
  });
});

describe('POST /api/v1/auth/password counts wrong current passwords as failed logins', () => {
  const fx = useTestServer({ env: { THROTTLE_LOGIN_FAILURES: '2' }, user: false });

  it('after the allowance, the change and the login are both refused with 429, the right password included', async () => {
    const user = await registerUser(fx.api);
    const wrong = { current_password: 'not the password', new_password: 'a brand new passphrase' };
    for (let i = 0; i < 2; i++) assert.equal((await fx.api.post('/api/v1/auth/password', wrong, { token: user.token })).status, 403);

    const right = { current_password: user.password, new_password: 'a brand new passphrase' };
    const refused = await fx.api.post('/api/v1/auth/password', right, { token: user.token });
    assert.equal(refused.status, 429, refused.text);
    assert.match(refused.body.detail, /Too many failed login attempts/);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const loginRefused = await fx.api.post('/api/v1/auth/login', { email: user.email, password: user.password });
    assert.equal(loginRefused.status, 429);
    // Nothing changed: the session still works.
    assert.equal((await fx.api.get('/api/v1/auth/me', { token: user.token })).status, 200);
  });
});
