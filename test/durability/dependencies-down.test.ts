import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser } from '../support/factories.ts';
import { type Client, client } from '../support/http.ts';
import {
  closedPort,
  createDatabase,
  dependenciesAvailable,
  dropDatabase,
  eventually,
  logLines,
  type ServerProcess,
  silentPort,
  spawnServer,
  stopAllServers,
  TcpProxy,
} from './processes.ts';

const JWT_SECRET = 'durability-test-secret-0123456789';
const available = await dependenciesAvailable();
const skip = available ? false : 'PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) must answer';

const folders: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-deps-'));
  folders.push(dir);
  return dir;
};
const databases: string[] = [];

after(async () => {
  await stopAllServers();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  for (const url of databases) await dropDatabase(url).catch(() => {});
});

/** Waits for a start-up failure: non-zero exit, one line on stderr, nothing else. */
async function startupFailure(server: ServerProcess): Promise<string> {
  const { code } = await server.exited();
  assert.notEqual(code, 0, 'exits non-zero');
  const lines = server.stderr().trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${server.stderr()}`);
  assert.doesNotMatch(lines[0], /\bat .*\(.*:\d+:\d+\)/, 'no stack trace');
  return lines[0];
}

describe('a dependency that is down at start-up', { skip }, () => {
  it('Redis at a closed port: exits naming REDIS_URL, password masked', async () => {
    const port = await closedPort();
    const server = spawnServer({ DATA_DIR: freshDir(), REDIS_URL: `redis://:hunter2secret@127.0.0.1:${port}` });
    const line = await startupFailure(server);
    assert.match(line, new RegExp(`^Parley could not start: cannot connect to REDIS_URL redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)$`));
    assert.doesNotMatch(line, /hunter2secret/);
  });

  it('Redis that accepts connections and never answers: exits naming REDIS_URL', async () => {
    const silent = await silentPort();
    try {
      const server = spawnServer({ DATA_DIR: freshDir(), REDIS_URL: `redis://127.0.0.1:${silent.port}` });
      assert.match(await startupFailure(server), /^Parley could not start: cannot connect to REDIS_URL redis:\/\/127\.0\.0\.1:\d+ /);
    } finally {
      await silent.close();
    }
  });

  it('PostgreSQL at a closed port: exits naming DATABASE_URL, password masked', async () => {
    const port = await closedPort();
    const server = spawnServer({ DATABASE_URL: `postgres://postgres:hunter2secret@127.0.0.1:${port}/parley`, JWT_SECRET });
    const line = await startupFailure(server);
    assert.match(line, new RegExp(`^Parley could not start: cannot connect to DATABASE_URL postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/parley \\(ECONNREFUSED\\)$`));
    assert.doesNotMatch(line, /hunter2secret/);
  });

  it('PostgreSQL that accepts connections and never answers: exits naming DATABASE_URL', async () => {
    const silent = await silentPort();
    try {
      const server = spawnServer({ DATABASE_URL: `postgres://postgres@127.0.0.1:${silent.port}/parley`, JWT_SECRET });
      assert.match(await startupFailure(server), /^Parley could not start: cannot connect to DATABASE_URL postgres:\/\/postgres@127\.0\.0\.1:\d+\/parley /);
    } finally {
      await silent.close();
    }
  });

  it('DATA_DIR that is a file, or under one: one line naming DATA_DIR', async () => {
    const file = path.join(freshDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    for (const dataDir of [file, path.join(file, 'data')]) {
      const line = await startupFailure(spawnServer({ DATA_DIR: dataDir }));
      assert.match(line, new RegExp(`^Parley could not start: DATA_DIR ${dataDir} cannot be used as a data folder \\(E[A-Z]+\\)$`));
    }
  });

  it('DATA_DIR without write permission: one line naming DATA_DIR', { skip: process.getuid?.() === 0 && 'permissions do not bind root' }, async () => {
    const dataDir = freshDir();
    const { chmodSync } = await import('node:fs');
    chmodSync(dataDir, 0o500);
    try {
      const line = await startupFailure(spawnServer({ DATA_DIR: dataDir }));
      assert.match(line, new RegExp(`^Parley could not start: DATA_DIR ${dataDir} cannot be used as a data folder \\(EACCES\\)$`));
    } finally {
      chmodSync(dataDir, 0o700);
    }
  });
});

describe('PostgreSQL lost and regained while running', { skip }, () => {
  const proxy = new TcpProxy(5432);
  let server: ServerProcess;
  let api: Client;
  let token: string;
  let conversationId: string;

  before(async () => {
    await proxy.start();
    const databaseUrl = await createDatabase(proxy.port);
    databases.push(databaseUrl);
    server = spawnServer({ DATABASE_URL: databaseUrl, JWT_SECRET });
    api = client(await server.listening());
    token = (await registerUser(api)).token;
    conversationId = await createConversation(api, token);
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await proxy.cut();
  });

  // One request per surface that needs the database, with the error shape that surface answers
  // in. (A request that needs nothing from it, such as /v1/models with a credential the instance
  // remembers, is served.)
  const surfaces = (): { name: string; path: string; body?: object; shape: object }[] => [
    { name: 'seed 000', path: '/api/v1/conversations', shape: { detail: 'Database unavailable' } },
    { name: 'seed 001', path: '/api/v1/assistants/', shape: { detail: 'Database unavailable' } },
    { name: 'seed 002', path: '/v1/chat/history', shape: { detail: 'Database unavailable' } },
    { name: 'prompts', path: '/api/chat/prompts/', shape: { detail: 'Database unavailable' } },
    { name: 'seed 003', path: `/api/chat/sessions/${conversationId}`, shape: { code: 503, message: 'Database unavailable', data: null } },
    {
      name: 'OpenAI',
      path: '/v1/chat/completions',
      // The call is held against the caller's budgets in the database before any model runs.
      body: { model: 'echo', messages: [{ role: 'user', content: 'hi' }] },
      shape: { error: { message: 'Database unavailable', type: 'api_error', param: null, code: null } },
    },
  ];

  const send = (surface: ReturnType<typeof surfaces>[number]) =>
    surface.body ? api.post(surface.path, surface.body, { token }) : api.get(surface.path, { token });

  it('answers 503 on every surface in its shape, then serves again once it is back', async () => {
    for (const surface of surfaces()) {
      const res = await send(surface);
      assert.equal(res.status, 200, `${surface.name} before the cut: ${res.text}`);
    }
    assert.equal((await api.get('/readyz')).status, 200);

    await proxy.cut();
    for (const surface of surfaces()) {
      const res = await send(surface);
      assert.equal(res.status, 503, `${surface.name}: ${res.text}`);
      assert.deepEqual(res.body, surface.shape, surface.name);
    }
    const ready = await api.get('/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.body, { status: 'database unreachable', checks: { database: 'unreachable' } });
    assert.equal((await api.get('/healthz')).status, 200);
    // A write fails the same way, and nothing was logged as an unhandled error.
    const write = await api.post('/api/v1/conversations', {}, { token });
    assert.equal(write.status, 503, write.text);

    await proxy.start();
    await eventually(async () => (await api.get('/readyz')).status === 200, 'readiness after PostgreSQL returns');
    for (const surface of surfaces()) {
      const res = await send(surface);
      assert.equal(res.status, 200, `${surface.name} after the return: ${res.text}`);
    }
    assert.equal((await api.post('/api/v1/conversations', {}, { token })).status, 201);
    assert.deepEqual(
      logLines(server).filter((line) => Number(line.level) >= 50),
      [],
      'no error logged for an unreachable database',
    );
  });
});

describe('Redis lost and regained while running', { skip }, () => {
  const proxy = new TcpProxy(6379);
  let server: ServerProcess;
  let api: Client;
  let token: string;

  before(async () => {
    await proxy.start();
    server = spawnServer({
      DATA_DIR: freshDir(),
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: `parley-test:${randomUUID()}:`,
      // Small enough to see the in-memory fallback count.
      RATE_LIMIT_API_RPM: '6',
    });
    api = client(await server.listening());
    token = (await registerUser(api)).token;
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await proxy.cut();
  });

  const outageWarnings = () => logLines(server).filter((line) => line.level === 40 && String(line.msg).startsWith('Redis unreachable'));

  it('reports Redis in /readyz, keeps serving and limiting in memory, and resumes when it returns', async () => {
    const ready = await api.get('/readyz');
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(ready.body, { status: 'ready', checks: { database: 'ok', redis: 'ok' } });

    await proxy.cut();
    await eventually(async () => (await api.get('/readyz')).status === 503, 'readiness fails without Redis');
    assert.deepEqual((await api.get('/readyz')).body, {
      status: 'redis unreachable',
      checks: { database: 'ok', redis: 'unreachable' },
    });
    // Requests are still served, and counted in this process: the 7th in the minute is refused.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await api.get('/api/v1/conversations', { token })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429]);
    assert.equal(outageWarnings().length, 1, 'one warning for the outage, not one per request');

    await proxy.start();
    await eventually(async () => (await api.get('/readyz')).status === 200, 'readiness after Redis returns', 200);
    assert.ok(logLines(server).some((line) => String(line.msg).startsWith('Redis reachable again')));
    // Back on Redis, which counted none of the requests made while it was away.
    const resumed = await api.get('/api/v1/conversations', { token });
    assert.equal(resumed.status, 200, resumed.text);
    assert.equal(resumed.headers.get('x-ratelimit-remaining'), '5');
    assert.equal(outageWarnings().length, 1);
    // The bus's connections saw the same outage: it is not reported again per reconnection attempt.
    assert.deepEqual(
      logLines(server).filter((line) => line.msg === 'event bus error'),
      [],
    );
  });
});
