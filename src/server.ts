import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { recoverInterruptedTurns, scheduleTurnRecovery } from './core/chat/recovery.ts';
import { loadTokenizer } from './core/chat/token-estimate.ts';
import { InProcessTurnRelay, type TurnRelay } from './core/chat/turn-relay.ts';
import { createCore } from './core/index.ts';
import { MemoryRateLimiter } from './core/limits/memory-rate-limiter.ts';
import { PurgeJob } from './core/retention/purge-job.ts';
import { openDatabase } from './db/client.ts';
import { acquireDataDirLock } from './db/data-dir-lock.ts';
import { failureReason, maskUrl, probeRedis } from './dependency-checks.ts';
import { type EventBus, InProcessEventBus } from './realtime/event-bus.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** The retention job, also for running a purge on demand. */
  purge: PurgeJob;
  close(): Promise<void>;
}

/**
 * Opens storage, builds the app and listens; `close` drains turns and connections in order.
 * Fails with a one-line error (naming the setting at fault) when a dependency is unusable,
 * after closing whatever it had opened.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  // What start-up has opened so far, closed in reverse order if a later step fails.
  const opened: Array<() => unknown> = [];
  try {
    return await start(config, opened);
  } catch (err) {
    for (const undo of opened.reverse()) await Promise.resolve().then(undo).catch(() => {});
    throw err;
  }
}

async function start(config: Config, opened: Array<() => unknown>): Promise<RunningServer> {
  // The embedded database belongs to one process: take its folder before anything reads or writes it.
  const lock = config.databaseUrl ? undefined : acquireDataDirLock(config.dataDir);
  if (lock) opened.push(() => lock.release());
  // Checked first, with a bounded wait: ioredis would otherwise queue and retry forever.
  if (config.redisUrl) await probeRedis(config.redisUrl);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  opened.push(() => database.close());
  const jwtSecret = config.jwtSecret ?? embeddedJwtSecret(config.dataDir);
  const staleSeconds = config.models.staleTurnSeconds;
  // Before listening, so no reply shows `streaming` once this process is ready. The embedded
  // database has one process: nothing can be streaming yet. A shared PostgreSQL may have other
  // instances streaming: only replies whose heartbeat stopped are cut, and at once those of
  // this instance id, whose earlier process is gone.
  await recoverInterruptedTurns(database.db, database.kind === 'pglite' ? {} : { staleSeconds, instanceId: config.instanceId });
  // Redis outages are logged once each (by the limiter, whose connection sees them like the
  // bus's do); set once the app (and its logger) exists, a report before that is replayed then.
  const redisLog = deferredRedisLog();
  // The Redis adapters (and their client library) are loaded only when Redis is configured.
  const redis = config.redisUrl ? await loadRedisAdapters(config.redisUrl) : undefined;
  // With Redis, every instance counts against the same limits.
  const sharedLimiter = redis
    ? new redis.RedisRateLimiter(redis.url, { prefix: `${config.redisKeyPrefix}rl:`, onAvailabilityChange: redisLog.report })
    : undefined;
  const limiter = sharedLimiter ?? new MemoryRateLimiter();
  opened.push(() => limiter.close());
  // So the first requests are counted in Redis rather than in memory.
  if (sharedLimiter) await sharedLimiter.waitUntilReady(5_000).catch(() => {});
  // With Redis, session events reach the sockets of every instance.
  const bus: EventBus = redis
    ? await redis.RedisEventBus.connect(redis.url, {
        channel: `${config.redisKeyPrefix}session-events`,
        revocationChannel: `${config.redisKeyPrefix}revocations`,
        onError: (err) => redisLog.busError(err),
      }).catch((err: unknown) => {
        // Lost since the probe a moment ago: the same one line.
        throw new Error(`cannot connect to REDIS_URL ${maskUrl(redis.url)} (${failureReason(err)})`);
      })
    : new InProcessEventBus();
  opened.push(() => bus.close());
  // With Redis, a turn can be followed and stopped from any instance.
  const relay: TurnRelay = redis
    ? await redis.RedisTurnRelay.connect(redis.url, { prefix: config.redisKeyPrefix, onError: (err) => redisLog.busError(err) })
    : new InProcessTurnRelay();
  opened.push(() => relay.close());
  // Provider failures are logged at warn by the app's logger, set once it exists (no call runs before).
  let providerLog: Pick<FastifyBaseLogger, 'warn'> | undefined;
  const log = { warn: (fields: Record<string, unknown>, message: string) => providerLog?.warn(fields, message) };
  const core = createCore({ config, db: database.db, bus, jwtSecret, limiter, log, relay });
  opened.push(() => core.metrics.close());
  if (database.poolUse) core.metrics.watchDatabasePool(database.poolUse);
  const readiness: Record<string, () => Promise<void>> = sharedLimiter ? { redis: () => sharedLimiter.ping() } : {};
  const app = await buildApp({ config, database, core, readiness });
  opened.push(() => app.close());
  redisLog.attach(app.log);
  providerLog = app.log;
  const purge = new PurgeJob({
    conversations: core.conversations,
    retentionDays: config.retention.deleteRetentionDays,
    intervalMs: config.retention.purgeIntervalMinutes * 60_000,
    log: app.log,
  });
  const recovery = scheduleTurnRecovery({ db: database.db, staleSeconds, liveIds: () => core.engine.liveMessageIds() });
  opened.push(() => recovery.stop());
  // Budget holds count prompts with the tokenizer: loaded before the first request, not by it.
  loadTokenizer();
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
        await relay.close();
        await bus.close();
        await database.close();
        core.metrics.close();
        // Last: the folder is free only once the database in it is closed.
        lock?.release();
      })();
      return closing;
    },
  };
}

async function loadRedisAdapters(url: string) {
  const [{ RedisRateLimiter }, { RedisEventBus }, { RedisTurnRelay }] = await Promise.all([
    import('./core/limits/redis-rate-limiter.ts'),
    import('./realtime/redis-event-bus.ts'),
    import('./realtime/redis-turn-relay.ts'),
  ]);
  return { url, RedisRateLimiter, RedisEventBus, RedisTurnRelay };
}

/**
 * Reports Redis outages to the app's log: one warning when Redis stops answering, one line
 * when it is back. The bus's own connection errors in between are the same outage and are
 * dropped; its other errors are logged.
 */
function deferredRedisLog() {
  let log: FastifyBaseLogger | undefined;
  let down = false;
  let pending: { err: unknown } | undefined;
  const warnDown = (err: unknown) =>
    log?.warn({ err }, 'Redis unreachable: rate limits count in this process only, events reach this instance only, until it returns');
  return {
    report(available: boolean, err?: unknown) {
      down = !available;
      if (!log) {
        pending = available ? undefined : { err };
        return;
      }
      if (available) log.info('Redis reachable again: shared rate limits and events resumed');
      else warnDown(err);
    },
    busError(err: unknown) {
      if (down || isConnectionError(err)) return;
      log?.warn({ err }, 'event bus error');
    },
    attach(logger: FastifyBaseLogger) {
      log = logger;
      if (pending) warnDown(pending.err);
      pending = undefined;
    },
  };
}

/** Errors ioredis raises when the connection is down (socket codes, or its own for refused commands). */
function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return true;
  if (e?.name === 'MaxRetriesPerRequestError') return true;
  return typeof e?.message === 'string' && /^(Connection is closed|Stream isn't writeable)/.test(e.message);
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
