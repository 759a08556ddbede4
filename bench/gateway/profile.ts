// Where Parley's time goes as a gateway: Parley runs with `--cpu-prof` under closed-loop load
// on `POST /v1/chat/completions` (10 connections, non-streamed), stateless and with
// `store: true`, on PGlite and on a fresh PostgreSQL database, one Parley process per profile.
// Prints each profile's summary (bench/gateway/cpuprofile-summary.ts) and keeps the files.
// Then, in another Parley process per case, one request at a time, every database statement
// is timed (bench/gateway/statement-timing.ts): how many each request runs, and their time.
//
//   node bench/gateway/profile.ts
//
// Knobs: BENCH_SECONDS=10 of load per profile (and half that for the statement timings); BENCH_PROFILES=pglite-stateless,pg-store,...
// picks profiles; DATABASE_URL as for bench/gateway.ts; BENCH_PROFILE_DIR keeps the files there.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unusedPort } from '../../test/support/ports.ts';
import { startFlags } from '../../test/support/start-flags.ts';
import { printSummary, summarize } from './cpuprofile-summary.ts';
import { runTask } from './load.ts';
import { createDatabase, startParley } from './parley.ts';
import { cpuMsOf, startNode, stopChild, waitForHttp } from './processes.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PG_BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ONLY = process.env.BENCH_PROFILES?.split(',').filter(Boolean);
const outDir = process.env.BENCH_PROFILE_DIR ?? mkdtempSync(path.join(tmpdir(), 'parley-gateway-profiles-'));

const here = path.dirname(fileURLToPath(import.meta.url));

/** Closed-loop non-streamed completions against one Parley. */
function taskFor(parley: { url: string; apiKey: string }, name: string, mode: 'stateless' | 'store') {
  return {
    path: name,
    url: `${parley.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${parley.apiKey}` },
    payload: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...(mode === 'store' ? { store: true } : {}) }),
    mode: 'rps' as const,
    concurrency: 1,
    warmMs: 0,
  };
}
/** One request at a time through a Parley whose every statement is timed; prints them per request. */
async function timeStatements(name: string, mode: 'stateless' | 'store', databaseUrl?: string) {
  const file = path.join(outDir, `${name}-statements.json`);
  const parley = await startParley({
    name: `parley-${name}-statements`,
    port: await unusedPort(),
    upstreamUrl: mockUrl,
    databaseUrl,
    nodeArgs: [...startFlags, '--import', path.join(here, 'statement-timing.ts')],
    env: { STATEMENT_TIMING_FILE: file },
  });
  let r: Awaited<ReturnType<typeof runTask>>;
  try {
    const one = taskFor(parley, name, mode);
    await runTask({ ...one, windowMs: 1_000 });
    process.kill(parley.child.pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 100));
    r = await runTask({ ...one, windowMs: (SECONDS * 1000) / 2 });
  } finally {
    await parley.stop();
  }
  const stats = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { count: number; ms: number }>;
  const requests = r.completed;
  const rows = Object.entries(stats).sort((a, b) => b[1].ms - a[1].ms);
  const dbMs = rows.reduce((n, [, s]) => n + s.ms, 0);
  // A stored turn's title is asked for after the reply: its statements overlap the next request.
  console.log(
    `\n---- ${name}, one request at a time: ${requests} requests, ${((r.windowMs / Math.max(1, r.count)) * 1).toFixed(2)} ms each end to end; ` +
      `${(rows.reduce((n, [, s]) => n + s.count, 0) / requests).toFixed(1)} statements and ${(dbMs / requests).toFixed(2)} ms in the database per request`,
  );
  console.log('| per request | mean ms | ms per request | statement |');
  console.log('|---|---|---|---|');
  for (const [text, s] of rows.slice(0, 15)) {
    console.log(`| ${(s.count / requests).toFixed(2)} | ${(s.ms / s.count).toFixed(3)} | ${(s.ms / requests).toFixed(3)} | \`${text.replace(/\|/g, '\\|')}\` |`);
  }
}

/** Parley with `--cpu-prof` under 10 connections of load; prints the summary of the samples taken during the measured window. */
async function profileCase(name: string, mode: 'stateless' | 'store', databaseUrl?: string) {
  const dir = path.join(outDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const parley = await startParley({
    name: `parley-${name}`,
    port: await unusedPort(),
    upstreamUrl: mockUrl,
    databaseUrl,
    nodeArgs: [...startFlags, '--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  try {
    const task = { ...taskFor(parley, name, mode), concurrency: 10 };
    await runTask({ ...task, windowMs: 1_000 });
    const cpuBefore = cpuMsOf(parley.child.pid);
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const r = await runTask({ ...task, windowMs: SECONDS * 1000 });
    const untilUs = Number(process.hrtime.bigint() / 1000n);
    const cpuMs = cpuMsOf(parley.child.pid) - cpuBefore;
    await parley.stop();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile written in ${dir}`);
    // Only the samples taken while the measured load ran (not start-up, warm-up or shutdown).
    const summary = summarize(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), { fromUs, untilUs });
    console.log(
      `\n==== ${name}: ${r.count} requests in ${SECONDS} s (${(r.count / SECONDS).toFixed(0)} req/s under the profiler), ${r.errors} errors; ` +
        `Parley's CPU ${((cpuMs * 1000) / Math.max(1, r.count)).toFixed(0)} µs per request (all threads); profile ${path.join(dir, file)}`,
    );
    printSummary(summary, { top: 30, requests: r.count });
  } finally {
    await parley.stop();
  }
}

const mockPort = await unusedPort();
const mock = startNode('mock', [fileURLToPath(new URL('./mock-upstream.ts', import.meta.url)), String(mockPort)], { env: { PATH: process.env.PATH ?? '' } });
const mockUrl = `http://127.0.0.1:${mockPort}/v1`;
try {
  await waitForHttp(mock, `${mockUrl}/models`);
  for (const db of ['pglite', 'pg'] as const) {
    for (const mode of ['stateless', 'store'] as const) {
      const name = `${db}-${mode}`;
      if (ONLY && !ONLY.includes(name)) continue;
      const database = db === 'pg' ? await createDatabase(PG_BASE) : undefined;
      if (database && 'skipped' in database) {
        console.log(`\n==== ${name}: skipped, ${database.skipped}`);
        continue;
      }
      try {
        await profileCase(name, mode, database?.url);
        await timeStatements(name, mode, database?.url);
      } finally {
        if (database) await database.drop();
      }
    }
  }
} finally {
  await stopChild(mock);
}
console.log(`\nProfiles kept in ${outDir}`);
