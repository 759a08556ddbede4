import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { envelopeErrorHandler } from '../../../src/http/aichat/envelope.ts';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { addMessage, createSession, fails, ok } from './helpers.ts';

const NUL = '\u0000';

describe('seed 003 inputs the database or the router cannot take', () => {
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    user = await registerUser(api);
  });
  after(() => server.close());

  it('answers text with a NUL character with a 400 envelope, storing nothing', async () => {
    const session = await createSession(api, user.token, { title: 'clean' });
    const message = await addMessage(api, user.token, session.session_id, 'clean');
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/api/chat/session', { title: `t${NUL}` }],
      ['POST', '/aichat/createsession', { title: `t${NUL}` }],
      ['POST', '/api/chat/message', { session_id: session.session_id, content: `c${NUL}` }],
      ['PATCH', `/api/chat/sessions/${session.session_id}`, { new_title: `t${NUL}` }],
      ['PATCH', `/aichat/sessions/${session.session_id}`, { new_title: `t${NUL}` }],
      ['PATCH', `/api/chat/messages/${message.message_id}`, { new_content: `c${NUL}` }],
    ];
    for (const [method, path, body] of cases) {
      const res = fails(await api.request(method, path, { token: user.token, body }), 400);
      assert.match(res.message, /NUL/, `${method} ${path}`);
      assert.equal(res.data, null);
    }
    const detail = ok(await api.get(`/aichat/sessions/${session.session_id}`, { token: user.token }));
    assert.equal(detail.title, 'clean');
    assert.deepEqual(
      detail.messages.map((m: any) => m.content),
      ['clean'],
    );
    const sessions = ok(await api.post('/api/chat/sessions', {}, { token: user.token }));
    assert.equal(sessions.length, 1);
  });

  it('answers a path with malformed percent-encoding with a 400 envelope', async () => {
    for (const path of ['/api/chat/sessions/%ZZ', '/api/chat/messages/%E0%A4%A', '/aichat/sessions/%ZZ/messages']) {
      const res = fails(await api.get(path, { token: user.token }), 400);
      assert.equal(res.data, null);
    }
  });

  it('takes ids of up to 200 characters (404 when they name nothing); longer ones get a 414 envelope', async () => {
    for (const path of [`/api/chat/sessions/${'x'.repeat(200)}`, `/aichat/sessions/${'x'.repeat(150)}/messages`]) {
      const res = fails(await api.get(path, { token: user.token }), 404);
      assert.equal(res.message, 'Conversation not found');
    }
    fails(await api.get(`/api/chat/sessions/${'x'.repeat(201)}`, { token: user.token }), 414);
    fails(await api.delete(`/api/chat/messages/${'x'.repeat(300)}`, { token: user.token }), 414);
  });
});

describe('the seed 003 envelope for an unexpected failure', () => {
  it('answers 500 as {code: 500, message, data: null}, without the failure’s own text', async () => {
    const app = Fastify({ logger: false });
    app.setErrorHandler(envelopeErrorHandler);
    app.get('/boom', async () => {
      throw new Error('secret internals');
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/boom' });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), { code: 500, message: 'Internal Server Error', data: null });
    } finally {
      await app.close();
    }
  });
});
