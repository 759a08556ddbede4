import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';

describe('API key rules', () => {
  // Its user is the first to register: the admin.
  const fx = useTestServer();

  const createKey = (token: string, body: Record<string, unknown>) => fx.api.post('/api/v1/auth/api-keys', body, { token });
  const me = (token: string) => fx.api.get('/api/v1/auth/me', { token });

  async function keyOf(user: TestUser, body: Record<string, unknown> = { name: 'key' }) {
    const res = await createKey(user.token, body);
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  it('an API key cannot create API keys; the signed-in user can', async () => {
    const user = await registerUser(fx.api);
    const key = await keyOf(user);
    const refused = await createKey(key.key, { name: 'minted by a key' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.detail, 'API keys can only be created by a signed-in user, not with an API key');
    // The key still works for everything else, listing keys included, and nothing was created.
    assert.equal((await me(key.key)).status, 200);
    const listed = await fx.api.get('/api/v1/auth/api-keys', { token: key.key });
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.map((k: any) => k.id),
      [key.id],
    );
  });

  it('a key created without expiry shows expires_at null and keeps working', async () => {
    const user = await registerUser(fx.api);
    const key = await keyOf(user);
    assert.equal(key.expires_at, null);
    assert.equal((await me(key.key)).status, 200);
  });

  it('a key with expires_at shows it in the creation answer and the listing, and works until then', async () => {
    const user = await registerUser(fx.api);
    const expiresAt = new Date(Date.now() + 7 * 86_400_000);
    const key = await keyOf(user, { name: 'weekly', expires_at: expiresAt.toISOString() });
    assert.equal(key.expires_at, expiresAt.toISOString());
    const listed = await fx.api.get('/api/v1/auth/api-keys', { token: user.token });
    assert.equal(listed.body[0].expires_at, expiresAt.toISOString());
    assert.equal((await me(key.key)).status, 200);
    // An offset is accepted and normalized to UTC.
    const withOffset = await keyOf(user, { name: 'offset', expires_at: '2999-01-01T09:00:00+09:00' });
    assert.equal(withOffset.expires_at, '2999-01-01T00:00:00.000Z');
  });

  it('refuses an expiry in the past or that is not a date-time, with 422', async () => {
    const user = await registerUser(fx.api);
    for (const expires_at of [new Date(Date.now() - 60_000).toISOString(), 'tomorrow', '2999-01-01', 30]) {
      const res = await createKey(user.token, { name: 'bad', expires_at });
      assert.equal(res.status, 422, `${expires_at}: ${res.text}`);
      assert.deepEqual(res.body.detail[0].loc, ['body', 'expires_at']);
    }
    const listed = await fx.api.get('/api/v1/auth/api-keys', { token: user.token });
    assert.deepEqual(listed.body, []);
  });

  it('an expired key is refused with 401 `API key has expired` on every surface', async () => {
    const user = await registerUser(fx.api);
    const key = await keyOf(user, { name: 'short', expires_at: new Date(Date.now() + 1500).toISOString() });
    assert.equal((await me(key.key)).status, 200);
    // Wait until the expiry has passed (the server compares with its own clock).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(key.expires_at) - Date.now()) + 50));
    const refused = await me(key.key);
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, { detail: 'API key has expired' });
    const seed003 = await fx.api.post('/api/chat/session', {}, { token: key.key });
    assert.equal(seed003.status, 401);
    assert.equal(seed003.body.message, 'API key has expired');
    const openai = await fx.api.post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: 'hi' }] }, { token: key.key });
    assert.equal(openai.status, 401);
    assert.equal(openai.body.error.message, 'API key has expired');
    // The expired key is still listed, so its owner sees why it stopped.
    const listed = await fx.api.get('/api/v1/auth/api-keys', { token: user.token });
    assert.equal(listed.body[0].id, key.id);
  });

  it('a revoked key is refused with 401 at once', async () => {
    const user = await registerUser(fx.api);
    const key = await keyOf(user);
    assert.equal((await me(key.key)).status, 200);
    assert.equal((await fx.api.delete(`/api/v1/auth/api-keys/${key.id}`, { token: user.token })).status, 204);
    const refused = await me(key.key);
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, { detail: 'Invalid API key' });
    assert.deepEqual((await fx.api.get('/api/v1/auth/api-keys', { token: user.token })).body, []);
  });

  it('a key of a disabled account is refused; enabling the account brings the key back', async () => {
    const user = await registerUser(fx.api);
    const key = await keyOf(user);
    assert.equal((await fx.api.patch(`/api/v1/admin/users/${user.id}`, { active: false }, { token: fx.user.token })).status, 200);
    assert.equal((await me(key.key)).status, 401);
    assert.equal((await fx.api.patch(`/api/v1/admin/users/${user.id}`, { active: true }, { token: fx.user.token })).status, 200);
    assert.equal((await me(key.key)).status, 200);
  });
});
