// What Parley's resident memory is made of: one process goes through Parley's start-up a step
// at a time (PGlite's module, the rest of the modules, the database opened and migrated,
// listening, a user registered, completions served, then the tokenizer that only exact token
// counts load) and after each step collects garbage and reads process.memoryUsage(), VmRSS
// and VmHWM, and the embedded database's WebAssembly memory. It also lists the packages
// loaded by each step.
//
//   node --expose-gc [--max-semi-space-size=4 ...] bench/gateway/memory-steps.ts [pglite|pg]
//
// Give it the Node flags of `npm start` (package.json) to measure what `npm start` runs; they
// are passed on to the `node src/main.ts` processes whose start-up peak is read at the end.
// `pg` uses a fresh database on DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const kind = process.argv[2] === 'pg' ? 'pg' : 'pglite';
const MB = 1024 * 1024;

// Every package a step loads (by its folder under node_modules), from the module loader's hooks.
const loaded = new Set<string>();
let seen = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (name) loaded.add(name);
    return nextLoad(url, context);
  },
});
/** The packages loaded since the last call. */
function newlyLoaded(): string[] {
  const fresh = [...loaded].filter((name) => !seen.has(name));
  seen = new Set(loaded);
  return fresh.sort();
}

interface Row {
  step: string;
  packages: string[];
  rss: number;
  peak: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  wasm: number;
}
const rows: Row[] = [];
// Every PGlite the server opens, for the size of its WebAssembly memory.
const pglites: { mod?: { HEAPU8?: Uint8Array } }[] = [];

async function probe(step: string) {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 50));
  }
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
  const m = process.memoryUsage();
  rows.push({
    step,
    packages: newlyLoaded(),
    rss: kb('VmRSS'),
    peak: kb('VmHWM'),
    heapUsed: m.heapUsed / MB,
    heapTotal: m.heapTotal / MB,
    external: m.external / MB,
    arrayBuffers: m.arrayBuffers / MB,
    wasm: pglites.reduce((n, p) => n + (p.mod?.HEAPU8?.byteLength ?? 0), 0) / MB,
  });
}

await probe('Node started (with type stripping, for a .ts entry)');
const { PGlite } = await import('@electric-sql/pglite');
const create = PGlite.create.bind(PGlite);
PGlite.create = (async (...args: Parameters<typeof PGlite.create>) => {
  const db = await create(...args);
  pglites.push(db as unknown as (typeof pglites)[number]);
  return db;
}) as typeof PGlite.create;
await probe('PGlite module imported (JavaScript only)');
const { startServer } = await import('../../src/server.ts');
const { parseConfig } = await import('../../src/config.ts');
await probe("every other module of Parley's imported");
// The benchmark's own helpers (pg is already loaded with Parley's modules).
const { unusedPort } = await import('../../test/support/ports.ts');
const { runTask } = await import('./load.ts');
const { createDatabase, startParley } = await import('./parley.ts');
const { startNode, stopChild, waitForHttp, memoryOf } = await import('./processes.ts');

const mockPort = await unusedPort();
const mock = startNode('mock', [fileURLToPath(new URL('./mock-upstream.ts', import.meta.url)), String(mockPort)], { env: { PATH: process.env.PATH ?? '' } });
const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-memory-'));
const startupDir = mkdtempSync(path.join(tmpdir(), 'parley-memory-startup-'));
const startupPeaks: string[] = [];
const database = kind === 'pg' ? await createDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres') : undefined;
if (database && 'skipped' in database) throw new Error(database.skipped);
try {
  await waitForHttp(mock, `http://127.0.0.1:${mockPort}/v1/models`);
  const server = await startServer(
    parseConfig({
      HOST: '127.0.0.1',
      PORT: String(await unusedPort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_BASE_URL: `http://127.0.0.1:${mockPort}/v1`,
      RATE_LIMIT_FREE_RPM: '1000000',
      RATE_LIMIT_API_RPM: '1000000',
      TOKEN_BUDGET_FREE_DAILY: '1000000000',
      ...(database ? { DATABASE_URL: database.url, JWT_SECRET: 'memory-steps-secret-0123456789' } : {}),
    }),
  );
  await probe(`server started: ${kind === 'pg' ? 'PostgreSQL pool' : 'PGlite'} open and migrated, listening`);
  const post = async (url: string, body: unknown, token?: string) => {
    const res = await fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  const session = await post('/api/v1/auth/register', { email: `memory-${Date.now()}@example.test`, password: 'memory-steps-pw-1' });
  const { key } = await post('/api/v1/auth/api-keys', { name: 'memory' }, session.access_token);
  await probe('a user registered (password policy list loaded) and an API key made');
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
  await post('/v1/chat/completions', body, key);
  await probe('one completion served');
  const task = {
    path: 'memory',
    url: `${server.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${key}` },
    mode: 'rps' as const,
    concurrency: 10,
    warmMs: 0,
    windowMs: 5_000,
  };
  const stateless = await runTask({ ...task, payload: JSON.stringify(body) });
  await probe(`${stateless.completed} more stateless completions (10 at a time, 5 s)`);
  const stored = await runTask({ ...task, payload: JSON.stringify({ ...body, store: true }) });
  await probe(`${stored.completed} store: true completions (10 at a time, 5 s)`);
  await new Promise((r) => setTimeout(r, 5_000));
  await probe('idle 5 s');
  // Loaded by the first exact count only: usage a provider did not report, document passages.
  const { estimateTextTokens } = await import('../../src/core/chat/token-estimate.ts');
  estimateTextTokens('hello world');
  await probe('an exact token count (the tokenizer loaded)');
  await server.close();
  // The start-up peak of `node src/main.ts` itself, on a fresh data folder and again on the same one.
  for (const round of ['fresh', 'again']) {
    const where = `${round} ${kind === 'pg' ? 'database' : 'DATA_DIR'}`;
    // A start-up that fails (or outlasts startParley's wait on a busy machine) is reported, not fatal: the table above stands.
    const parley = await startParley({ name: 'parley', port: await unusedPort(), upstreamUrl: `http://127.0.0.1:${mockPort}/v1`, databaseUrl: database?.url, dataDir: kind === 'pglite' ? startupDir : undefined, keepDataDir: true, nodeArgs: process.execArgv.filter((a) => a !== '--expose-gc') }).catch((err: Error) => {
      startupPeaks.push(`${where}: did not start (${err.message.split('\n')[0]})`);
      return undefined;
    });
    if (!parley) continue;
    startupPeaks.push(`${where}: start-up peak ${parley.startupPeakMb.toFixed(0)} MB, RSS once ready ${memoryOf(parley.child.pid).rssMb.toFixed(0)} MB`);
    await parley.stop();
  }
} finally {
  await stopChild(mock);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(startupDir, { recursive: true, force: true });
  if (database && !('skipped' in database)) await database.drop();
}

const f = (n: number) => n.toFixed(0);
console.log(`\nParley's memory, step by step (${kind === 'pg' ? 'PostgreSQL' : 'PGlite'}; MB, after garbage collection; Node ${process.version})\n`);
console.log(`Node flags: ${process.execArgv.join(' ') || '(none)'}\n`);
console.log('| step | RSS | Δ RSS | peak (VmHWM) | JS heap used / total | external (of which ArrayBuffers) | PGlite WASM memory |');
console.log('|---|---|---|---|---|---|---|');
rows.forEach((r, i) => {
  const delta = i ? r.rss - rows[i - 1].rss : r.rss;
  console.log(
    `| ${r.step} | ${f(r.rss)} | ${delta >= 0 ? '+' : ''}${f(delta)} | ${f(r.peak)} | ${f(r.heapUsed)} / ${f(r.heapTotal)} | ${f(r.external)} (${f(r.arrayBuffers)}) | ${r.wasm ? f(r.wasm) : '–'} |`,
  );
});
console.log('\nPackages each step loaded:');
for (const r of rows) if (r.packages.length) console.log(`- ${r.step}: ${r.packages.join(', ')}`);
console.log(`\n\`node src/main.ts\` in its own process (VmHWM once it answers /healthz): ${startupPeaks.join('; ')}.`);
console.log('\nV8 heap spaces at the end (used / size, MB):');
for (const s of getHeapSpaceStatistics()) console.log(`  ${s.space_name.padEnd(28)} ${f(s.space_used_size / MB).padStart(5)} / ${f(s.space_size / MB)}`);
process.exit(0);
