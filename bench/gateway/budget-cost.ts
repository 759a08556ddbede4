// What the budget check before every model call costs as a user's usage grows: the time of
// `budget_reserve(...)` (the statement `Budgets.hold` runs) and of deleting the hold after,
// with 0 to 100,000 usage events of that user in the current month, on PGlite and PostgreSQL.
//
//   node bench/gateway/budget-cost.ts
//
// DATABASE_URL names the PostgreSQL server to create a scratch database on (default
// postgres://postgres@127.0.0.1:5432/postgres); skipped when it does not answer.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { createDatabase } from './parley.ts';

const SIZES = [0, 1_000, 10_000, 50_000, 100_000];
const CALLS = 200;

async function measure(database: Database, label: string) {
  const { db } = database;
  const userId = randomUUID();
  await db.execute(sql`insert into users (id, email, password_hash) values (${userId}::uuid, ${`${userId}@example.test`}, 'x')`);
  let events = 0;
  console.log(`\n${label}: ${CALLS} calls per row, one at a time`);
  console.log('| usage events this month | budget_reserve p50 / p99 ms | hold delete p50 ms |');
  console.log('|---|---|---|');
  for (const size of SIZES) {
    if (size > events) {
      await db.execute(sql`insert into usage_events (id, user_id, kind, model, provider, prompt_tokens, completion_tokens, cost_usd, created_at)
        select gen_random_uuid(), ${userId}::uuid, 'chat', 'gpt-4o-mini', 'openai', 8, 20, 0.0000132, now() - (random() * interval '1 hour')
        from generate_series(1, ${size - events})`);
      await db.execute(sql`analyze usage_events`);
      events = size;
    }
    const reserve: number[] = [];
    const release: number[] = [];
    const now = Date.now();
    const dayStart = new Date(now - (now % 86_400_000)).toISOString();
    const monthStart = new Date(Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1)).toISOString();
    for (let i = 0; i < CALLS; i++) {
      const id = randomUUID();
      let t = performance.now();
      await db.execute(sql`select * from budget_reserve(${id}::uuid, ${userId}::uuid, null::uuid,
        ${dayStart}::timestamptz, ${monthStart}::timestamptz, ${new Date(now + 600_000).toISOString()}::timestamptz,
        9::integer, 4104::integer, 0.0000012::float8, 0.0024::float8, 1000000000::bigint, null::float8)`);
      reserve.push(performance.now() - t);
      t = performance.now();
      await db.execute(sql`delete from budget_holds where id = ${id}::uuid`);
      release.push(performance.now() - t);
    }
    const p = (xs: number[], q: number) => xs.sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1].toFixed(2);
    console.log(`| ${size.toLocaleString('en')} | ${p(reserve, 0.5)} / ${p(reserve, 0.99)} | ${p(release, 0.5)} |`);
  }
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-budget-cost-'));
try {
  const lite = await openDatabase({ dataDir });
  try {
    await measure(lite, 'PGlite (in this process)');
  } finally {
    await lite.close();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
const scratch = await createDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
if ('skipped' in scratch) console.log(`\nPostgreSQL skipped: ${scratch.skipped}`);
else {
  try {
    const pgDb = await openDatabase({ databaseUrl: scratch.url, dataDir: tmpdir() });
    try {
      await measure(pgDb, 'PostgreSQL');
    } finally {
      await pgDb.close();
    }
  } finally {
    await scratch.drop();
  }
}
