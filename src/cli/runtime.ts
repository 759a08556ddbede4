import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Actor } from '../core/actor.ts';
import { type Core, createCore } from '../core/index.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { acquireDataDirLock, DataDirInUseError, type DataDirLock } from '../db/data-dir-lock.ts';
import { failureReason, maskUrl, probeRedis } from '../dependency-checks.ts';
import { type EventBus, InProcessEventBus } from '../realtime/event-bus.ts';
import { RedisEventBus } from '../realtime/redis-event-bus.ts';
import { CliError } from './io.ts';

/** The core services over the configured storage, as a command uses them. */
export interface Runtime {
  config: Config;
  database: Database;
  core: Core;
  close(): Promise<void>;
}

/**
 * Who a command acts as: an administrator that is no account (so the rule keeping admins from
 * demoting or disabling themselves never applies to the operator at the shell).
 */
export const operator: Actor = { userId: '00000000-0000-0000-0000-000000000000', role: 'admin', tier: 'enterprise' };

/**
 * Opens what a server opens, in the same order, minus the listener: the DATA_DIR lock (the
 * embedded database serves one process, so a running server refuses the command), Redis (so
 * a disabled account's sockets on every instance are closed), the database, brought up to date.
 */
export async function openRuntime(config: Config): Promise<Runtime> {
  const opened: Array<() => unknown> = [];
  try {
    const lock = holdDataDir(config);
    if (lock) opened.push(() => lock.release());
    if (config.redisUrl) await probeRedis(config.redisUrl);
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    opened.push(() => database.close());
    // Revocations reach every instance through the channel the servers listen on.
    const bus: EventBus = config.redisUrl
      ? await RedisEventBus.connect(config.redisUrl, {
          channel: `${config.redisKeyPrefix}session-events`,
          revocationChannel: `${config.redisKeyPrefix}revocations`,
        }).catch((err: unknown) => {
          throw new Error(`cannot connect to REDIS_URL ${maskUrl(config.redisUrl as string)} (${failureReason(err)})`);
        })
      : new InProcessEventBus();
    // Closed before the database; quitting lets a revocation still being sent go out first.
    opened.push(() => bus.close());
    // The command line issues no tokens, so any secret serves; the servers keep their own.
    const core = createCore({ config, db: database.db, bus, jwtSecret: config.jwtSecret ?? randomBytes(32).toString('base64url') });
    opened.push(() => core.metrics.close());
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        for (const undo of opened.reverse()) await Promise.resolve().then(undo).catch(() => {});
      })();
      return closing;
    };
    return { config, database, core, close };
  } catch (err) {
    for (const undo of opened.reverse()) await Promise.resolve().then(undo).catch(() => {});
    throw err;
  }
}

/** The embedded database's folder, taken for this process; nothing to take with PostgreSQL. */
export function holdDataDir(config: Pick<Config, 'databaseUrl' | 'dataDir'>): DataDirLock | undefined {
  if (config.databaseUrl) return undefined;
  try {
    return acquireDataDirLock(config.dataDir);
  } catch (err) {
    if (err instanceof DataDirInUseError) {
      throw new CliError(`${err.message}: the embedded database serves one process at a time; stop that process first (or use DATABASE_URL)`);
    }
    throw err;
  }
}

/** Which database the settings name, fit to print (a password in the URL is masked). */
export const databaseLabel = (config: Pick<Config, 'databaseUrl' | 'dataDir'>) =>
  config.databaseUrl ? `PostgreSQL ${maskUrl(config.databaseUrl)}` : `the embedded database in DATA_DIR ${config.dataDir}`;
