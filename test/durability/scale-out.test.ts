import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { type Client, client } from '../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../support/mock-openai.ts';
import { startRoundRobin } from '../support/round-robin.ts';
import { eventually, openStream, type StreamedSseEvent } from '../support/stream-reader.ts';
import { createDatabase, dropDatabase, REDIS_URL, type ServerProcess, spawnServer, stopAllServers } from './processes.ts';

// Several instances need PostgreSQL and Redis; run once, on the suite's PostgreSQL pass.
const enabled = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const skip = enabled ? false : 'runs with DATABASE_URL and REDIS_URL set';
const DAILY = 2_000;

function getOnNewConnection(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** The settings every instance of one deployment shares. */
async function deployment(mock: MockOpenAI, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: await createDatabase(),
    REDIS_URL,
    REDIS_KEY_PREFIX: `parley-scale:${randomBytes(4).toString('hex')}:`,
    JWT_SECRET: randomBytes(24).toString('hex'),
    OPENAI_API_KEY: 'test',
    OPENAI_BASE_URL: mock.url,
    TOKEN_BUDGET_FREE_DAILY: String(DAILY),
    STALE_TURN_SECONDS: '2',
    // A turn without max_tokens holds its prompt and 300 tokens: several fit in the day at once.
    BUDGET_COMPLETION_ALLOWANCE_TOKENS: '300',
    RATE_LIMIT_FREE_RPM: '1000000',
    RATE_LIMIT_API_RPM: '1000000',
    THROTTLE_REGISTRATIONS_PER_HOUR: '1000000',
    // Info: the 'Server listening' line tells the test each instance is ready.
    LOG_LEVEL: 'info',
    ...extra,
  };
}

describe('three instances behind a round-robin balancer', { skip, timeout: 180_000 }, () => {
  let mock: MockOpenAI;
  let env: Record<string, string>;
  let servers: ServerProcess[];
  let balancer: Awaited<ReturnType<typeof startRoundRobin>>;
  let api: Client;

  before(async () => {
    mock = await startMockOpenAI();
    env = await deployment(mock);
    servers = [1, 2, 3].map((n) =>
      spawnServer({ ...env, INSTANCE_ID: `scale-${n}`, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-scale-')) }),
    );
    const urls = await Promise.all(servers.map((s) => s.listening()));
    balancer = await startRoundRobin(urls);
    api = client(balancer.url);
  });
  after(async () => {
    await balancer?.close();
    await mock?.close();
    await stopAllServers();
    if (env) await dropDatabase(env.DATABASE_URL);
  });

  const data = (e: StreamedSseEvent | undefined) => JSON.parse(e?.data ?? 'null');
  /** A user of its own for each test: each starts the day with the whole budget. */
  let owner: TestUser;
  beforeEach(async () => {
    owner = await registerUser(api);
  });
  const newConversation = () => createConversation(api, owner.token, { title: 'fixed', model: 'gpt-4o-mini' });
  /** Starts a turn through the balancer; answers where it runs once the provider has been called. */
  async function startTurn(id: string) {
    const content = `question ${randomUUID()}`;
    const pending = api.post(`/api/v1/conversations/${id}/messages`, { content }, { token: owner.token });
    const upstream = await eventually(() => mock.requests.find((r) => r.body?.messages?.at(-1)?.content === content), 10_000);
    const runsOn = balancer.targetOf(`/api/v1/conversations/${id}/messages`);
    assert.notEqual(runsOn, undefined);
    return { pending, upstream, runsOn: runsOn as number };
  }

  it('re-attaches through another instance and follows the turn to its end', async () => {
    mock.setDefault({ tokens: Array.from({ length: 10 }, (_, i) => `w${i} `), delayMs: 80, firstDelayMs: 0 });
    const id = await newConversation();
    const { pending, runsOn } = await startTurn(id);
    const stream = await openStream(`${balancer.url}/api/v1/conversations/${id}/stream`, { token: owner.token });
    assert.notEqual(Number(stream.headers.get('x-upstream')), runsOn, 'the re-attach met another instance');
    const events = await stream.allEvents();
    assert.equal(events[0].event, 'start');
    const done = events.at(-1);
    assert.equal(done?.event, 'done');
    const text = events.filter((e) => e.event === 'token').map((e) => data(e).content).join('');
    const reply = (await pending).body.assistant_message;
    assert.equal(text, reply.content);
    assert.equal(data(done).message.content, reply.content);
  });

  it('stops a turn through another instance', async () => {
    mock.setDefault({ tokens: Array.from({ length: 30 }, (_, i) => `s${i} `), delayMs: 100, firstDelayMs: 0 });
    const id = await newConversation();
    const { pending, upstream, runsOn } = await startTurn(id);
    const stop = await api.post(`/api/v1/conversations/${id}/stop`, undefined, { token: owner.token });
    assert.notEqual(Number(stop.headers.get('x-upstream')), runsOn);
    assert.deepEqual(stop.body, { stopped: true });
    await eventually(() => upstream.aborted);
    assert.equal((await pending).body.assistant_message.status, 'incomplete');
  });

  it('refuses a second turn in a conversation whichever instance gets it', async () => {
    mock.setDefault({ tokens: ['one', ' two'], delayMs: 200, firstDelayMs: 0 });
    const id = await newConversation();
    const results = await Promise.all(
      [1, 2, 3].map((n) => api.post(`/api/v1/conversations/${id}/messages`, { content: `race ${n}` }, { token: owner.token })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409], results.map((r) => r.text).join('\n'));
    const messages = await api.get(`/api/v1/conversations/${id}/messages`, { token: owner.token });
    assert.equal(messages.body.length, 2);
  });

  it('keeps 20 concurrent turns of one user within one call of the daily budget', async () => {
    const spender = owner;
    mock.setDefault({ tokens: ['x', 'y'], delayMs: 40, firstDelayMs: 20, usage: { prompt_tokens: 100, completion_tokens: 200 } });
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => createConversation(api, spender.token, { title: 'fixed', model: 'gpt-4o-mini' })),
    );
    for (let wave = 0; wave < 5; wave++) {
      const results = await Promise.all(ids.map((id) => api.post(`/api/v1/conversations/${id}/messages`, { content: 'go' }, { token: spender.token })));
      for (const r of results) assert.ok(r.status === 200 || r.status === 429, r.text);
    }
    const usage = (await api.get('/api/v1/tokens/usage', { token: spender.token })).body;
    assert.ok(usage.total_tokens <= DAILY + 300, `${usage.total_tokens} tokens against a budget of ${DAILY}`);
    assert.ok(usage.total_tokens >= DAILY - 300, `the budget was used (${usage.total_tokens})`);
  });

  it('recovers a turn whose instance is killed, on another instance, and frees the conversation', async () => {
    mock.setDefault({ tokens: Array.from({ length: 60 }, (_, i) => `k${i} `), delayMs: 100, firstDelayMs: 0 });
    const id = await newConversation();
    const { pending, runsOn } = await startTurn(id);
    pending.catch(() => {});
    // A follower on another instance, reading the turn through Redis.
    const follower = await openStream(`${balancer.url}/api/v1/conversations/${id}/stream`, { token: owner.token });
    assert.notEqual(Number(follower.headers.get('x-upstream')), runsOn);
    await follower.nextEvent();
    await new Promise((r) => setTimeout(r, 1_200)); // a heartbeat saves part of the reply
    execFileSync('kill', ['-9', String(servers[runsOn].pid)]);

    // Another instance notices the silent heartbeat and keeps what was saved.
    const reply = await eventually(async () => {
      const res = await api.get(`/api/v1/conversations/${id}/messages`, { token: owner.token });
      const last = res.body.at?.(-1);
      return last?.status === 'incomplete' ? last : undefined;
    }, 15_000);
    assert.equal(reply.metadata.stop_reason, 'interrupted');
    assert.ok(reply.content.startsWith('k0 '), 'the partial reply saved by the heartbeat is kept');
    // The follower hears the end from the stored reply.
    const rest = await follower.allEvents();
    assert.equal(rest.at(-1)?.event, 'done');
    assert.equal(data(rest.at(-1)).message.status, 'incomplete');
    // And the conversation takes a new turn.
    mock.setDefault({ tokens: ['after'], delayMs: 0, firstDelayMs: 0 });
    const next = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'again' }, { token: owner.token });
    assert.equal(next.status, 200, next.text);
  });
});

describe('WORKERS', () => {
  it('is refused with one line on the embedded database', async () => {
    const server = spawnServer({ WORKERS: '2', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-workers-')) });
    const { code } = await server.exited();
    assert.equal(code, 1);
    const lines = server.stderr().trim().split('\n');
    assert.equal(lines.length, 1, server.stderr());
    assert.match(lines[0], /^Parley could not start: WORKERS=2 needs DATABASE_URL and REDIS_URL/);
  });

  it('forks workers that share one port, restarts one that dies, and stops them all', { skip, timeout: 120_000 }, async () => {
    const mock = await startMockOpenAI();
    const env = await deployment(mock, { WORKERS: '2' });
    const primary = spawnServer({ ...env, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-workers-')) });
    try {
      const url = await primary.listening();
      const children = () =>
        execFileSync('pgrep', ['-P', String(primary.pid)], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .filter(Boolean)
          .map(Number);
      const workers = await eventually(() => (children().length === 2 ? children() : undefined), 30_000);
      // Both answer on the one port.
      await eventually(async () => {
        const pids = new Set<number>();
        for (let i = 0; i < 20; i++) {
          // A new connection each time: the cluster hands connections, not requests, out in turn.
          const pid = /parley_instance_info\{[^}]*pid="(\d+)"[^}]*\} 1/.exec(await getOnNewConnection(`${url}/metrics`))?.[1];
          if (pid) pids.add(Number(pid));
        }
        return pids.size === 2 ? pids : undefined;
      }, 30_000);
      execFileSync('kill', ['-9', String(workers[0])]);
      const replaced = await eventually(() => {
        const now = children();
        return now.length === 2 && !now.includes(workers[0]) ? now : undefined;
      }, 30_000);
      assert.ok(replaced.includes(workers[1]));
      const { code } = await primary.stop('SIGTERM');
      assert.equal(code, 0);
      assert.throws(() => children(), 'no worker outlives the primary');
    } finally {
      await primary.stop('SIGKILL');
      await mock.close();
      await dropDatabase(env.DATABASE_URL);
    }
  });
});
