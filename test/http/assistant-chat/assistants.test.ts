import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

describe('seed 001 assistants', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  let owner: TestUser;
  let other: TestUser;

  before(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_FREE_RPM: '100000' } });
    api = client(server.url);
    // The first account is the admin; the others are ordinary users.
    admin = await registerUser(api);
    owner = await registerUser(api);
    other = await registerUser(api);
  });
  after(() => server.close());

  async function createAssistant(user: TestUser, body: Record<string, unknown> = {}) {
    const res = await api.post('/api/v1/assistants', { name: `Helper ${randomUUID().slice(0, 8)}`, ...body }, { token: user.token });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  it('creates an assistant with defaults and shows its whole configuration to its owner', async () => {
    const created = await createAssistant(owner, {
      name: 'Support bot',
      description: 'Answers questions',
      model: 'echo',
      system_prompt: 'Be helpful.',
      temperature: 0.7,
      max_tokens: 512,
    });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.name, 'Support bot');
    assert.equal(created.description, 'Answers questions');
    assert.equal(created.model, 'echo');
    assert.equal(created.system_prompt, 'Be helpful.');
    assert.equal(created.temperature, 0.7);
    assert.equal(created.max_tokens, 512);
    assert.equal(created.user_authentication, true, 'private unless said otherwise');
    assert.equal(created.owner_id, owner.id);

    const minimal = await createAssistant(owner);
    assert.equal(minimal.model, 'echo', 'the server default model');
    assert.equal(minimal.system_prompt, null);
    assert.equal(minimal.temperature, null);

    const fetched = await api.get(`/api/v1/assistants/${created.id}`, { token: owner.token });
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.body, created);
  });

  it('refuses an unknown model with a 400 naming it', async () => {
    const res = await api.post('/api/v1/assistants', { name: 'x', model: 'no-such-model' }, { token: owner.token });
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /no-such-model/);
    const created = await createAssistant(owner);
    const update = await api.patch(`/api/v1/assistants/${created.id}`, { model: 'gpt-4o' }, { token: owner.token });
    assert.equal(update.status, 400, 'a model whose provider is not configured is refused too');
    assert.match(update.body.detail, /gpt-4o/);
  });

  it('answers 422 in FastAPI form for bad bodies', async () => {
    const cases = [
      {},
      { name: '' },
      { name: 'ok', temperature: 2.5 },
      { name: 'ok', temperature: -0.1 },
      { name: 'ok', max_tokens: 0 },
      { name: 'ok', max_tokens: 1.5 },
      { name: 'ok', user_authentication: 'yes' },
      { name: 42 },
    ];
    for (const body of cases) {
      const res = await api.post('/api/v1/assistants', body, { token: owner.token });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(Array.isArray(res.body.detail));
      assert.equal(res.body.detail[0].loc[0], 'body');
    }
    const created = await createAssistant(owner);
    const bad = await api.patch(`/api/v1/assistants/${created.id}`, { temperature: 3 }, { token: owner.token });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.detail[0].loc, ['body', 'temperature']);
    const badId = await api.get('/api/v1/assistants/not-a-uuid', { token: owner.token });
    assert.equal(badId.status, 422);
  });

  it('requires a valid token to create, list, change or delete', async () => {
    const created = await createAssistant(owner, { user_authentication: false });
    const calls: [string, string, unknown?][] = [
      ['POST', '/api/v1/assistants', { name: 'x' }],
      ['GET', '/api/v1/assistants'],
      ['PATCH', `/api/v1/assistants/${created.id}`, { name: 'y' }],
      ['PUT', `/api/v1/assistants/${created.id}`, { name: 'y' }],
      ['DELETE', `/api/v1/assistants/${created.id}`],
    ];
    for (const [method, path, body] of calls) {
      const none = await api.request(method, path, { body });
      assert.equal(none.status, 401, `${method} ${path}`);
      assert.equal(none.body.detail, 'Not authenticated');
      const bad = await api.request(method, path, { body, token: 'garbage' });
      assert.equal(bad.status, 401, `${method} ${path} with a bad token`);
    }
  });

  it('lists only the caller’s own assistants, newest first, with paging', async () => {
    const lister = await registerUser(api);
    const first = await createAssistant(lister);
    const second = await createAssistant(lister);
    await createAssistant(other);
    const res = await api.get('/api/v1/assistants', { token: lister.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 2);
    assert.deepEqual(
      res.body.items.map((a: { id: string }) => a.id),
      [second.id, first.id],
    );
    const page = await api.get('/api/v1/assistants?skip=1&limit=1', { token: lister.token });
    assert.deepEqual(
      page.body.items.map((a: { id: string }) => a.id),
      [first.id],
    );
    assert.equal(page.body.skip, 1);
    assert.equal(page.body.limit, 1);
    assert.equal((await api.get('/api/v1/assistants?limit=1000', { token: lister.token })).status, 422);
  });

  it('lets anyone read a public assistant, and signed-in users a private one, without its configuration', async () => {
    const open = await createAssistant(owner, { user_authentication: false, system_prompt: 'secret sauce', temperature: 1 });
    const closed = await createAssistant(owner, { user_authentication: true, system_prompt: 'secret sauce' });

    const anonymous = await api.get(`/api/v1/assistants/${open.id}`);
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.body.name, open.name);
    assert.equal(anonymous.body.user_authentication, false);
    for (const hidden of ['system_prompt', 'temperature', 'max_tokens', 'owner_id']) {
      assert.equal(hidden in anonymous.body, false, `${hidden} is the owner's to see`);
    }

    const anonymousPrivate = await api.get(`/api/v1/assistants/${closed.id}`);
    assert.equal(anonymousPrivate.status, 401);
    assert.equal(anonymousPrivate.body.detail, 'Authentication required for this assistant');

    const signedIn = await api.get(`/api/v1/assistants/${closed.id}`, { token: other.token });
    assert.equal(signedIn.status, 200);
    assert.equal('system_prompt' in signedIn.body, false);

    const badToken = await api.get(`/api/v1/assistants/${open.id}`, { token: 'expired-or-forged' });
    assert.equal(badToken.status, 401, 'a bad token is refused, not taken for an anonymous visitor');

    const missing = await api.get(`/api/v1/assistants/${randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.detail, 'Assistant not found');
  });

  it('lets only the owner (or an admin) change it', async () => {
    const created = await createAssistant(owner, { system_prompt: 'v1', temperature: 0.5 });
    const foreign = await api.patch(`/api/v1/assistants/${created.id}`, { name: 'hijacked' }, { token: other.token });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.detail, 'Access denied');
    const foreignPut = await api.put(`/api/v1/assistants/${created.id}`, { name: 'hijacked' }, { token: other.token });
    assert.equal(foreignPut.status, 403);

    const patched = await api.patch(
      `/api/v1/assistants/${created.id}`,
      { name: 'Renamed', system_prompt: null, temperature: 1.25, user_authentication: false },
      { token: owner.token },
    );
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.name, 'Renamed');
    assert.equal(patched.body.system_prompt, null, 'null clears it');
    assert.equal(patched.body.temperature, 1.25);
    assert.equal(patched.body.user_authentication, false);
    assert.equal(patched.body.model, created.model, 'absent fields are kept');

    const put = await api.put(`/api/v1/assistants/${created.id}`, { max_tokens: 64 }, { token: owner.token });
    assert.equal(put.status, 200);
    assert.equal(put.body.max_tokens, 64);
    assert.equal(put.body.name, 'Renamed');

    const byAdmin = await api.patch(`/api/v1/assistants/${created.id}`, { description: 'moderated' }, { token: admin.token });
    assert.equal(byAdmin.status, 200);
    assert.equal(byAdmin.body.description, 'moderated');

    const missing = await api.patch(`/api/v1/assistants/${randomUUID()}`, { name: 'x' }, { token: owner.token });
    assert.equal(missing.status, 404);
  });

  it('lets only the owner delete it; a deleted assistant is gone everywhere', async () => {
    const created = await createAssistant(owner, { user_authentication: false });
    const foreign = await api.delete(`/api/v1/assistants/${created.id}`, { token: other.token });
    assert.equal(foreign.status, 403);
    assert.equal((await api.get(`/api/v1/assistants/${created.id}`)).status, 200, 'still there');

    const removed = await api.delete(`/api/v1/assistants/${created.id}`, { token: owner.token });
    assert.equal(removed.status, 200);
    assert.deepEqual(removed.body, { message: 'Assistant deleted successfully' });
    assert.equal((await api.get(`/api/v1/assistants/${created.id}`, { token: owner.token })).status, 404);
    assert.equal((await api.delete(`/api/v1/assistants/${created.id}`, { token: owner.token })).status, 404);
    const list = await api.get('/api/v1/assistants', { token: owner.token });
    assert.ok(!list.body.items.some((a: { id: string }) => a.id === created.id));
    const chat = await api.post('/api/v1/chat/stream', { assistant_id: created.id, message: 'hello?' });
    assert.equal(chat.status, 404);
    assert.equal(chat.body.detail, 'Assistant not found');
  });

  it('documents every assistant and chat route in the OpenAPI document', async () => {
    const doc = await api.get('/openapi.json');
    assert.equal(doc.status, 200);
    const paths = doc.body.paths;
    for (const [path, methods] of Object.entries({
      '/api/v1/assistants/': ['get', 'post'],
      '/api/v1/assistants/{id}': ['get', 'put', 'patch', 'delete'],
      '/api/v1/chat/stream': ['post'],
      '/api/v1/chat/{session_id}/history': ['get'],
      '/api/v1/chat/{session_id}': ['delete'],
      '/api/v1/conversations/{id}/stop': ['post'],
      '/api/v1/conversations/{id}/stream': ['get'],
    })) {
      for (const method of methods) {
        const op = paths[path]?.[method];
        assert.ok(op, `${method} ${path} is documented`);
        assert.ok(op.summary, `${method} ${path} has a summary`);
        assert.ok(op.responses['200'] || op.responses['201'], `${method} ${path} documents its success`);
      }
    }
    assert.ok(paths['/api/v1/chat/stream'].post.responses['200'].content['application/x-ndjson']);
    assert.ok(paths['/api/v1/conversations/{id}/stream'].get.responses['200'].content['text/event-stream']);
  });
});
