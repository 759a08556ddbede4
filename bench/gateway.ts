// Parley as an OpenAI-compatible gateway, against Portkey's open-source gateway and a bare fetch
// pass-through, all in front of the same mock upstream, in one run. Loopback only; bounded;
// exits by itself and stops every process it started.
//
//   npm run bench:gateway
//
// Processes: the mock upstream (bench/gateway/mock-upstream.ts: 20 tokens at once, streamed or
// not), Portkey (@portkey-ai/gateway, installed on first use into bench/.portkey), the
// pass-through (bench/gateway/pass-through.ts), Parley on PGlite and Parley on a fresh
// PostgreSQL database (created and dropped here; skipped with a note when PostgreSQL does not
// answer). The load generator runs in a worker thread of this process (bench/gateway/load.ts).
//
// Knobs (environment): BENCH_SECONDS=3 measured seconds per path and measure in each block;
// BENCH_BLOCKS=3 blocks (every path takes its turn in each block, in a rotating order);
// DATABASE_URL names the PostgreSQL server to create the database on (default
// postgres://postgres@127.0.0.1:5432/postgres); BENCH_PATHS=key,key runs only those paths;
// BENCH_PARLEY_NODE_ARGS="--max-semi-space-size=4 ..." starts the Parley processes with these Node flags.

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { unusedPort } from '../test/support/ports.ts';
import type { LoadResult, LoadTask } from './gateway/load.ts';
import { createDatabase, type ParleyTarget, startParley } from './gateway/parley.ts';
import { ensurePortkey, PORTKEY_VERSION, portkeyHeaders, startPortkey } from './gateway/portkey.ts';
import { type Child, cpuMsOf, memoryOf, startNode, stopChild, waitForHttp } from './gateway/processes.ts';
import { MEASURES, type Measure, type PathInfo, report, type Totals } from './gateway/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 3);
const WARM_MS = 250;
const PG_BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ONLY = process.env.BENCH_PATHS?.split(',').filter(Boolean);
// Unset: the flags of `npm start`.
const PARLEY_NODE_ARGS = process.env.BENCH_PARLEY_NODE_ARGS?.split(' ').filter(Boolean);
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

interface Path extends PathInfo {
  url: string;
  headers: Record<string, string>;
  extra?: Record<string, unknown>;
  /** The process behind the path (memory is read from it); store paths share Parley's. */
  process: Child;
}

const log = (line: string) => console.error(`[bench:gateway] ${line}`);

// ---------------------------------------------------------------- load generator

const worker = new Worker(new URL('./gateway/load.ts', import.meta.url));
let nextId = 0;
const pending = new Map<number, (r: LoadResult) => void>();
worker.on('message', (m: { id: number; result: LoadResult }) => pending.get(m.id)?.(m.result));
worker.on('error', (err) => {
  console.error(err);
  process.exitCode = 1;
});
function run(path: Path, measure: Measure, windowMs: number, warmMs = WARM_MS): Promise<LoadResult> {
  const task: LoadTask = {
    path: path.key,
    url: path.url,
    headers: path.headers,
    payload: JSON.stringify({ ...BODY, ...(measure.mode === 'ttft' ? { stream: true } : {}), ...path.extra }),
    mode: measure.mode,
    concurrency: measure.concurrency,
    warmMs,
    windowMs,
  };
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, (r) => {
      pending.delete(id);
      resolve(r);
    });
    worker.postMessage({ id, task });
  });
}

// ---------------------------------------------------------------- main

async function main() {
  const started: Child[] = [];
  const parleys: ParleyTarget[] = [];
  const drops: Array<() => Promise<void>> = [];
  const notes: string[] = [];
  const cleanup = async () => {
    for (const p of parleys) await p.stop().catch(() => {});
    for (const c of started.reverse()) await stopChild(c).catch(() => {});
    for (const drop of drops) await drop().catch((err) => log(`could not drop the database: ${err.message}`));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping every process started`);
      cleanup().finally(() => process.exit(1));
    });
  }
  const loadBefore = loadavg()[0];
  try {
    ensurePortkey(log);
    const mockPort = await unusedPort();
    const mock = startNode('mock', [fileURLToPath(new URL('./gateway/mock-upstream.ts', import.meta.url)), String(mockPort)], { env: { PATH: process.env.PATH ?? '' } });
    started.push(mock);
    const mockUrl = `http://127.0.0.1:${mockPort}/v1`;
    await waitForHttp(mock, `${mockUrl}/models`);

    const passPort = await unusedPort();
    const pass = startNode('pass-through', [fileURLToPath(new URL('./gateway/pass-through.ts', import.meta.url)), String(passPort), mockUrl], { env: { PATH: process.env.PATH ?? '' } });
    started.push(pass);
    await waitForHttp(pass, `http://127.0.0.1:${passPort}/`);

    const portkeyPort = await unusedPort();
    const portkey = await startPortkey(portkeyPort);
    started.push(portkey);

    log('starting Parley on PGlite');
    const lite = await startParley({ name: 'parley-pglite', port: await unusedPort(), upstreamUrl: mockUrl, nodeArgs: PARLEY_NODE_ARGS });
    parleys.push(lite);
    let onPg: ParleyTarget | undefined;
    const database = await createDatabase(PG_BASE);
    if ('skipped' in database) {
      notes.push(`Parley on PostgreSQL skipped: ${database.skipped}.`);
    } else {
      drops.push(database.drop);
      log('starting Parley on PostgreSQL');
      onPg = await startParley({ name: 'parley-pg', port: await unusedPort(), upstreamUrl: mockUrl, databaseUrl: database.url, nodeArgs: PARLEY_NODE_ARGS });
      parleys.push(onPg);
    }

    const parleyPaths = (p: ParleyTarget, key: string, label: string): Path[] => {
      const base = { url: `${p.url}/v1/chat/completions`, headers: { authorization: `Bearer ${p.apiKey}` }, process: p.child, startupPeakMb: p.startupPeakMb };
      return [
        { key, label: `Parley, ${label}`, ...base },
        { key: `${key}-store`, label: `Parley, ${label}, store: true`, ...base, extra: { store: true }, sharesProcessWith: key },
      ];
    };
    let paths: Path[] = [
      { key: 'mock', label: 'mock upstream, direct', url: `${mockUrl}/chat/completions`, headers: { authorization: 'Bearer sk-bench' }, process: mock },
      { key: 'pass-through', label: 'fetch pass-through', url: `http://127.0.0.1:${passPort}/v1/chat/completions`, headers: { authorization: 'Bearer sk-bench' }, process: pass },
      { key: 'portkey', label: `Portkey ${PORTKEY_VERSION}`, url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`, headers: portkeyHeaders(mockUrl), process: portkey },
      ...parleyPaths(lite, 'parley-pglite', 'PGlite'),
      ...(onPg ? parleyPaths(onPg, 'parley-pg', 'PostgreSQL') : []),
    ];
    if (ONLY) paths = paths.filter((p) => ONLY.includes(p.key) || p.key === 'mock');

    // Every path answers with the mock's tokens, streamed and not (so each request reached the mock).
    for (const path of paths) {
      for (const measure of [MEASURES[0], MEASURES[1]]) {
        const r = await run(path, measure, 1, 0);
        if (r.errors) throw new Error(`${path.label} failed its first ${measure.mode} request: ${r.firstError}`);
      }
    }

    log(`warming up: 1 s per path and measure (${paths.length} paths)`);
    for (const measure of MEASURES) for (const path of paths) await run(path, measure, 1_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = new Map(paths.filter((p) => !p.sharesProcessWith).map((p) => [p.key, memoryOf(p.process.pid).rssMb]));

    const totals = new Map<string, Totals>();
    const minutes = (BLOCKS * MEASURES.length * paths.length * (SECONDS + WARM_MS / 1000)) / 60;
    log(`measuring: ${BLOCKS} blocks x ${MEASURES.length} measures x ${paths.length} paths x ${SECONDS} s (about ${minutes.toFixed(1)} min)`);
    for (let block = 0; block < BLOCKS; block++) {
      for (const measure of MEASURES) {
        // A rotating order, so no path always follows the same one.
        const order = paths.map((_, i) => paths[(i + block) % paths.length]);
        for (const path of order) {
          const cpuBefore = cpuMsOf(path.process.pid);
          const r = await run(path, measure, SECONDS * 1000);
          const key = `${path.key}/${measure.key}`;
          const t = totals.get(key) ?? { count: 0, cpuMs: 0, completed: 0, errors: 0, windowMs: 0, samples: [] };
          t.cpuMs += cpuMsOf(path.process.pid) - cpuBefore;
          t.completed += r.completed;
          t.count += r.count;
          t.errors += r.errors;
          t.firstError ??= r.firstError;
          t.windowMs += r.windowMs;
          t.samples.push(...r.samples);
          totals.set(key, t);
          if (measure.mode === 'rps') log(`  ${path.key}: ${(r.count / (r.windowMs / 1000)).toFixed(0)} req/s`);
        }
      }
      log(`block ${block + 1}/${BLOCKS} done (load average ${loadavg()[0].toFixed(1)})`);
    }
    const peak = new Map(paths.filter((p) => !p.sharesProcessWith).map((p) => [p.key, memoryOf(p.process.pid).peakMb]));
    if (!('skipped' in database)) notes.push(`PostgreSQL database at the end: ${await databaseRows(database.url)}.`);

    const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
    const versions = `Parley ${version}; Portkey @portkey-ai/gateway ${PORTKEY_VERSION}.`;
    report({ paths, totals, idle, peak, notes, loadBefore, run: { blocks: BLOCKS, seconds: SECONDS }, versions });
  } finally {
    worker.postMessage({ close: true });
    await cleanup();
  }
}

/** How much the run left in the database: every call is a usage event, every stored request a conversation. */
async function databaseRows(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'select (select count(*) from usage_events)::int as usage_events, (select count(*) from conversations)::int as conversations, (select count(*) from messages)::int as messages',
    );
    return Object.entries(rows[0]).map(([k, v]) => `${v} ${k.replace('_', ' ')}`).join(', ');
  } finally {
    await client.end();
  }
}

await main();
