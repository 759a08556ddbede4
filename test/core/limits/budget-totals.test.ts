import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { newId } from '../../../src/core/ids.ts';
import { Budgets, recordUsage } from '../../../src/core/limits/budgets.ts';
import { type Db, rowsOf } from '../../../src/db/client.ts';
import * as schema from '../../../src/db/schema.ts';
import type { ResolvedModel } from '../../../src/providers/catalog.ts';
import { dropDatabase } from '../../support/server.ts';

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/db/migrations');
const DAY_MS = 86_400_000;

/**
 * A database of its own (PGlite in a folder, or a fresh PostgreSQL database when DATABASE_URL
 * is set), migrated by hand so a test can stop before a migration and apply it later.
 */
async function scratchDatabase() {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-budget-totals-'));
  // The migrations up to 0007 only: the schema before the running totals.
  const before0008 = path.join(dir, 'migrations');
  cpSync(MIGRATIONS, before0008, { recursive: true });
  const journalFile = path.join(before0008, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 7);
  writeFileSync(journalFile, JSON.stringify(journal));

  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/parley_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${url.pathname.slice(1)}`).finally(() => admin.end());
    const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return {
      db,
      migrate: (all: boolean) => migratePg(drizzlePg(pool, { schema }), { migrationsFolder: all ? MIGRATIONS : before0008 }),
      close: async () => {
        await pool.end();
        await dropDatabase(process.env.DATABASE_URL as string, url.toString());
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const client = await PGlite.create(path.join(dir, 'pglite'));
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    migrate: (all: boolean) => migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: all ? MIGRATIONS : before0008 }),
    close: async () => {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Written in SQL with their columns named: they run before the last migration too.
async function addUser(db: Db): Promise<string> {
  const id = newId();
  await db.execute(sql`insert into users (id, email, password_hash) values (${id}::uuid, ${`${id}@example.test`}, 'x')`);
  return id;
}

async function addKey(db: Db, userId: string, budgetUsd: number | null = null): Promise<string> {
  const id = newId();
  await db.execute(sql`insert into api_keys (id, user_id, name, prefix, key_hash, budget_usd)
    values (${id}::uuid, ${userId}::uuid, 'k', 'p', ${id}, ${budgetUsd}::float8)`);
  return id;
}

/** Usage events at the given moments, in one statement. */
async function addEvents(db: Db, events: Array<{ userId: string | null; apiKeyId?: string; at: Date; tokens: number; usd: number }>) {
  const rows = events.map(
    (e) => sql`(${newId()}::uuid, ${e.userId}::uuid, ${e.apiKeyId ?? null}::uuid, 'chat', 'm', 'p',
      ${Math.floor(e.tokens / 3)}::integer, ${e.tokens - Math.floor(e.tokens / 3)}::integer, ${e.usd}::float8, ${e.at.toISOString()}::timestamptz)`,
  );
  await db.execute(sql`insert into usage_events (id, user_id, api_key_id, kind, model, provider, prompt_tokens, completion_tokens, cost_usd, created_at)
    values ${sql.join(rows, sql`, `)}`);
}

/** Every difference between the running totals and the events summed now; empty when they agree. */
async function disagreements(db: Db): Promise<unknown[]> {
  const periods = rowsOf(
    await db.execute(sql`with summed as (
        select e.user_id, p.period, p.starts_on, sum(e.prompt_tokens + e.completion_tokens)::float8 as tokens, sum(e.cost_usd) as usd
        from usage_events e
        cross join lateral (values ('day', (e.created_at at time zone 'UTC')::date),
          ('month', date_trunc('month', e.created_at at time zone 'UTC')::date)) p(period, starts_on)
        where e.user_id is not null group by 1, 2, 3)
      select coalesce(s.user_id, t.user_id) as user_id, coalesce(s.period, t.period) as period, coalesce(s.starts_on, t.starts_on)::text as starts_on,
        s.tokens as summed_tokens, t.tokens::float8 as total_tokens, s.usd as summed_usd, t.usd as total_usd
      from summed s full join usage_totals t on t.user_id = s.user_id and t.period = s.period and t.starts_on = s.starts_on
      where s.user_id is null or t.user_id is null or s.tokens <> t.tokens or abs(s.usd - t.usd) > 1e-12`),
  );
  const keys = rowsOf(
    await db.execute(sql`select k.id, k.spent_usd, coalesce((select sum(e.cost_usd) from usage_events e where e.api_key_id = k.id), 0) as summed
      from api_keys k where abs(k.spent_usd - coalesce((select sum(e.cost_usd) from usage_events e where e.api_key_id = k.id), 0)) > 1e-12`),
  );
  return [...periods, ...keys];
}

const now = Date.now();
const today = new Date(now - (now % DAY_MS) + 60_000);
const yesterday = new Date(today.getTime() - DAY_MS);
const lastMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 15));
const lastYear = new Date(Date.UTC(today.getUTCFullYear() - 1, 11, 31, 23, 59, 59));

describe('the running usage totals behind budgets', () => {
  let database: Awaited<ReturnType<typeof scratchDatabase>>;
  let db: Db;
  let alice: string;
  let bob: string;
  let aliceKey: string;

  before(async () => {
    database = await scratchDatabase();
    db = database.db;
    await database.migrate(false);
    alice = await addUser(db);
    bob = await addUser(db);
    aliceKey = await addKey(db, alice, 1);
    // Usage from before the totals existed: several days, months and years, a key, an anonymous call.
    await addEvents(db, [
      { userId: alice, at: today, tokens: 100, usd: 0.001 },
      { userId: alice, apiKeyId: aliceKey, at: today, tokens: 30, usd: 0.0003 },
      { userId: alice, apiKeyId: aliceKey, at: yesterday, tokens: 50, usd: 0.0005 },
      { userId: alice, at: lastMonth, tokens: 70, usd: 0.0007 },
      { userId: alice, at: lastYear, tokens: 90, usd: 0.0009 },
      { userId: bob, at: today, tokens: 11, usd: 0 },
      { userId: null, at: today, tokens: 5, usd: 0.00005 },
    ]);
    await database.migrate(true);
  });
  after(async () => {
    await database?.close();
  });

  it('fills the totals from the events already there when the migration runs', async () => {
    assert.deepEqual(await disagreements(db), []);
    const [key] = await db.select({ spent: schema.apiKeys.spentUsd }).from(schema.apiKeys).where(sql`id = ${aliceKey}`);
    assert.ok(Math.abs(key.spent - 0.0008) < 1e-12, String(key.spent));
    const rows = rowsOf<{ period: string; n: number }>(
      await db.execute(sql`select period, count(*)::int as n from usage_totals where user_id = ${alice}::uuid group by period order by period`),
    );
    const moments = [today, yesterday, lastMonth, lastYear].map((d) => d.toISOString());
    assert.equal(rows.find((r) => r.period === 'day')?.n, new Set(moments.map((d) => d.slice(0, 10))).size);
    assert.equal(rows.find((r) => r.period === 'month')?.n, new Set(moments.map((d) => d.slice(0, 7))).size);
  });

  it('keeps the totals equal to the summed events through single, bulk and past-dated inserts', async () => {
    const carol = await addUser(db);
    const carolKey = await addKey(db, carol);
    await addEvents(db, [{ userId: carol, at: new Date(), tokens: 9, usd: 0.00009 }]);
    // One statement over several users, keys and periods, some rows sharing a total.
    await addEvents(
      db,
      Array.from({ length: 60 }, (_, i) => ({
        userId: [alice, bob, carol, null][i % 4],
        apiKeyId: i % 4 === 0 ? aliceKey : i % 4 === 2 ? carolKey : undefined,
        at: [today, yesterday, lastMonth, new Date()][i % 4],
        tokens: i + 1,
        usd: (i % 5) * 0.00001,
      })),
    );
    // Statements that insert usage alongside other writes, as a turn's end does.
    await db.execute(sql`with e as (insert into usage_events (id, user_id, api_key_id, kind, model, provider, prompt_tokens, completion_tokens, cost_usd)
      values (${newId()}::uuid, ${carol}::uuid, ${carolKey}::uuid, 'title', 'm', 'p', 3, 4, 0.00002) returning id)
      update users set updated_at = now() where id = ${carol}::uuid`);
    assert.deepEqual(await disagreements(db), []);
  });

  it('drops a user’s totals with the user; a deleted key’s events stay in the user’s totals', async () => {
    const dave = await addUser(db);
    const daveKey = await addKey(db, dave);
    await addEvents(db, [{ userId: dave, apiKeyId: daveKey, at: today, tokens: 40, usd: 0.0004 }]);
    await db.execute(sql`delete from api_keys where id = ${daveKey}::uuid`);
    assert.deepEqual(await disagreements(db), []);
    await db.execute(sql`delete from users where id = ${dave}::uuid`);
    const left = rowsOf(await db.execute(sql`select 1 from usage_totals where user_id = ${dave}::uuid`));
    assert.equal(left.length, 0);
    assert.deepEqual(await disagreements(db), []);
  });

  it('reports and enforces today’s tokens and the month’s spend from the totals, holds included', async () => {
    const erin = await addUser(db);
    const erinKey = await addKey(db, erin, 0.01);
    // Yesterday's usage counts against the month (when it is this month), never against today.
    await addEvents(db, [
      { userId: erin, at: yesterday, tokens: 500, usd: 0.004 },
      { userId: erin, apiKeyId: erinKey, at: today, tokens: 300, usd: 0.003 },
    ]);
    const sameMonth = yesterday.getUTCMonth() === today.getUTCMonth();
    const budgets = new Budgets({
      db,
      settings: { tokensPerDay: { free: 1_000, pro: 1_000, enterprise: 1_000 }, monthlyUsd: { free: 0.01, pro: null, enterprise: null }, completionAllowanceTokens: 100, holdTtlMs: 60_000 },
    });
    const standing = async () => Object.fromEntries((await budgets.standing(erin, erinKey)).map((b) => [b.budget, b]));
    let s = await standing();
    assert.deepEqual([s.daily_tokens.used, s.daily_tokens.held, s.daily_tokens.remaining], [300, 0, 700]);
    assert.ok(Math.abs(s.monthly_usd.used - (sameMonth ? 0.007 : 0.003)) < 1e-12, String(s.monthly_usd.used));
    assert.ok(Math.abs(s.api_key_usd.used - 0.003) < 1e-12);

    // $1 per million tokens each way: a call of 200 prompt tokens and 100 at most holds 300 tokens, $0.0003.
    const model = { entry: { id: 'm', provider: 'p', upstream: 'm', context_window: null, input_per_million: 1, output_per_million: 1, source: 'catalog' } } as ResolvedModel;
    const actor = { userId: erin, role: 'user' as const, tier: 'free' as const, apiKeyId: erinKey };
    const hold = await budgets.hold(actor, { model, promptTokens: 200, maxTokens: 100 });
    s = await standing();
    assert.deepEqual([s.daily_tokens.used, s.daily_tokens.held], [300, 300]);
    assert.ok(Math.abs(s.api_key_usd.held - 0.0003) < 1e-12);
    // 400 tokens left today: a call needing 500 at most does not fit while another is in flight.
    await assert.rejects(budgets.hold(actor, { model, promptTokens: 200, maxTokens: 300 }), /Daily token limit reached: 600 of 1000/);

    // The usage recorded and the hold released in one statement.
    await recordUsage(db, { id: newId(), userId: erin, apiKeyId: erinKey, kind: 'chat', model: 'm', provider: 'p', promptTokens: 200, completionTokens: 50, costUsd: 0.00025 }, hold);
    assert.equal(rowsOf(await db.execute(sql`select 1 from budget_holds where user_id = ${erin}::uuid`)).length, 0);
    await hold.release();
    s = await standing();
    assert.deepEqual([s.daily_tokens.used, s.daily_tokens.held, s.daily_tokens.remaining], [550, 0, 450]);
    assert.ok(Math.abs(s.api_key_usd.used - 0.00325) < 1e-12);
    assert.deepEqual(await disagreements(db), []);
  });

  it('lets the hold of a call whose process died lapse: not counted, and deleted by the next call', async () => {
    const frank = await addUser(db);
    const lapsed = newId();
    await db.insert(schema.budgetHolds).values({ id: lapsed, userId: frank, tokens: 900, usd: 0, expiresAt: new Date(Date.now() - 1_000) });
    const budgets = new Budgets({
      db,
      settings: { tokensPerDay: { free: 1_000, pro: 1_000, enterprise: 1_000 }, monthlyUsd: { free: null, pro: null, enterprise: null }, completionAllowanceTokens: 100, holdTtlMs: 60_000 },
    });
    const [daily] = await budgets.standing(frank);
    assert.deepEqual([daily.used, daily.held, daily.remaining], [0, 0, 1_000]);
    const model = { entry: { id: 'm', provider: 'p', upstream: 'm', context_window: null, input_per_million: null, output_per_million: null, source: 'catalog' } } as ResolvedModel;
    const hold = await budgets.hold({ userId: frank, role: 'user', tier: 'free' }, { model, promptTokens: 500, maxTokens: 400 });
    const holds = rowsOf<{ id: string }>(await db.execute(sql`select id from budget_holds where user_id = ${frank}::uuid`));
    assert.deepEqual(holds.map((h) => h.id), [hold.id]);
    await hold.release();
  });
});
