import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.ts';

/** Why WORKERS cannot be used with these settings, or undefined when it can. */
export function workersRefusal(config: Config): string | undefined {
  if (!config.databaseUrl) {
    return `WORKERS=${config.workers} needs DATABASE_URL and REDIS_URL: the embedded database belongs to one process (unset WORKERS, or use PostgreSQL and Redis)`;
  }
  if (!config.redisUrl) {
    return `WORKERS=${config.workers} needs REDIS_URL: processes share limits, events and live turns through Redis`;
  }
  return undefined;
}

/** A worker that dies is started again after this long, doubling while it keeps dying young. */
const RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that lived this long died of something else than its start-up: the delay starts over. */
const HEALTHY_AFTER_MS = 10_000;

/**
 * The primary process of `WORKERS=N`: forks N servers that share the port (the cluster module
 * hands connections out in turn), each its own instance with a stable id (`<INSTANCE_ID>-<n>`,
 * so a restarted worker recovers its own interrupted replies at once), restarts a worker that
 * dies, and on SIGTERM/SIGINT stops them all and exits once they have drained.
 */
export function runPrimary(config: Config, log: (line: string) => void): void {
  const slots = new Map<Worker, number>();
  let stopping = false;

  const start = (slot: number, delayMs = RESTART_DELAY_MS) => {
    const startedAt = Date.now();
    const worker = cluster.fork({ INSTANCE_ID: `${config.instanceId}-${slot}`, WORKERS: '1' });
    slots.set(worker, slot);
    worker.once('exit', (code, signal) => {
      slots.delete(worker);
      if (stopping) {
        if (slots.size === 0) process.exit(0);
        return;
      }
      const young = Date.now() - startedAt < HEALTHY_AFTER_MS;
      const wait = young ? Math.min(delayMs * 2, MAX_RESTART_DELAY_MS) : RESTART_DELAY_MS;
      log(`worker ${slot} exited (${signal ?? `code ${code}`}); starting it again in ${wait} ms`);
      setTimeout(() => start(slot, wait), wait).unref();
    });
  };
  for (let slot = 1; slot <= config.workers; slot++) start(slot);
  log(`started ${config.workers} workers on port ${config.server.port}`);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopping = true;
      if (slots.size === 0) process.exit(0);
      for (const worker of slots.keys()) worker.process.kill('SIGTERM');
    });
  }
}
