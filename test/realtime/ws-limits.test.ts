import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession } from '../http/aichat/helpers.ts';
import { registerUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openSocket, refusal } from '../support/ws.ts';

// Each window lasts a minute from its first request, so the counts below cannot reset mid-test.
// The connection is a plain API request; each turn is a model call, counted on its own.
const MODEL_RPM = 2;
const API_RPM = 2;

describe('websocket and the per-minute request limit', () => {
  let server: TestServer;
  let api: Client;
  before(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_FREE_RPM: String(MODEL_RPM), RATE_LIMIT_API_RPM: String(API_RPM) } });
    api = client(server.url);
    // The first account is the admin; the one tested is a plain free-tier user.
    await registerUser(api);
  });
  after(() => server.close());

  it('counts the connection and each turn; over the limit a turn gets a 429 frame and a new socket closes with 4429', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token); // API request 1
    const socket = await openSocket(server.url, session.session_id, { token: user.token }); // API request 2
    socket.send({ type: 'message', content: 'one' }); // model call 1
    await socket.waitFor((f) => f.type === 'done');
    socket.send({ type: 'message', content: 'two' }); // model call 2
    await socket.waitFor((f) => f.type === 'done', { skip: 1 });

    socket.send({ type: 'message', content: 'three' });
    const refused = await socket.waitFor((f) => f.type === 'error');
    assert.equal(refused.code, 429);
    assert.match(refused.detail, /Rate limit exceeded: 2 model requests per minute/);
    // Pings are not requests: the socket stays open and answers.
    socket.send({ type: 'ping' });
    await socket.waitFor((f) => f.type === 'pong');

    const closed = await refusal(server.url, session.session_id, { token: user.token, via: 'query' });
    assert.equal(closed.code, 4429);
    assert.match(closed.reason, /Rate limit exceeded: 2 API requests per minute/);
    await socket.close();
  });
});
