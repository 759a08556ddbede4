// Server memory per idle websocket: starts Parley in one process (with --expose-gc) and opens
// authenticated, idle sockets to it from another, so the clients' memory is not counted.
// Prints the server's resident memory growth divided by the number of sockets.
//
//   npm run bench:ws                        10,000 sockets over 10,000 sessions, embedded database
//   BENCH_SOCKETS=20000 BENCH_SESSIONS=100 npm run bench:ws
//   DATABASE_URL=postgres://... npm run bench:ws

import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { Reuse } from './ws-server.ts';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 10_000);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? SOCKETS);
/** Opened and closed first, so that the code involved is loaded before the baseline; few, to add little garbage. */
const WARMUP = Math.min(100, SOCKETS);
const TARGET_KB = 30;

const here = path.dirname(new URL(import.meta.url).pathname);

/** A child process and a way to wait for its next message of a given type. */
function child(file: string, args: string[], execArgv: string[] = []) {
  const proc: ChildProcess = fork(path.join(here, file), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = (code: number | null) => reject(new Error(`${file} exited (${code}) while waiting for '${type}'`));
      proc.on('message', onMessage);
      proc.once('exit', onExit);
    });
  return { proc, next, send: (message: unknown) => proc.send(message as object) };
}

type Memory = { memory: NodeJS.MemoryUsage };
type Opened = { open: number; failed: number; firstError?: string };
const kb = (bytes: number) => bytes / 1024;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

const started = performance.now();
// The data is made by one process; the measured server starts fresh on it in another.
const setup = child('ws-server.ts', ['setup', String(SESSIONS)]);
const { reuse, token, sessionIds } = await setup.next<{ reuse: Reuse; token: string; sessionIds: string[] }>('setup');
const server = child('ws-server.ts', ['serve'], ['--expose-gc']);
const clients = child('ws-clients.ts', []);
try {
  await Promise.all([server.next('started'), clients.next('ready')]);
  server.send({ type: 'serve', reuse });
  const ready = { ...(await server.next<{ url: string }>('ready')), token, sessionIds };
  const open = async (count: number) => {
    clients.send({ type: 'open', url: ready.url, token: ready.token, sessionIds: ready.sessionIds, count });
    const result = await clients.next<Opened>('opened');
    if (result.failed > 0) throw new Error(`${result.failed} of ${count} sockets failed: ${result.firstError}`);
    return result;
  };
  const measure = async () => {
    server.send({ type: 'measure' });
    return (await server.next<Memory>('memory')).memory;
  };

  await open(WARMUP);
  clients.send({ type: 'close' });
  await clients.next('closed');
  const before = await measure();

  const openedAt = performance.now();
  const { open: count } = await open(SOCKETS);
  const openSeconds = (performance.now() - openedAt) / 1000;
  const after = await measure();

  const perSocket = (key: keyof NodeJS.MemoryUsage) => kb((after[key] - before[key]) / count);
  console.log(`sockets open:             ${count} over ${ready.sessionIds.length} sessions (opened in ${openSeconds.toFixed(1)} s)`);
  console.log(`server RSS before/after:  ${mb(before.rss)} MB -> ${mb(after.rss)} MB`);
  console.log(`heap used before/after:   ${mb(before.heapUsed)} MB -> ${mb(after.heapUsed)} MB (heap size ${mb(before.heapTotal)} MB -> ${mb(after.heapTotal)} MB)`);
  console.log(`RSS per socket:           ${perSocket('rss').toFixed(1)} KB (target <= ${TARGET_KB} KB)`);
  console.log(`JS heap per socket:       ${perSocket('heapUsed').toFixed(1)} KB (external: ${perSocket('external').toFixed(1)} KB)`);
  console.log(`total time:               ${((performance.now() - started) / 1000).toFixed(1)} s`);
  clients.send({ type: 'close' });
  await clients.next('closed');
  if (perSocket('rss') > TARGET_KB) process.exitCode = 1;
} finally {
  server.send({ type: 'stop' });
  await new Promise((resolve) => server.proc.once('exit', resolve));
  clients.proc.kill();
}
