import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

const MISSING = '00000000-0000-7000-8000-000000000000';

describe('seed 000 conversations', () => {
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

  it('creates a conversation with defaults and with given fields', async () => {
    const plain = await api.post('/api/v1/conversations', {}, { token: alice.token });
    assert.equal(plain.status, 201);
    assert.equal(plain.body.model, 'echo');
    assert.equal(plain.body.title, null);
    assert.equal(plain.body.message_count, 0);
    assert.equal(plain.body.archived, false);
    assert.equal(plain.body.user_id, alice.id);

    const full = await api.post('/api/v1/conversations', { title: 'Plans', system_prompt: 'Be brief.', model: 'echo' }, { token: alice.token });
    assert.equal(full.status, 201);
    assert.equal(full.body.title, 'Plans');
    assert.equal(full.body.system_prompt, 'Be brief.');
  });

  it('refuses an unknown model with a 400 that names it', async () => {
    const res = await api.post('/api/v1/conversations', { model: 'gpt-17-ultra' }, { token: alice.token });
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /gpt-17-ultra/);
  });

  it('gets, renames, archives, unarchives and deletes', async () => {
    const id = await createConversation(api, alice.token, { title: 'Before' });
    const got = await api.get(`/api/v1/conversations/${id}`, { token: alice.token });
    assert.equal(got.status, 200);
    assert.equal(got.body.title, 'Before');

    const renamed = await api.put(`/api/v1/conversations/${id}`, { title: 'After' }, { token: alice.token });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.title, 'After');

    const archived = await api.post(`/api/v1/conversations/${id}/archive`, undefined, { token: alice.token });
    assert.equal(archived.status, 200);
    assert.equal(archived.body.archived, true);
    assert.ok(archived.body.archived_at);
    const active = await api.get('/api/v1/conversations?limit=100', { token: alice.token });
    assert.ok(!active.body.items.some((c: any) => c.id === id), 'archived ones are not listed by default');
    const onlyArchived = await api.get('/api/v1/conversations?archived=true', { token: alice.token });
    assert.ok(onlyArchived.body.items.some((c: any) => c.id === id));
    assert.ok(onlyArchived.body.items.every((c: any) => c.archived));

    const unarchived = await api.post(`/api/v1/conversations/${id}/unarchive`, undefined, { token: alice.token });
    assert.equal(unarchived.body.archived, false);

    const deleted = await api.delete(`/api/v1/conversations/${id}`, { token: alice.token });
    assert.equal(deleted.status, 200);
    assert.equal((await api.get(`/api/v1/conversations/${id}`, { token: alice.token })).status, 404);
    assert.equal((await api.get(`/api/v1/conversations/${id}/messages`, { token: alice.token })).status, 404);
    assert.equal((await api.delete(`/api/v1/conversations/${id}`, { token: alice.token })).status, 404);
  });

  it('lists only the caller’s conversations, newest activity first, with skip and limit', async () => {
    const user = await registerUser(api);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await createConversation(api, user.token, { title: `c${i}` }));
    // Activity on the oldest one moves it to the top.
    const send = await api.post(`/api/v1/conversations/${ids[0]}/messages`, { content: 'bump' }, { token: user.token });
    assert.equal(send.status, 200);

    const page = await api.get('/api/v1/conversations?skip=0&limit=2', { token: user.token });
    assert.equal(page.status, 200);
    assert.equal(page.body.total, 3);
    assert.equal(page.body.skip, 0);
    assert.equal(page.body.limit, 2);
    assert.deepEqual(
      page.body.items.map((c: any) => c.id),
      [ids[0], ids[2]],
    );
    assert.equal(page.body.items[0].message_count, 2);
    const rest = await api.get('/api/v1/conversations?skip=2&limit=2', { token: user.token });
    assert.deepEqual(
      rest.body.items.map((c: any) => c.id),
      [ids[1]],
    );
    const others = await api.get('/api/v1/conversations', { token: bob.token });
    assert.ok(!others.body.items.some((c: any) => ids.includes(c.id)));
  });

  it('answers 422 for bad bodies, queries and ids', async () => {
    const id = await createConversation(api, alice.token);
    const cases: Array<[string, string, unknown]> = [
      ['GET', '/api/v1/conversations?limit=0', undefined],
      ['GET', '/api/v1/conversations?limit=1000', undefined],
      ['GET', '/api/v1/conversations?skip=-1', undefined],
      ['GET', '/api/v1/conversations?limit=abc', undefined],
      ['GET', '/api/v1/conversations?archived=maybe', undefined],
      ['GET', '/api/v1/conversations/not-a-uuid', undefined],
      ['PUT', `/api/v1/conversations/${id}`, { title: '' }],
      ['PUT', `/api/v1/conversations/${id}`, { title: 42 }],
      ['PUT', `/api/v1/conversations/${id}`, {}],
      ['POST', '/api/v1/conversations', { title: ['x'] }],
      ['POST', '/api/v1/conversations', { system_prompt: 5 }],
    ];
    for (const [method, path, body] of cases) {
      const res = await api.request(method, path, { token: alice.token, body });
      assert.equal(res.status, 422, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`);
      assert.ok(Array.isArray(res.body.detail), res.text);
      assert.ok(res.body.detail[0].loc.length >= 1);
    }
  });

  it('answers 401 without a token on every route', async () => {
    const id = await createConversation(api, alice.token);
    const routes: Array<[string, string]> = [
      ['POST', '/api/v1/conversations'],
      ['GET', '/api/v1/conversations'],
      ['GET', `/api/v1/conversations/${id}`],
      ['PUT', `/api/v1/conversations/${id}`],
      ['POST', `/api/v1/conversations/${id}/archive`],
      ['POST', `/api/v1/conversations/${id}/unarchive`],
      ['DELETE', `/api/v1/conversations/${id}`],
      ['GET', `/api/v1/conversations/${id}/messages`],
      ['POST', `/api/v1/conversations/${id}/messages`],
      ['GET', '/api/v1/tokens/usage'],
      ['GET', '/api/v1/models'],
    ];
    for (const [method, path] of routes) {
      const body = method === 'GET' ? undefined : {};
      const none = await api.request(method, path, { body });
      assert.equal(none.status, 401, `${method} ${path}`);
      assert.equal(none.body.detail, 'Not authenticated');
      const bad = await api.request(method, path, { body, token: 'garbage' });
      assert.equal(bad.status, 401, `${method} ${path} with a bad token`);
    }
  });

  it('answers 403 on every route for another user’s conversation, and changes nothing', async () => {
    const id = await createConversation(api, alice.token, { title: 'Mine' });
    const routes: Array<[string, string, unknown]> = [
      ['GET', `/api/v1/conversations/${id}`, undefined],
      ['PUT', `/api/v1/conversations/${id}`, { title: 'Stolen' }],
      ['POST', `/api/v1/conversations/${id}/archive`, undefined],
      ['POST', `/api/v1/conversations/${id}/unarchive`, undefined],
      ['DELETE', `/api/v1/conversations/${id}`, undefined],
      ['GET', `/api/v1/conversations/${id}/messages`, undefined],
      ['POST', `/api/v1/conversations/${id}/messages`, { content: 'hi' }],
    ];
    for (const [method, path, body] of routes) {
      const res = await api.request(method, path, { token: bob.token, body });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.detail, 'Access denied');
    }
    const mine = await api.get(`/api/v1/conversations/${id}`, { token: alice.token });
    assert.equal(mine.body.title, 'Mine');
    assert.equal(mine.body.archived, false);
    assert.equal(mine.body.message_count, 0);
  });

  it('answers 404 on every route for a missing conversation', async () => {
    const routes: Array<[string, string, unknown]> = [
      ['GET', `/api/v1/conversations/${MISSING}`, undefined],
      ['PUT', `/api/v1/conversations/${MISSING}`, { title: 'x' }],
      ['POST', `/api/v1/conversations/${MISSING}/archive`, undefined],
      ['POST', `/api/v1/conversations/${MISSING}/unarchive`, undefined],
      ['DELETE', `/api/v1/conversations/${MISSING}`, undefined],
      ['GET', `/api/v1/conversations/${MISSING}/messages`, undefined],
      ['POST', `/api/v1/conversations/${MISSING}/messages`, { content: 'hi' }],
    ];
    for (const [method, path, body] of routes) {
      const res = await api.request(method, path, { token: alice.token, body });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.detail, 'Conversation not found');
    }
  });
});
