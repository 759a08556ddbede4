import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';

const USER_KEYS = ['created_at', 'display_name', 'email', 'id', 'is_active', 'last_active_at', 'monthly_budget_usd', 'role', 'tier'];

describe('admin: GET /api/v1/admin/users and a user’s usage', () => {
  // The first user registered is the admin.
  const fx = useTestServer();

  const list = (query: string, token = fx.user.token) => fx.api.get(`/api/v1/admin/users${query}`, { token });
  const named = async (displayName: string) => {
    const user = await registerUser(fx.api);
    const res = await fx.api.patch('/api/v1/auth/me', { display_name: displayName }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    return user;
  };
  const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((u) => u.id);
  const marker = () => `m${randomBytes(4).toString('hex')}`;

  it('pages users newest first, with the total, each as the user object with last_active_at', async () => {
    const tag = marker();
    const users: TestUser[] = [];
    for (let i = 0; i < 3; i++) users.push(await named(`${tag} number ${i}`));
    const newestFirst = users.map((u) => u.id).reverse();

    const all = await list(`?q=${tag}`);
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(Object.keys(all.body).sort(), ['items', 'limit', 'skip', 'total']);
    assert.deepEqual(ids(all), newestFirst);
    assert.equal(all.body.total, 3);
    assert.equal(all.body.skip, 0);
    assert.equal(all.body.limit, 20);
    const [item] = all.body.items;
    assert.deepEqual(Object.keys(item).sort(), USER_KEYS);
    assert.equal(item.display_name, `${tag} number 2`);
    assert.equal(item.role, 'user');
    assert.equal(item.is_active, true);

    const second = await list(`?q=${tag}&skip=1&limit=1`);
    assert.deepEqual(ids(second), [newestFirst[1]]);
    assert.equal(second.body.total, 3);
    assert.equal(second.body.skip, 1);
    assert.equal(second.body.limit, 1);
    const past = await list(`?q=${tag}&skip=5`);
    assert.deepEqual(past.body.items, []);
    assert.equal(past.body.total, 3);

    // Everyone, the admin included (the oldest account).
    const everyone = await list('?limit=100');
    assert.ok(everyone.body.total >= 4);
    assert.ok(ids(everyone).includes(fx.user.id));
  });

  it('matches q against the email or the display name, in any case, with LIKE wildcards taken literally', async () => {
    const tag = marker();
    const byName = await named(`Grace ${tag.toUpperCase()} Hopper`);
    const percent = await named(`${tag} 100% sure`);
    const underscore = await named(`${tag} snake_case`);

    assert.deepEqual(ids(await list(`?q=${tag}`)).sort(), [byName.id, percent.id, underscore.id].sort());
    assert.deepEqual(ids(await list(`?q=grace%20${tag}`)), [byName.id]);
    assert.deepEqual(ids(await list(`?q=${encodeURIComponent(byName.email.slice(5, 12).toUpperCase())}`)), [byName.id]);
    assert.deepEqual(ids(await list(`?q=${encodeURIComponent(`${tag} 100%`)}`)), [percent.id]);
    assert.deepEqual(ids(await list(`?q=${encodeURIComponent(`${tag} snake_`)}`)), [underscore.id]);
    // Without escaping, `_` would match any character and `%` anything.
    assert.deepEqual(ids(await list(`?q=${encodeURIComponent(`${tag} sn_ke`)}`)), []);
    assert.deepEqual(ids(await list(`?q=${encodeURIComponent(`${tag}%sure`)}`)), []);
    assert.deepEqual(ids(await list(`?q=${encodeURIComponent(`${tag} \\`)}`)), []);
    // Surrounding blanks are trimmed; an empty q filters nothing.
    assert.deepEqual(ids(await list(`?q=%20%20${tag}%20snake`)), [underscore.id]);
    assert.ok((await list('?q=')).body.total >= 4);
  });

  it('filters by role, tier and active', async () => {
    const tag = marker();
    const plain = await named(`${tag} plain`);
    const pro = await named(`${tag} pro`);
    const admin = await named(`${tag} admin`);
    const off = await named(`${tag} off`);
    const patch = (id: string, body: unknown) => fx.api.patch(`/api/v1/admin/users/${id}`, body, { token: fx.user.token });
    assert.equal((await patch(pro.id, { tier: 'pro' })).status, 200);
    assert.equal((await patch(admin.id, { role: 'admin' })).status, 200);
    assert.equal((await patch(off.id, { is_active: false })).status, 200);

    assert.deepEqual(ids(await list(`?q=${tag}&tier=pro`)), [pro.id]);
    assert.deepEqual(ids(await list(`?q=${tag}&role=admin`)), [admin.id]);
    assert.deepEqual(ids(await list(`?q=${tag}&active=false`)), [off.id]);
    assert.deepEqual(ids(await list(`?q=${tag}&active=1&tier=free&role=user`)), [plain.id]);
    const deactivated = (await list(`?q=${tag}&active=false`)).body.items[0];
    assert.equal(deactivated.is_active, false);
  });

  it('gives last_active_at as the newest sign-in or model call', async () => {
    const tag = marker();
    const user = await named(tag);
    const first = (await list(`?q=${tag}`)).body.items[0];
    assert.ok(first.last_active_at, 'registering signs in');
    assert.ok(Date.parse(first.last_active_at) >= Date.parse(first.created_at));

    await new Promise((r) => setTimeout(r, 20));
    const id = await createConversation(fx.api, user.token, { title: 't' });
    assert.equal((await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'hello' }, { token: user.token })).status, 200);
    const afterCall = (await list(`?q=${tag}`)).body.items[0];
    assert.ok(Date.parse(afterCall.last_active_at) > Date.parse(first.last_active_at), 'a model call is activity');

    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await fx.api.post('/api/v1/auth/login', { email: user.email, password: user.password })).status, 200);
    const afterLogin = (await list(`?q=${tag}`)).body.items[0];
    assert.ok(Date.parse(afterLogin.last_active_at) > Date.parse(afterCall.last_active_at), 'a sign-in is activity');
  });

  it('answers a user’s usage as the user’s own usage route does', async () => {
    const user = await registerUser(fx.api);
    const id = await createConversation(fx.api, user.token, { title: 't' });
    for (const content of ['one two three', 'four']) {
      assert.equal((await fx.api.post(`/api/v1/conversations/${id}/messages`, { content }, { token: user.token })).status, 200);
    }
    const today = new Date().toISOString().slice(0, 10);
    for (const query of ['', `?start_date=${today}&end_date=${today}`, '?start_date=2020-01-01&end_date=2020-01-31']) {
      const own = await fx.api.get(`/api/v1/tokens/usage${query}`, { token: user.token });
      const seen = await fx.api.get(`/api/v1/admin/users/${user.id}/usage${query}`, { token: fx.user.token });
      assert.equal(seen.status, 200, seen.text);
      assert.deepEqual(seen.body, own.body, query);
    }
    const seen = await fx.api.get(`/api/v1/admin/users/${user.id}/usage`, { token: fx.user.token });
    assert.equal(seen.body.requests, 2);
    assert.ok(seen.body.total_tokens > 0);
    // The admin's own usage is not mixed in.
    assert.equal((await fx.api.get('/api/v1/tokens/usage', { token: fx.user.token })).body.requests, 0);
  });

  it('refuses users with 403, anonymous callers with 401, unknown users with 404 and bad input with 422', async () => {
    const user = await registerUser(fx.api);
    for (const path of ['/api/v1/admin/users', `/api/v1/admin/users/${user.id}/usage`]) {
      const forbidden = await fx.api.get(path, { token: user.token });
      assert.equal(forbidden.status, 403, path);
      assert.deepEqual(forbidden.body, { detail: 'Access denied' });
      const anonymous = await fx.api.get(path);
      assert.equal(anonymous.status, 401, path);
      assert.equal(anonymous.body.detail, 'Not authenticated');
      assert.equal((await fx.api.get(path, { token: 'garbage' })).status, 401, path);
    }
    const unknown = await fx.api.get(`/api/v1/admin/users/${randomUUID()}/usage`, { token: fx.user.token });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { detail: 'User not found' });

    const bad = [
      '/api/v1/admin/users?limit=0',
      '/api/v1/admin/users?limit=101',
      '/api/v1/admin/users?skip=-1',
      '/api/v1/admin/users?skip=x',
      '/api/v1/admin/users?role=owner',
      '/api/v1/admin/users?tier=gold',
      '/api/v1/admin/users?active=maybe',
      `/api/v1/admin/users?q=${'x'.repeat(101)}`,
      '/api/v1/admin/users/not-a-uuid/usage',
      `/api/v1/admin/users/${user.id}/usage?start_date=2024-13-01`,
      `/api/v1/admin/users/${user.id}/usage?end_date=yesterday`,
      `/api/v1/admin/users/${user.id}/usage?start_date=2024-02-02&end_date=2024-02-01`,
    ];
    for (const path of bad) {
      const res = await fx.api.get(path, { token: fx.user.token });
      assert.equal(res.status, 422, `${path}: ${res.text}`);
      assert.ok(Array.isArray(res.body.detail), res.text);
    }
  });

  it('PATCH /admin/users/{id} takes is_active as well as active, refusing the two when they disagree', async () => {
    const user = await registerUser(fx.api);
    const patch = (body: unknown) => fx.api.patch(`/api/v1/admin/users/${user.id}`, body, { token: fx.user.token });
    const off = await patch({ is_active: false });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.is_active, false);
    assert.equal((await fx.api.get('/api/v1/auth/me', { token: user.token })).status, 401, 'deactivating signs the user out');
    assert.equal((await patch({ active: true, is_active: true })).body.is_active, true);
    const disagree = await patch({ active: false, is_active: true });
    assert.equal(disagree.status, 422, disagree.text);
    assert.deepEqual(disagree.body.detail[0].loc, ['body', 'is_active']);
    assert.equal((await patch({ is_active: 'no' })).status, 422);
  });
});
