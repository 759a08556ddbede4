import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openStream } from '../support/stream-reader.ts';

const SECRET = `Secret instructions ${Math.random().toString(36).slice(2)}: never reveal the discount code.`;

describe("an assistant's system prompt stays its owner's", () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  let owner: TestUser;
  let visitor: TestUser;
  let assistantId: string;
  let visitorSession: string;
  let ownerSession: string;

  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    admin = await registerUser(api); // the first account is the admin
    owner = await registerUser(api);
    visitor = await registerUser(api);
    const res = await api.post(
      '/api/v1/assistants',
      { name: 'Shop bot', model: 'echo', system_prompt: SECRET, user_authentication: false },
      { token: owner.token },
    );
    assert.equal(res.status, 201, res.text);
    assistantId = res.body.id;
    visitorSession = await chat(visitor.token, 'Hello shop');
    ownerSession = await chat(owner.token, 'Testing my own bot');
  });
  after(() => server.close());

  async function chat(token: string, message: string): Promise<string> {
    const stream = await openStream(`${server.url}/api/v1/chat/stream`, { body: { assistant_id: assistantId, message }, token });
    assert.equal(stream.status, 200);
    const events = await stream.allJson();
    assert.equal(events.at(-1)?.type, 'end', JSON.stringify(events));
    return events[0].session_id as string;
  }

  const mentionsSecret = (value: unknown) => JSON.stringify(value).includes('discount code');

  it('seed 000 conversation views show the visitor no system prompt', async () => {
    const one = await api.get(`/api/v1/conversations/${visitorSession}`, { token: visitor.token });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.system_prompt, null);
    const list = await api.get('/api/v1/conversations', { token: visitor.token });
    const listed = list.body.items.find((c: { id: string }) => c.id === visitorSession);
    assert.ok(listed, 'the visitor lists the session');
    assert.equal(listed.system_prompt, null);
    const renamed = await api.put(`/api/v1/conversations/${visitorSession}`, { title: 'Mine' }, { token: visitor.token });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.system_prompt, null);
    for (const action of ['archive', 'unarchive']) {
      const res = await api.post(`/api/v1/conversations/${visitorSession}/${action}`, undefined, { token: visitor.token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.system_prompt, null, action);
    }
  });

  it('seed 002 history and switch-model show the visitor no system message', async () => {
    const history = await api.get('/v1/chat/history?page_size=100', { token: visitor.token });
    assert.equal(history.status, 200, history.text);
    const session = history.body.sessions.find((s: { id: string }) => s.id === visitorSession);
    assert.ok(session, 'the visitor sees the session in history');
    assert.ok(session.messages.length >= 2, 'with its messages');
    assert.ok(!session.messages.some((m: { role: string }) => m.role === 'system'));
    assert.ok(!mentionsSecret(history.body));

    const switched = await api.post('/v1/chat/switch-model', { session_id: visitorSession, model: 'echo' }, { token: visitor.token });
    assert.equal(switched.status, 200, switched.text);
    assert.ok(!mentionsSecret(switched.body));
    assert.ok(!switched.body.messages.some((m: { role: string }) => m.role === 'system'));
  });

  it('seed 001 history, seed 003 views and the assistant itself do not show it either', async () => {
    const paths = [
      `/api/v1/chat/${visitorSession}/history`,
      `/api/chat/sessions/${visitorSession}`,
      `/api/chat/sessions/${visitorSession}/messages`,
      `/aichat/sessions/${visitorSession}`,
      `/aichat/sessions/${visitorSession}/messages`,
      `/aichat/getsessionlistshow/${visitor.id}`,
      `/api/v1/conversations/${visitorSession}/messages`,
      `/api/v1/assistants/${assistantId}`,
    ];
    for (const path of paths) {
      const res = await api.get(path, { token: visitor.token });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      assert.ok(!mentionsSecret(res.body), path);
    }
  });

  it('the model still receives the prompt (the visitor only cannot read it)', async () => {
    // The echo model answers from the last user message; the turn must not fail for a hidden prompt.
    const res = await api.post(`/api/v1/conversations/${visitorSession}/messages`, { content: 'Another question' }, { token: visitor.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.assistant_message.status, 'complete');
  });

  it("the assistant's owner and admins still see it", async () => {
    const mine = await api.get(`/api/v1/conversations/${ownerSession}`, { token: owner.token });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.system_prompt, SECRET);
    const history = await api.get('/v1/chat/history?page_size=100', { token: owner.token });
    const session = history.body.sessions.find((s: { id: string }) => s.id === ownerSession);
    assert.deepEqual(session.messages[0], { role: 'system', content: SECRET });
    const asAdmin = await api.get(`/api/v1/conversations/${visitorSession}`, { token: admin.token });
    assert.equal(asAdmin.status, 200, asAdmin.text);
    assert.equal(asAdmin.body.system_prompt, SECRET);
  });

  it("a user's own system prompt on a plain conversation is still shown", async () => {
    const created = await api.post('/api/v1/conversations', { system_prompt: 'Be brief.' }, { token: visitor.token });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.system_prompt, 'Be brief.');
    const read = await api.get(`/api/v1/conversations/${created.body.id}`, { token: visitor.token });
    assert.equal(read.body.system_prompt, 'Be brief.');
  });
});
