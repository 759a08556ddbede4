import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('admin: PATCH /api/v1/admin/users/{id}', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;

  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    admin = await registerUser(api);
    assert.equal(admin.role, 'admin');
  });
  after(() => server.close());

  const patch = (id: string, body: unknown, token = admin.token) => api.patch(`/api/v1/admin/users/${id}`, body, { token });

  it('changes a user’s tier and answers the user', async () => {
    const user = await registerUser(api);
    const res = await patch(user.id, { tier: 'enterprise' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, user.id);
    assert.equal(res.body.email, user.email);
    assert.equal(res.body.tier, 'enterprise');
    assert.equal(res.body.role, 'user');
    assert.equal(res.body.is_active, true);
    const me = await api.get('/api/v1/auth/me', { token: user.token });
    assert.equal(me.body.tier, 'enterprise');
  });

  it('promotes a user to admin', async () => {
    const user = await registerUser(api);
    const res = await patch(user.id, { role: 'admin' });
    assert.equal(res.status, 200);
    assert.equal(res.body.role, 'admin');
    const other = await registerUser(api);
    // The new admin's token works as an admin's at once.
    assert.equal((await patch(other.id, { tier: 'pro' }, user.token)).status, 200);
  });

  it('deactivates a user, whose credentials stop working at once, and reactivates them', async () => {
    const user = await registerUser(api);
    const off = await patch(user.id, { active: false });
    assert.equal(off.status, 200);
    assert.equal(off.body.is_active, false);
    assert.equal((await api.get('/api/v1/auth/me', { token: user.token })).status, 401);
    const login = await api.post('/api/v1/auth/login', { email: user.email, password: user.password });
    assert.equal(login.status, 403);

    const on = await patch(user.id, { active: true });
    assert.equal(on.body.is_active, true);
    // Disabling ended the user's logins for good; signing in again works.
    assert.equal((await api.get('/api/v1/auth/me', { token: user.token })).status, 401);
    const again = await api.post('/api/v1/auth/login', { email: user.email, password: user.password });
    assert.equal(again.status, 200);
    assert.equal((await api.get('/api/v1/auth/me', { token: again.body.access_token })).status, 200);
  });

  it('refuses a user with 403, changing nothing', async () => {
    const user = await registerUser(api);
    const victim = await registerUser(api);
    for (const [id, body] of [
      [user.id, { role: 'admin' }],
      [user.id, { tier: 'enterprise' }],
      [victim.id, { active: false }],
    ] as const) {
      const res = await patch(id, body, user.token);
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { detail: 'Access denied' });
    }
    const me = await api.get('/api/v1/auth/me', { token: user.token });
    assert.equal(me.body.role, 'user');
    assert.equal(me.body.tier, 'free');
    assert.equal((await api.get('/api/v1/auth/me', { token: victim.token })).status, 200);
  });

  it('refuses anonymous callers with 401', async () => {
    const user = await registerUser(api);
    const res = await api.patch(`/api/v1/admin/users/${user.id}`, { tier: 'pro' });
    assert.equal(res.status, 401);
  });

  it('answers 404 for an unknown user and 422 for bad input', async () => {
    assert.equal((await patch(randomUUID(), { tier: 'pro' })).status, 404);
    const user = await registerUser(api);
    for (const [id, body] of [
      ['not-a-uuid', { tier: 'pro' }],
      [user.id, {}],
      [user.id, { tier: 'gold' }],
      [user.id, { role: 'owner' }],
      [user.id, { active: 'yes' }],
    ] as const) {
      const res = await patch(id, body);
      assert.equal(res.status, 422, JSON.stringify({ id, body }));
      assert.ok(Array.isArray(res.body.detail));
    }
  });

  it('does not let an admin demote or deactivate themselves', async () => {
    for (const body of [{ role: 'user' }, { active: false }]) {
      const res = await patch(admin.id, body);
      assert.equal(res.status, 400);
      assert.match(res.body.detail, /own/);
    }
    const me = await api.get('/api/v1/auth/me', { token: admin.token });
    assert.equal(me.body.role, 'admin');
    assert.equal((await patch(admin.id, { tier: 'pro' })).body.tier, 'pro');
  });
});
