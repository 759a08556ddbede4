import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { createSession } from '../http/aichat/helpers.ts';
import { registerUser } from '../support/factories.ts';
import { unusedPort } from '../support/ports.ts';
import { openSocket } from '../support/ws.ts';
import { oneLine, parley, randomPassword, succeeded, useCliData } from './support.ts';

const NODE_LINE = (version: string) =>
  `Parley needs Node.js 24 or newer; this is v${version}. Run it with \`npm run parley -- …\` or install Node 24.`;

/** A Node.js older than 24 on the PATH, if the machine has one. */
function oldNode(): { path: string; version: string } | undefined {
  let found: string[];
  try {
    found = execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
  for (const candidate of found) {
    try {
      const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (Number(version.split('.')[0]) < 24) return { path: candidate, version };
    } catch {}
  }
  return undefined;
}

describe('the launcher', () => {
  it('refuses a Node.js older than 24 in one line', async () => {
    // The version Node reports, replaced before the launcher reads it.
    const fake = 'data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:"20.11.1"}})';
    const result = await parley(['help'], { env: {}, nodeArgs: ['--import', fake] });
    assert.equal(oneLine(result), NODE_LINE('20.11.1'));
    assert.equal(result.stdout, '');
  });

  const old = oldNode();
  it('refuses the machine’s own older Node.js', { skip: !old && 'no Node.js older than 24 on the PATH' }, async () => {
    const result = await parley(['user', 'list'], { env: {}, node: old?.path });
    assert.equal(oneLine(result), NODE_LINE(old?.version ?? ''));
  });

  it('prints the commands, and each command’s help; a wrong call fails in one line with exit code 2', async () => {
    const help = succeeded(await parley(['help'], { env: {} }));
    for (const command of ['user create', 'user reset-password', 'user disable', 'user enable', 'user set-tier', 'user set-budget', 'user set-role', 'user list', 'migrate', 'purge', 'export', 'import', 'config check']) {
      assert.ok(help.some((line) => line.startsWith(`  ${command}`)), `help lists ${command}`);
    }
    const own = succeeded(await parley(['user', 'set-budget', '--help'], { env: {} }));
    assert.equal(own[0], 'Usage: parley user set-budget <email> <usd|none>');
    assert.deepEqual(succeeded(await parley(['help', 'user', 'set-budget'], { env: {} })), own);
    assert.equal(oneLine(await parley(['frobnicate'], { env: {} }), 2), "parley: unknown command 'frobnicate'; `parley help` lists them");
    assert.match(oneLine(await parley(['user'], { env: {} }), 2), /^parley: user needs a command: one of user create, user list, /);
    assert.equal(oneLine(await parley(['migrate', 'now'], { env: {} }), 2), "parley migrate: unexpected argument 'now'; usage: parley migrate ");
  });
});

describe('parley config check', () => {
  const { data, cli, withServer } = useCliData();

  it('prints the settings in effect with secrets masked, having reached the database and Redis', async () => {
    const secrets = { JWT_SECRET: 'jwt-secret-never-printed-0123', METRICS_TOKEN: 'metrics-token-never-printed', OPENAI_API_KEY: 'sk-never-printed' };
    const out = succeeded(await cli(['config', 'check'], { env: { ...secrets, OPENAI_BASE_URL: 'http://me:url-password@127.0.0.1:9/v1' } }));
    const text = out.join('\n');
    for (const secret of [...Object.values(secrets), 'url-password']) assert.ok(!text.includes(secret), `${secret} is not printed`);
    const row = (name: string) => out.find((line) => line.startsWith(`${name} `)) ?? '';
    assert.match(row('database'), data().databaseUrl ? /PostgreSQL postgres:\/\/.*: (reachable|not created)/ : /embedded database in DATA_DIR .*: not created yet/);
    assert.match(row('redis'), process.env.REDIS_URL ? /: reachable$/ : /not used/);
    assert.match(row('providers'), /openai \(openai, http:\/\/me:\*\*\*@127\.0\.0\.1:9\/v1, key set\), echo/);
    assert.match(row('signing'), /JWT_SECRET set/);
    assert.match(row('metrics'), /METRICS_TOKEN \(set\)/);
    assert.equal(out.at(-1), 'Configuration OK.');
    // The check changed nothing: the database is still new.
    if (data().databaseUrl) {
      const db = new pg.Client({ connectionString: data().databaseUrl });
      await db.connect();
      const { rows } = await db.query(`select to_regclass('users') as users`).finally(() => db.end());
      assert.equal(rows[0].users, null);
    } else {
      assert.equal(existsSync(path.join(data().dataDir, 'pglite')), false);
    }
    await withServer(async () => {});
    const after = succeeded(await cli(['config', 'check']));
    assert.match(after.find((line) => line.startsWith('database ')) ?? '', /reachable, schema up to date \(\d+ migrations\)/);
  });

  it('fails in one line on a bad setting, and names an unreachable database', async () => {
    const bad = await cli(['config', 'check'], { env: { PORT: 'seventy' } });
    assert.equal(oneLine(bad), 'parley config check: invalid configuration: PORT: Invalid input: expected number, received NaN');
    assert.equal(bad.stdout, '');
    assert.equal(
      oneLine(await cli(['config', 'check'], { env: { WORKERS: '2', DATABASE_URL: '', REDIS_URL: '' } })),
      'parley config check: 1 problem: WORKERS=2 needs DATABASE_URL and REDIS_URL: the embedded database belongs to one process (unset WORKERS, or use PostgreSQL and Redis)',
    );
    const port = await unusedPort();
    const down = await cli(['config', 'check'], { env: { DATABASE_URL: `postgres://parley:db-password@127.0.0.1:${port}/parley`, JWT_SECRET: 'j'.repeat(32) } });
    assert.equal(oneLine(down), `parley config check: 1 problem: cannot connect to DATABASE_URL postgres://parley:***@127.0.0.1:${port}/parley (ECONNREFUSED)`);
    assert.match(down.stdout, /^database +FAILED$/m);
    assert.ok(!down.stdout.includes('db-password'));
    assert.equal(
      oneLine(await cli(['user', 'list'], { env: { DATABASE_URL: `postgres://127.0.0.1:${port}/parley`, JWT_SECRET: 'j'.repeat(32) } })),
      `parley user list: cannot connect to DATABASE_URL postgres://127.0.0.1:${port}/parley (ECONNREFUSED)`,
    );
  });
});

describe('a running server', () => {
  const { data, cli, withServer } = useCliData();

  it('holds the embedded database: a command fails in one line naming the holder, and works once the server stops', { skip: Boolean(process.env.DATABASE_URL) && 'PostgreSQL has no DATA_DIR lock' }, async () => {
    const email = await withServer(async (api) => {
      const user = await registerUser(api);
      const refused = await cli(['user', 'set-tier', user.email, 'pro']);
      // The test's own process runs the server.
      assert.equal(
        oneLine(refused),
        `parley user set-tier: DATA_DIR ${data().dataDir} is in use by process ${process.pid}: the embedded database serves one process at a time; stop that process first (or use DATABASE_URL)`,
      );
      assert.equal(oneLine(await cli(['migrate'])), refused.stderr.trim().replace('user set-tier', 'migrate'));
      return user.email;
    });
    succeeded(await cli(['user', 'set-tier', email, 'pro']));
  });

  it(
    'on PostgreSQL, runs alongside the server: a disabled user is refused at once and, with Redis, their sockets close',
    { skip: !(process.env.DATABASE_URL && process.env.REDIS_URL) && 'needs DATABASE_URL and REDIS_URL' },
    async () => {
      await withServer(async (api, server) => {
        const admin = await registerUser(api);
        const user = await registerUser(api, { password: randomPassword() });
        const session = await createSession(api, user.token);
        const socket = await openSocket(server.url, session.session_id, { token: user.token });
        succeeded(await cli(['user', 'set-tier', user.email, 'enterprise']));
        const listed = await api.get(`/api/v1/admin/users?q=${encodeURIComponent(user.email)}`, { token: admin.token });
        assert.equal(listed.body.items[0].tier, 'enterprise');
        succeeded(await cli(['user', 'disable', user.email]));
        const unclosed = new Promise((resolve) => setTimeout(() => resolve('still open after 10 s'), 10_000).unref());
        assert.deepEqual(await Promise.race([socket.closed, unclosed]), { code: 4401, reason: 'Account is disabled' });
        assert.equal((await api.get('/api/v1/auth/me', { token: user.token })).status, 401);
      });
    },
  );
});
