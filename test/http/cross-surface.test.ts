import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('one core behind every surface', () => {
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    await registerUser(api); // the admin
    user = await registerUser(api);
  });
  after(() => server.close());

  it('creates, streams into, lists, renames and deletes one conversation through different surfaces', async () => {
    const token = user.token;
    // Seed 003 creates the session.
    const created = await api.post('/api/chat/session', { user_id: user.id }, { token });
    assert.equal(created.status, 200, created.text);
    const id = created.body.data.session_id;

    // Seed 000 runs a turn in it.
    const sent = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'from seed zero' }, { token });
    assert.equal(sent.status, 200, sent.text);

    // Seed 002 streams the next turn into it.
    const streamed = await api.post(
      '/v1/chat/stream',
      { session_id: id, model: 'echo', messages: [{ role: 'user', content: 'from seed two' }] },
      { token },
    );
    assert.equal(streamed.status, 200, streamed.text);
    assert.match(streamed.text, /data: \[DONE\]/);

    // The OpenAI-compatible API appends a third.
    const completed = await api.post(
      '/v1/chat/completions',
      { model: 'echo', messages: [{ role: 'user', content: 'from openai' }] },
      { token, headers: { 'x-session-id': id } },
    );
    assert.equal(completed.status, 200, completed.text);

    // Seed 001's history and seed 003's message list see all of them, in order.
    const history = await api.get(`/api/v1/chat/${id}/history`, { token });
    assert.equal(history.status, 200, history.text);
    assert.deepEqual(
      history.body.messages.map((m: any) => [m.sender, m.text]),
      [
        ['user', 'from seed zero'],
        ['bot', 'Echo: from seed zero'],
        ['user', 'from seed two'],
        ['bot', 'Echo: from seed two'],
        ['user', 'from openai'],
        ['bot', 'Echo: from openai'],
      ],
    );
    const page = await api.get(`/api/chat/sessions/${id}/messages?page=1&pageSize=50`, { token });
    assert.equal(page.body.data.total, 6);

    // Seed 000 renames it; seed 003 and seed 002 show the new title.
    const renamed = await api.put(`/api/v1/conversations/${id}`, { title: 'Renamed in seed zero' }, { token });
    assert.equal(renamed.status, 200);
    const viaSeed3 = await api.get(`/api/chat/sessions/${id}`, { token });
    assert.equal(viaSeed3.body.data.title, 'Renamed in seed zero');
    assert.equal(viaSeed3.body.data.message_count, 6);
    const viaSeed2 = await api.get('/v1/chat/history?page=1&page_size=10', { token });
    const listed = viaSeed2.body.sessions.find((s: any) => s.id === id);
    assert.equal(listed.title, 'Renamed in seed zero');
    assert.equal(listed.messages.length, 6);

    // Seed 002 deletes it; it is gone from every surface at once.
    const deleted = await api.delete(`/v1/chat/sessions/${id}`, { token });
    assert.equal(deleted.status, 200);
    assert.equal((await api.get(`/api/v1/conversations/${id}`, { token })).status, 404);
    const gone3 = await api.get(`/api/chat/sessions/${id}`, { token });
    assert.equal(gone3.status, 404);
    assert.equal(gone3.body.code, 404);
    const list0 = await api.get('/api/v1/conversations', { token });
    assert.ok(!list0.body.items.some((c: any) => c.id === id));
  });
});
