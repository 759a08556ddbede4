import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession } from '../http/aichat/helpers.ts';
import { registerUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openSocket } from '../support/ws.ts';

describe('websocket heartbeat', () => {
  let server: TestServer;
  let api: Client;
  before(async () => {
    server = await startTestServer({ env: { WS_HEARTBEAT_SECONDS: '1' } });
    api = client(server.url);
    await registerUser(api);
  });
  after(() => server.close());

  it('pings every socket; one that answers stays, one that misses a pong is terminated', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    const alive = await openSocket(server.url, session.session_id, { token: user.token });
    const dead = await openSocket(server.url, session.session_id, { token: user.token, autoPong: false });

    const { code } = await dead.closed;
    // Terminated without a closing handshake.
    assert.equal(code, 1006);
    assert.ok(dead.pings >= 1);

    while (alive.pings < 3) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive.ws.readyState, alive.ws.OPEN);
    alive.send({ type: 'ping' });
    await alive.waitFor((f) => f.type === 'pong');
    await alive.close();
  });
});
