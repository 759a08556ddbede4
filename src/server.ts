import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { recoverInterruptedTurns, scheduleTurnRecovery } from './core/chat/recovery.ts';
import { createCore } from './core/index.ts';
import { MemoryRateLimiter } from './core/limits/memory-rate-limiter.ts';
import { RedisRateLimiter } from './core/limits/redis-rate-limiter.ts';
import { PurgeJob } from './core/retention/purge-job.ts';
import { openDatabase } from './db/client.ts';
import { type EventBus, InProcessEventBus } from './realtime/event-bus.ts';
import { RedisEventBus } from './realtime/redis-event-bus.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** The retention job, also for running a purge on demand. */
  purge: PurgeJob;
  close(): Promise<void>;
}

/** Opens storage, builds the app and listens; `close` drains turns and connections in order. */
export async function startServer(config: Config): Promise<RunningServer> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const jwtSecret = config.jwtSecret ?? embeddedJwtSecret(config.dataDir);
  const staleSeconds = config.models.staleTurnSeconds;
  // The embedded database has one process: nothing can be streaming yet. A shared PostgreSQL
  // may have other instances streaming: only replies whose heartbeat stopped are cut.
  await recoverInterruptedTurns(database.db, database.kind === 'pglite' ? {} : { staleSeconds });
  // Set once the app (and its logger) exists; Redis errors before that go unreported.
  let reportBusError = (_err: unknown) => {};
  // With Redis, session events reach the sockets of every instance.
  const bus: EventBus = config.redisUrl
    ? await RedisEventBus.connect(config.redisUrl, {
        channel: `${config.redisKeyPrefix}session-events`,
        onError: (err) => reportBusError(err),
      })
    : new InProcessEventBus();
  // With Redis, every instance counts against the same limits.
  const limiter = config.redisUrl ? new RedisRateLimiter(config.redisUrl, { prefix: `${config.redisKeyPrefix}rl:` }) : new MemoryRateLimiter();
  const core = createCore({ config, db: database.db, bus, jwtSecret, limiter });
  const app = await buildApp({ config, database, core });
  reportBusError = (err) => app.log.warn({ err }, 'event bus error');
  const purge = new PurgeJob({
    conversations: core.conversations,
    retentionDays: config.retention.deleteRetentionDays,
    intervalMs: config.retention.purgeIntervalMinutes * 60_000,
    log: app.log,
  });
  const recovery = scheduleTurnRecovery({ db: database.db, staleSeconds, liveIds: () => core.engine.liveMessageIds() });
  await app.listen({ port: config.server.port, host: config.server.host });
  purge.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  let closing: Promise<void> | undefined;
  return {
    app,
    purge,
    url: `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`,
    close() {
      closing ??= (async () => {
        recovery.stop();
        await purge.stop();
        await core.engine.drain();
        await app.close();
        await limiter.close();
        await bus.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/** With the embedded database the signing secret is generated once and kept beside the data. */
function embeddedJwtSecret(dataDir: string): string {
  const file = path.resolve(dataDir, 'jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
