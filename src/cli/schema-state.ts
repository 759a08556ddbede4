import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Config } from '../config.ts';
import { failureReason, maskUrl } from '../dependency-checks.ts';

/** How far a database's schema is from this version's: the migrations it still lacks. */
export interface SchemaState {
  /** False for an embedded database not created yet (the first start creates it). */
  exists: boolean;
  known: number;
  /** Tags of the migrations not applied yet, oldest first. */
  pending: string[];
}

interface JournalEntry {
  tag: string;
  when: number;
}

const journalFile = path.join(import.meta.dirname, '..', 'db', 'migrations', 'meta', '_journal.json');

// The migrator applies every migration newer than the newest one recorded; so is "pending" told here.
const TABLE_EXISTS = `select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
const LAST_APPLIED = 'select max(created_at)::text as last from drizzle.__drizzle_migrations';

/** The `created_at` of the newest migration applied; null when none is (a new database). */
async function lastApplied(query: (text: string) => Promise<{ rows: unknown[] }>): Promise<number | null> {
  const [table] = (await query(TABLE_EXISTS)).rows as Array<{ present: boolean }>;
  if (!table?.present) return null;
  const [row] = (await query(LAST_APPLIED)).rows as Array<{ last: string | null }>;
  return row?.last == null ? null : Number(row.last);
}

function stateAfter(newest: number | null, exists = true): SchemaState {
  const entries = (JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: JournalEntry[] }).entries;
  const pending = entries.filter((e) => newest === null || e.when > newest).map((e) => e.tag);
  return { exists, known: entries.length, pending };
}

/**
 * Reads the configured database's schema state without changing anything: nothing is created
 * or migrated. Throws a one-line error naming the setting when the database cannot be reached.
 * The embedded database must be held (its DATA_DIR lock) by the caller.
 */
export async function readSchemaState(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<SchemaState> {
  if (config.databaseUrl) {
    const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => {});
      throw new Error(`cannot connect to DATABASE_URL ${maskUrl(config.databaseUrl)} (${failureReason(err)})`);
    }
    try {
      return stateAfter(await lastApplied((text) => client.query(text)));
    } finally {
      await client.end().catch(() => {});
    }
  }
  const dir = path.resolve(config.dataDir, 'pglite');
  if (!existsSync(dir)) return stateAfter(null, false);
  let client: PGlite;
  try {
    client = await PGlite.create(dir);
  } catch (err) {
    throw new Error(`cannot open the embedded database in DATA_DIR ${config.dataDir} (${failureReason(err)})`);
  }
  try {
    return stateAfter(await lastApplied((text) => client.query(text)));
  } finally {
    await client.close().catch(() => {});
  }
}
