import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

const MISSING = '00000000-0000-7000-8000-000000000000';

describe('pinned and tagged conversations', () => {
  let server: TestServer;
  let api: Client;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    alice = await registerUser(api);
    bob = await registerUser(api);
  });
  after(() => server.close());

  const ids = (res: { body: { items: Array<{ id: string }> } }) => res.body.items.map((c) => c.id);

  it('lists pinned conversations first, most recently pinned first, then by activity, across pages', async () => {
    const user = await registerUser(api);
    const c: string[] = [];
    for (let i = 0; i < 5; i++) c.push(await createConversation(api, user.token, { title: `c${i}` }));
    // Activity order, newest first: c4 c3 c2 c1 c0.
    const pinned = await api.post(`/api/v1/conversations/${c[0]}/pin`, undefined, { token: user.token });
    assert.equal(pinned.status, 200);
    assert.equal(pinned.body.pinned, true);
    assert.ok(pinned.body.pinned_at);
    const patched = await api.patch(`/api/v1/conversations/${c[2]}`, { pinned: true }, { token: user.token });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.pinned, true);

    const list = await api.get('/api/v1/conversations', { token: user.token });
    assert.equal(list.status, 200);
    assert.deepEqual(ids(list), [c[2], c[0], c[4], c[3], c[1]]);
    assert.equal(list.body.total, 5);
    // Pinning is not activity: updated_at stays where it was.
    assert.equal(list.body.items[1].updated_at, list.body.items[1].created_at);

    // Pages split across the pinned run and the rest.
    const page1 = await api.get('/api/v1/conversations?limit=3', { token: user.token });
    const page2 = await api.get('/api/v1/conversations?limit=3&skip=3', { token: user.token });
    const page3 = await api.get('/api/v1/conversations?limit=2&skip=1', { token: user.token });
    assert.deepEqual(ids(page1), [c[2], c[0], c[4]]);
    assert.deepEqual(ids(page2), [c[3], c[1]]);
    assert.deepEqual(ids(page3), [c[0], c[4]]);
    assert.equal(page2.body.total, 5);

    // Pinning again keeps the first pin time; unpinning returns it to its place by activity.
    const again = await api.post(`/api/v1/conversations/${c[0]}/pin`, undefined, { token: user.token });
    assert.equal(again.body.pinned_at, pinned.body.pinned_at);
    const unpinned = await api.post(`/api/v1/conversations/${c[2]}/unpin`, undefined, { token: user.token });
    assert.equal(unpinned.body.pinned, false);
    assert.equal(unpinned.body.pinned_at, null);
    assert.deepEqual(ids(await api.get('/api/v1/conversations', { token: user.token })), [c[0], c[4], c[3], c[2], c[1]]);

    assert.deepEqual(ids(await api.get('/api/v1/conversations?pinned=true', { token: user.token })), [c[0]]);
    assert.deepEqual(ids(await api.get('/api/v1/conversations?pinned=false', { token: user.token })), [c[4], c[3], c[2], c[1]]);
    const got = await api.get(`/api/v1/conversations/${c[0]}`, { token: user.token });
    assert.equal(got.body.pinned, true);
    assert.deepEqual(got.body.tags, []);
  });

  it('sets tags (trimmed, case kept, duplicates dropped) and filters by all given tags', async () => {
    const user = await registerUser(api);
    const work = await createConversation(api, user.token, { title: 'work' });
    const both = await createConversation(api, user.token, { title: 'both' });
    const none = await createConversation(api, user.token, { title: 'none' });

    const set = await api.patch(`/api/v1/conversations/${work}`, { tags: ['  Work ', 'Work', 'work', '项目'] }, { token: user.token });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body.tags, ['Work', 'work', '项目']);
    assert.equal(set.body.title, 'work', 'other fields stay');
    assert.equal((await api.patch(`/api/v1/conversations/${both}`, { tags: ['Work', 'urgent'] }, { token: user.token })).status, 200);

    assert.deepEqual(ids(await api.get('/api/v1/conversations?tag=Work', { token: user.token })), [both, work]);
    assert.deepEqual(ids(await api.get('/api/v1/conversations?tag=Work&tag=urgent', { token: user.token })), [both]);
    assert.deepEqual(ids(await api.get(`/api/v1/conversations?tag=${encodeURIComponent('项目')}`, { token: user.token })), [work]);
    assert.deepEqual(ids(await api.get('/api/v1/conversations?tag=WORK', { token: user.token })), [], 'tags compare exactly');
    const filtered = await api.get('/api/v1/conversations?tag=urgent&pinned=false', { token: user.token });
    assert.deepEqual(ids(filtered), [both]);
    assert.equal(filtered.body.total, 1);

    // Tags replace the whole set; a title can change in the same request; tagging is not activity.
    const before = (await api.get(`/api/v1/conversations/${work}`, { token: user.token })).body;
    const replaced = await api.patch(`/api/v1/conversations/${work}`, { tags: ['later'] }, { token: user.token });
    assert.deepEqual(replaced.body.tags, ['later']);
    assert.equal(replaced.body.updated_at, before.updated_at);
    const renamed = await api.patch(`/api/v1/conversations/${none}`, { title: 'Renamed', tags: [] }, { token: user.token });
    assert.equal(renamed.body.title, 'Renamed');
    assert.deepEqual(renamed.body.tags, []);
    assert.deepEqual(ids(await api.get('/api/v1/conversations?tag=Work', { token: user.token })), [both]);
  });

  it('refuses bad tags and empty patches with 422', async () => {
    const id = await createConversation(api, alice.token);
    const cases: unknown[] = [
      { tags: [''] },
      { tags: ['   '] },
      { tags: ['x'.repeat(51)] },
      { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      { tags: 'Work' },
      { tags: [1] },
      { pinned: 'yes' },
      {},
    ];
    for (const body of cases) {
      const res = await api.patch(`/api/v1/conversations/${id}`, body, { token: alice.token });
      assert.equal(res.status, 422, `${JSON.stringify(body)}: ${res.text}`);
      assert.ok(Array.isArray(res.body.detail));
    }
    const ok = await api.patch(`/api/v1/conversations/${id}`, { tags: ['x'.repeat(50), ...Array.from({ length: 19 }, (_, i) => `t${i}`)] }, { token: alice.token });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.tags.length, 20);

    assert.equal((await api.get('/api/v1/conversations?pinned=maybe', { token: alice.token })).status, 422);
    assert.equal((await api.get(`/api/v1/conversations?tag=${'y'.repeat(51)}`, { token: alice.token })).status, 422);
    assert.equal((await api.get('/api/v1/conversations?tag=', { token: alice.token })).status, 422);
  });

  it('answers 401, 403 and 404, and never shows another user’s conversations', async () => {
    const id = await createConversation(api, alice.token);
    assert.equal((await api.patch(`/api/v1/conversations/${id}`, { tags: ['a'] }, { token: alice.token })).status, 200);
    for (const [method, path, body] of [
      ['PATCH', `/api/v1/conversations/${id}`, { pinned: true }],
      ['POST', `/api/v1/conversations/${id}/pin`, undefined],
      ['POST', `/api/v1/conversations/${id}/unpin`, undefined],
    ] as const) {
      assert.equal((await api.request(method, path, { body })).status, 401, `${method} ${path} without a token`);
      const other = await api.request(method, path, { token: bob.token, body });
      assert.equal(other.status, 403, `${method} ${path} by another user`);
      assert.equal(other.body.detail, 'Access denied');
      const missing = await api.request(method, path.replace(id, MISSING), { token: alice.token, body });
      assert.equal(missing.status, 404);
      assert.equal((await api.request(method, path.replace(id, 'nope'), { token: alice.token, body })).status, 422);
    }
    const got = await api.get(`/api/v1/conversations/${id}`, { token: alice.token });
    assert.equal(got.body.pinned, false, 'refused requests changed nothing');
    assert.deepEqual(ids(await api.get('/api/v1/conversations?tag=a', { token: bob.token })), []);
    assert.equal((await api.get('/api/v1/conversations?tag=a')).status, 401);
  });
});
