// Loaded with `--import` into a Parley process: times every database statement (node-postgres
// `Client#query`, PGlite `query`/`exec`/`transaction`) from call to result, and on exit writes
// the count and total milliseconds per statement (its first 100 characters) as JSON to the
// file named by STATEMENT_TIMING_FILE. Times include waiting for PGlite's one connection, so
// they are meant for one request at a time.

import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const out = process.env.STATEMENT_TIMING_FILE;
const stats = new Map<string, { count: number; ms: number }>();
let recording = true;

function record(text: unknown, ms: number) {
  if (!recording) return;
  const raw = typeof text === 'string' ? text : ((text as { text?: string })?.text ?? String(text));
  const key = raw.replace(/\s+/g, ' ').trim().slice(0, 100);
  const s = stats.get(key) ?? { count: 0, ms: 0 };
  s.count++;
  s.ms += ms;
  stats.set(key, s);
}

type AnyFn = (...args: unknown[]) => unknown;

/** Wraps `proto[name]` so that each call's time to its result (promise or callback) is recorded. */
function time(proto: Record<string, unknown>, name: string, label: (args: unknown[]) => unknown) {
  const original = proto[name] as AnyFn;
  proto[name] = function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (...cb: unknown[]) => {
        record(label(args), performance.now() - started);
        return (last as AnyFn)(...cb);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<unknown>).finally(() => record(label(args), performance.now() - started));
    }
    return result;
  };
}

time(pg.Client.prototype as unknown as Record<string, unknown>, 'query', (args) => args[0]);
time(PGlite.prototype as unknown as Record<string, unknown>, 'query', (args) => args[0]);
time(PGlite.prototype as unknown as Record<string, unknown>, 'exec', (args) => args[0]);
time(PGlite.prototype as unknown as Record<string, unknown>, 'transaction', () => 'PGlite transaction (all its statements)');

// Start-up (migrations, recovery) is not what is measured: recording starts over on SIGUSR2.
process.on('SIGUSR2', () => {
  stats.clear();
  recording = true;
});
process.on('exit', () => {
  recording = false;
  if (out) writeFileSync(out, JSON.stringify(Object.fromEntries(stats)));
});
