import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parley, succeeded } from '../cli/support.ts';
import { createDatabase, dropDatabase, REDIS_URL, type ServerProcess, spawnServer, stopAllServers } from '../durability/processes.ts';
import { registerUser, type TestUser } from '../support/factories.ts';
import { type Client, client } from '../support/http.ts';

// Two instances need one PostgreSQL database and Redis; run on the suite's PostgreSQL pass.
const enabled = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const skip = enabled ? false : 'runs with DATABASE_URL and REDIS_URL set';
const FREE_RPM = 1000;
const PRO_RPM = 2000;

/**
 * Each credential is used on instance B twice, so that B remembers it; the change is then made
 * through instance A (or the command line, a third process), and B must refuse or see it on the
 * very next request, with no wait: the change's answer comes only once Redis has taken the
 * announcement, which it has then already written to B.
 */
describe('a credential remembered by one instance, changed through another', { skip, timeout: 120_000 }, () => {
  let env: Record<string, string>;
  let dataDirs: string[] = [];
  let a: Client;
  let b: Client;
  let admin: TestUser;

  before(async () => {
    env = {
      DATABASE_URL: await createDatabase(),
      REDIS_URL,
      REDIS_KEY_PREFIX: `parley-cred:${randomBytes(4).toString('hex')}:`,
      JWT_SECRET: randomBytes(24).toString('hex'),
      RATE_LIMIT_FREE_RPM: String(FREE_RPM),
      RATE_LIMIT_PRO_RPM: String(PRO_RPM),
      RATE_LIMIT_API_RPM: '1000000',
      THROTTLE_REGISTRATIONS_PER_HOUR: '1000000',
      LOG_LEVEL: 'info',
    };
    dataDirs = ['a', 'b'].map(() => mkdtempSync(path.join(tmpdir(), 'parley-cred-')));
    const servers: ServerProcess[] = dataDirs.map((dir, i) => spawnServer({ ...env, INSTANCE_ID: `cred-${i}`, DATA_DIR: dir }));
    const [urlA, urlB] = await Promise.all(servers.map((s) => s.listening()));
    a = client(urlA);
    b = client(urlB);
    admin = await registerUser(a);
    assert.equal(admin.role, 'admin');
  });
  after(async () => {
    await stopAllServers();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    if (env) await dropDatabase(env.DATABASE_URL);
  });

  const me = (api: Client, token: string) => api.get('/api/v1/auth/me', { token });
  async function warmOnB(token: string) {
    for (let i = 0; i < 2; i++) assert.equal((await me(b, token)).status, 200);
  }
  async function createKey(user: TestUser) {
    const res = await a.post('/api/v1/auth/api-keys', { name: 'across' }, { token: user.token });
    assert.equal(res.status, 201, res.text);
    return { id: res.body.id as string, key: res.body.key as string };
  }
  const cli = (args: string[]) =>
    parley(args, { env: { ...env, LOG_LEVEL: 'silent' } });

  it('a key revoked through A is refused at once by B, which had it remembered', async () => {
    const user = await registerUser(a);
    // Several keys, each refused on B's first request after its revocation.
    for (let i = 0; i < 5; i++) {
      const { id, key } = await createKey(user);
      await warmOnB(key);
      assert.equal((await a.delete(`/api/v1/auth/api-keys/${id}`, { token: user.token })).status, 204);
      const refused = await me(b, key);
      assert.equal(refused.status, 401, `key ${i}: ${refused.text}`);
      assert.equal(refused.body.detail, 'Invalid API key');
    }
  });

  it('a logout through A ends the login at once on B', async () => {
    const user = await registerUser(a);
    await warmOnB(user.token);
    assert.equal((await a.post('/api/v1/auth/logout', undefined, { token: user.token })).status, 200);
    assert.equal((await me(b, user.token)).status, 401);
  });

  it('a tier or role changed through A shows at once on B', async () => {
    const user = await registerUser(a);
    const { key } = await createKey(user);
    const complete = () => b.post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: 'hi' }] }, { token: key });
    for (let i = 0; i < 2; i++) assert.equal((await complete()).headers.get('x-ratelimit-limit'), String(FREE_RPM));
    assert.equal((await a.patch(`/api/v1/admin/users/${user.id}`, { tier: 'pro' }, { token: admin.token })).status, 200);
    assert.equal((await complete()).headers.get('x-ratelimit-limit'), String(PRO_RPM));

    assert.equal((await b.get('/api/v1/admin/users?limit=1', { token: key })).status, 403);
    assert.equal((await a.patch(`/api/v1/admin/users/${user.id}`, { role: 'admin' }, { token: admin.token })).status, 200);
    assert.equal((await b.get('/api/v1/admin/users?limit=1', { token: key })).status, 200);
  });

  it('the command line’s changes reach both running instances at once', async () => {
    const user = await registerUser(a);
    const { key } = await createKey(user);
    const adminList = (api: Client) => api.get('/api/v1/admin/users?limit=1', { token: key });
    assert.equal((await adminList(b)).status, 403);

    // A command takes seconds to start, longer than a credential is remembered: both instances
    // are kept asking meanwhile, so each still has the key remembered when the command is done.
    let stop = keepAsking([a, b], key);
    succeeded(await cli(['user', 'set-role', user.email, 'admin']));
    await stop();
    assert.equal((await adminList(b)).status, 200);
    assert.equal((await adminList(a)).status, 200);

    stop = keepAsking([a, b], key);
    succeeded(await cli(['user', 'disable', user.email]));
    await stop();
    assert.equal((await me(a, key)).status, 401);
    assert.equal((await me(b, key)).status, 401);
  });
});

/** Sends an authenticated request to each instance every 50 ms until the returned function is called (and awaited). */
function keepAsking(apis: Client[], token: string): () => Promise<void> {
  let asking = true;
  const loop = (async () => {
    while (asking) {
      await Promise.all(apis.map((api) => api.get('/api/v1/auth/me', { token })));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return async () => {
    asking = false;
    await loop;
  };
}
