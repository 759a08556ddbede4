// Time to first token: straight from the mock upstream, and through Parley's /v1/chat/stream
// (authentication, session lookup, history, the user and assistant messages committed, then
// the provider call). Loopback only; bounded loops; exits by itself.
//
//   npm run bench:stream                                embedded database (PGlite)
//   DATABASE_URL=postgres://... npm run bench:stream    a fresh PostgreSQL database, dropped after
//
// Knobs (environment): BENCH_SAMPLES=1000,2000 measured requests per path with 1 and 20
// streams (0 skips that concurrency); BENCH_TOKENS=3 tokens per reply and BENCH_TOKEN_MS=0
// between them, for replies that stream long enough for their partial text to be saved.
//
// Parley runs on the main thread; the mock upstream and the load generator each run in their
// own worker thread, as they would be separate machines: work on Parley's thread (the embedded
// database runs there) cannot delay the mock's replies or the client's clock.

import { Agent, request } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { startMockOpenAI } from '../test/support/mock-openai.ts';
import { startTestServer } from '../test/support/server.ts';

const WARMUP = 100;
/** Requests per path before the other path takes its turn. */
const BLOCK = 100;
const [SAMPLES_1 = 1000, SAMPLES_20 = 2000] = (process.env.BENCH_SAMPLES ?? '').split(',').filter(Boolean).map(Number);
const SAMPLES: Record<number, number> = { 1: SAMPLES_1, 20: SAMPLES_20 };
const REPLY_TOKENS = Math.max(3, Number(process.env.BENCH_TOKENS ?? 3));
const TOKEN_MS = Number(process.env.BENCH_TOKEN_MS ?? 0);
/** A session gets this many turns before a worker moves to a new one, so its history stays short. */
const TURNS_PER_SESSION = 5;
const USERS = 20;

interface Target {
  url: string;
  body: () => Record<string, unknown>;
  headers: Record<string, string>;
  /** Whether what arrived so far holds the first token. */
  firstToken: (text: string) => boolean;
}

type Row = { concurrency: number; path: string; samples: number; p50: number; p99: number };

// ---------------------------------------------------------------- load generator (worker)

async function loadGenerator(opts: { serverUrl: string; mockUrl: string; tokens: string[] }): Promise<Row[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  /** Milliseconds from sending the request to the first token; the rest of the reply is drained. */
  const timeToFirstToken = (target: Target) =>
    new Promise<number>((resolve, reject) => {
      const payload = JSON.stringify(target.body());
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...target.headers };
      const started = performance.now();
      let first: number | undefined;
      let seen = '';
      const req = request(target.url, { method: 'POST', agent, headers }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${target.url} answered ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (first !== undefined) return;
          seen += chunk;
          if (target.firstToken(seen)) first = performance.now() - started;
        });
        res.on('end', () => (first === undefined ? reject(new Error(`no token from ${target.url}: ${seen}`)) : resolve(first)));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });

  const direct = async (): Promise<Target> => ({
    url: `${opts.mockUrl}/chat/completions`,
    headers: { authorization: 'Bearer bench' },
    body: () => ({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hello' }] }),
    firstToken: (text) => text.includes('"content":"H'),
  });
  // A user continuing a titled session (so no title call follows a turn).
  const parley = async (worker: number): Promise<Target> => {
    const token = opts.tokens[worker];
    const res = await fetch(`${opts.serverUrl}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: 'bench', model: 'gpt-4o' }),
    });
    if (res.status !== 201) throw new Error(`creating a conversation answered ${res.status}`);
    const { id } = (await res.json()) as { id: string };
    let turn = 0;
    return {
      url: `${opts.serverUrl}/v1/chat/stream`,
      headers: { authorization: `Bearer ${token}` },
      body: () => ({ model: 'gpt-4o', session_id: id, messages: [{ role: 'user', content: `hello ${++turn}` }] }),
      firstToken: (text) => text.includes('data: Hello'),
    };
  };

  /** Closed loop: each worker sends its next request when its last one ended. */
  const runBlock = async (targets: Target[], perWorker: number, next: (w: number) => Promise<Target>, into?: number[]) => {
    await Promise.all(
      targets.map(async (_, worker) => {
        for (let i = 0; i < perWorker; i++) {
          const ms = await timeToFirstToken(targets[worker]);
          into?.push(ms);
          targets[worker] = await next(worker);
        }
      }),
    );
  };

  /** `samples` requests per path with `concurrency` streams in flight; the paths take turns in blocks. */
  const measure = async (concurrency: number, samples: number) => {
    const workers = Array.from({ length: concurrency }, (_, w) => w);
    const directTargets = await Promise.all(workers.map(direct));
    const parleyTargets = await Promise.all(workers.map(parley));
    const turns = workers.map(() => 0);
    const nextDirect = async (w: number) => directTargets[w];
    const nextParley = async (w: number) => (++turns[w] % TURNS_PER_SESSION === 0 ? parley(w) : parleyTargets[w]);
    const warmup = Math.ceil(WARMUP / concurrency);
    await runBlock(directTargets, warmup, nextDirect);
    await runBlock(parleyTargets, warmup, nextParley);
    const times = { direct: [] as number[], parley: [] as number[] };
    const perBlock = Math.ceil(BLOCK / concurrency);
    while (times.parley.length < samples) {
      await runBlock(directTargets, perBlock, nextDirect, times.direct);
      await runBlock(parleyTargets, perBlock, nextParley, times.parley);
    }
    return times;
  };

  const rows: Row[] = [];
  const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  for (const concurrency of [1, 20] as const) {
    if (!SAMPLES[concurrency]) continue;
    const times = await measure(concurrency, SAMPLES[concurrency]);
    for (const [path, values] of Object.entries(times)) {
      const sorted = values.sort((a, b) => a - b);
      rows.push({ concurrency, path, samples: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) });
    }
  }
  agent.destroy();
  return rows;
}

// ---------------------------------------------------------------- mock upstream (worker)

async function mockUpstream(): Promise<void> {
  const mock = await startMockOpenAI();
  const tokens = ['Hello', ' there', '!', ...Array.from({ length: REPLY_TOKENS - 3 }, (_, i) => ` more${i}`)];
  mock.setDefault({ tokens, delayMs: TOKEN_MS || undefined, usage: { prompt_tokens: 12, completion_tokens: tokens.length } });
  parentPort?.postMessage({ url: mock.url });
  parentPort?.once('message', async () => {
    await mock.close();
    parentPort?.close();
  });
}

// ---------------------------------------------------------------- Parley (main thread)

function startWorker<T>(data: Record<string, unknown>): { worker: Worker; first: Promise<T> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const first = new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, first };
}

async function main(): Promise<void> {
  const mock = startWorker<{ url: string }>({ role: 'mock' });
  const { url: mockUrl } = await mock.first;
  const server = await startTestServer({
    env: {
      LOG_LEVEL: 'silent',
      OPENAI_API_KEY: 'bench',
      OPENAI_BASE_URL: mockUrl,
      RATE_LIMIT_FREE_RPM: '1000000',
      TOKEN_BUDGET_FREE_DAILY: '1000000000',
    },
  });
  try {
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const res = await fetch(`${server.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `bench-${i}-${Date.now()}@example.test`, password: 'bench-password' }),
      });
      tokens.push(((await res.json()) as { access_token: string }).access_token);
    }
    const client = startWorker<Row[]>({ role: 'client', serverUrl: server.url, mockUrl, tokens });
    const rows = await client.first;
    await client.worker.terminate();

    const table: string[][] = [['concurrency', 'path', 'samples', 'p50 ms', 'p99 ms']];
    for (const concurrency of [1, 20]) {
      if (!SAMPLES[concurrency]) continue;
      const d = rows.find((r) => r.concurrency === concurrency && r.path === 'direct')!;
      const p = rows.find((r) => r.concurrency === concurrency && r.path === 'parley')!;
      table.push([String(concurrency), 'direct (mock)', String(d.samples), d.p50.toFixed(2), d.p99.toFixed(2)]);
      table.push([String(concurrency), 'Parley /v1/chat/stream', String(p.samples), p.p50.toFixed(2), p.p99.toFixed(2)]);
      table.push([String(concurrency), 'added by Parley', '', (p.p50 - d.p50).toFixed(2), (p.p99 - d.p99).toFixed(2)]);
    }
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    console.log(`database: ${server.databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)'}; node ${process.version}`);
    for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  } finally {
    await server.close();
    mock.worker.postMessage('close');
    await new Promise((resolve) => mock.worker.once('exit', resolve));
  }
}

if (isMainThread) await main();
else if (workerData.role === 'mock') await mockUpstream();
else parentPort?.postMessage(await loadGenerator(workerData));
