// Time to first token: straight from the mock upstream, and through Parley's /v1/chat/stream
// (authentication, session lookup, the user and assistant messages committed, then the
// provider call). Loopback only; bounded loops; exits by itself.
//
//   npm run bench:stream            embedded database (PGlite)
//   DATABASE_URL=postgres://... npm run bench:stream   a fresh PostgreSQL database, dropped after

import { Agent, request } from 'node:http';
import { startMockOpenAI } from '../test/support/mock-openai.ts';
import { startTestServer } from '../test/support/server.ts';

const WARMUP = 100;
/** Requests per path before the other path takes its turn. */
const BLOCK = 100;
const SAMPLES = { 1: 1000, 20: 2000 } as const;
/** A session gets this many turns before a worker moves to a new one, so its history stays short. */
const TURNS_PER_SESSION = 5;

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface Target {
  url: string;
  body: () => Record<string, unknown>;
  headers: Record<string, string>;
  /** Whether a chunk of the response holds the first token. */
  firstToken: (text: string) => boolean;
}

/** Milliseconds from sending the request to the first token; the rest of the reply is drained. */
function timeToFirstToken(target: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(target.body());
    const started = performance.now();
    let first: number | undefined;
    let seen = '';
    const req = request(
      target.url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...target.headers } },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`${target.url} answered ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (first !== undefined) return;
          seen += chunk;
          if (target.firstToken(seen)) first = performance.now() - started;
        });
        res.on('end', () => (first === undefined ? reject(new Error(`no token from ${target.url}: ${seen}`)) : resolve(first)));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

type TargetFor = (worker: number) => Promise<Target>;

/** Closed loop: `concurrency` workers, each sending its next request when the last one ended. */
async function runBlock(targets: Target[], perWorker: number, next: (worker: number) => Promise<Target>, into: number[] | null) {
  await Promise.all(
    targets.map(async (_, worker) => {
      for (let i = 0; i < perWorker; i++) {
        const ms = await timeToFirstToken(targets[worker]);
        into?.push(ms);
        targets[worker] = await next(worker);
      }
    }),
  );
}

/**
 * `samples` requests per path with `concurrency` streams in flight. The paths take turns in
 * blocks, so noise from elsewhere on the machine falls on both alike.
 */
async function measure(concurrency: number, samples: number, direct: TargetFor, parley: TargetFor) {
  const times = { direct: [] as number[], parley: [] as number[] };
  const workers = Array.from({ length: concurrency }, (_, w) => w);
  const directTargets = await Promise.all(workers.map(direct));
  const turns = workers.map(() => 0);
  const parleyTargets = await Promise.all(workers.map(parley));
  // A worker moves to a new session every few turns, so the history sent as context stays short.
  const nextParley = async (worker: number) =>
    ++turns[worker] % TURNS_PER_SESSION === 0 ? parley(worker) : parleyTargets[worker];
  const nextDirect = async (worker: number) => directTargets[worker];
  const warmup = Math.ceil(WARMUP / concurrency);
  await runBlock(directTargets, warmup, nextDirect, null);
  await runBlock(parleyTargets, warmup, nextParley, null);
  const perBlock = Math.ceil(BLOCK / concurrency);
  while (times.parley.length < samples) {
    await runBlock(directTargets, perBlock, nextDirect, times.direct);
    await runBlock(parleyTargets, perBlock, nextParley, times.parley);
  }
  const sort = (a: number[]) => a.sort((x, y) => x - y);
  return { direct: sort(times.direct), parley: sort(times.parley) };
}

async function main() {
  const mock = await startMockOpenAI();
  mock.setDefault({ tokens: ['Hello', ' there', '!'], usage: { prompt_tokens: 12, completion_tokens: 3 } });
  const server = await startTestServer({
    env: {
      LOG_LEVEL: 'silent',
      OPENAI_API_KEY: 'bench',
      OPENAI_BASE_URL: mock.url,
      RATE_LIMIT_FREE_RPM: '1000000',
      TOKEN_BUDGET_FREE_DAILY: '1000000000',
    },
  });
  const call = async (path: string, body: unknown, token?: string): Promise<any> => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  try {
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) {
      const session = await call('/api/v1/auth/register', { email: `bench-${i}-${Date.now()}@example.test`, password: 'bench-password' });
      tokens.push(session.access_token);
    }
    const direct = async (): Promise<Target> => ({
      url: `${mock.url}/chat/completions`,
      headers: { authorization: 'Bearer bench' },
      body: () => ({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hello' }] }),
      firstToken: (text) => text.includes('"content":"H'),
    });
    // Each worker is a user continuing a titled session (no title call), a new one every few turns.
    const parley = async (worker: number): Promise<Target> => {
      const conversation = await call('/api/v1/conversations', { title: 'bench', model: 'gpt-4o' }, tokens[worker]);
      let turn = 0;
      return {
        url: `${server.url}/v1/chat/stream`,
        headers: { authorization: `Bearer ${tokens[worker]}` },
        body: () => ({ model: 'gpt-4o', session_id: conversation.id, messages: [{ role: 'user', content: `hello ${++turn}` }] }),
        firstToken: (text) => text.includes('data: Hello'),
      };
    };

    const rows: string[][] = [['concurrency', 'path', 'samples', 'p50 ms', 'p99 ms']];
    const fmt = (n: number) => n.toFixed(2);
    for (const concurrency of [1, 20] as const) {
      const samples = SAMPLES[concurrency];
      const { direct: d, parley: p } = await measure(concurrency, samples, direct, parley);
      const [d50, d99, p50, p99] = [percentile(d, 0.5), percentile(d, 0.99), percentile(p, 0.5), percentile(p, 0.99)];
      rows.push([String(concurrency), 'direct (mock)', String(d.length), fmt(d50), fmt(d99)]);
      rows.push([String(concurrency), 'Parley /v1/chat/stream', String(p.length), fmt(p50), fmt(p99)]);
      rows.push([String(concurrency), 'added by Parley', '', fmt(p50 - d50), fmt(p99 - d99)]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    console.log(`database: ${server.databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)'}, node ${process.version}`);
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
  } finally {
    agent.destroy();
    await server.close();
    await mock.close();
  }
}

await main();
