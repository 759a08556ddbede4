import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite, type PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { failureReason, maskUrl } from '../dependency-checks.ts';
import { PgliteWorkerClient } from './pglite-client.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * The PostgreSQL pool's connections (open, idle, the cap) and the queries waiting for one.
   * Absent on the embedded database, which has no pool: one in-process connection.
   */
  poolUse?(): { total: number; idle: number; waiting: number; max: number };
}

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Any constant works; it only has to be the same for every instance sharing a database.
const MIGRATION_LOCK = 7_001_001;

/** Opens the database named by the config and brings its schema up to date. */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  if (opts.databaseUrl) {
    // A PostgreSQL that does not answer fails a connection attempt after 5 s instead of never:
    // start-up stops with a clear line, and requests answer 503 while it is down.
    const max = 10;
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max, connectionTimeoutMillis: 5_000, keepAlive: true });
    // An idle connection the server ends (restart, failover, a dropped database) is discarded by
    // the pool and replaced on the next query; unhandled, its error would crash the process.
    // end() also resolves before its connections have closed, so this covers shutdown too.
    pool.on('error', () => {});
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    const client = await pool.connect().catch(async (err: unknown) => {
      await pool.end().catch(() => {});
      throw new Error(`cannot connect to DATABASE_URL ${maskUrl(opts.databaseUrl as string)} (${failureReason(err)})`);
    });
    try {
      // Several instances may start at once: one migrates, the others wait.
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migratePg(drizzlePg(client, { schema }), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: () => pool.end(),
      poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    };
  }
  const dir = path.resolve(opts.dataDir, 'pglite');
  let client: PgliteWorkerClient;
  try {
    // In a thread of its own: PGlite's work (WebAssembly, synchronous file writes) leaves the event loop free.
    client = await PgliteWorkerClient.open(dir);
  } catch (err) {
    throw new Error(`cannot open the embedded database in DATA_DIR ${opts.dataDir} (${failureReason(err)})`);
  }
  // Drizzle's PGlite driver calls only query() and transaction(), which the worker's client provides.
  const db = drizzlePglite(client as unknown as PGlite, { schema }) as unknown as Db;
  try {
    await migratePglite(db as unknown as PgliteDatabase<typeof schema>, { migrationsFolder });
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}

/** The rows of a raw `db.execute(sql…)` result: both drivers answer `{ rows }`. */
export const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;
