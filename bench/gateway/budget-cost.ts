// What the budget statements around every model call cost as a user's usage grows: the time of
// `budget_reserve(...)` (the statement `Budgets.hold` runs before the call) and of the statement
// after it (`recordUsage`: the usage event inserted and the hold deleted together), with 0 to
// 1,000,000 usage events of that user in the current month, on PGlite and PostgreSQL; then the
// same pair with calls of that one user in flight side by side (calls per second).
//
//   node bench/gateway/budget-cost.ts
//
// Knobs: BENCH_SIZES=0,1000,... (events this month), BENCH_CALLS=200 (calls per size, one at a
// time), BENCH_CONCURRENCY=10 (calls in flight for the last table; 0 skips it).
// DATABASE_URL names the PostgreSQL server to create a scratch database on (default
// postgres://postgres@127.0.0.1:5432/postgres); skipped when it does not answer.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { recordUsage } from '../../src/core/limits/budgets.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { createDatabase } from './parley.ts';

const SIZES = (process.env.BENCH_SIZES ?? '0,1000,10000,100000,1000000').split(',').map(Number);
const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const DAY_MS = 86_400_000;

const percentile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1].toFixed(2);

/** One call's two statements, timed: the hold before, the usage and the release after. */
async function call(database: Database, userId: string): Promise<{ reserve: number; record: number; refused: boolean }> {
  const { db } = database;
  const now = Date.now();
  const dayStart = new Date(now - (now % DAY_MS));
  const monthStart = new Date(Date.UTC(dayStart.getUTCFullYear(), dayStart.getUTCMonth(), 1));
  const id = randomUUID();
  let t = performance.now();
  // A $1,000 monthly limit: the month's spend is read on every call, as for a priced model.
  const result = await db.execute(sql`select * from budget_reserve(${id}::uuid, ${userId}::uuid, null::uuid,
    ${dayStart.toISOString()}::timestamptz, ${monthStart.toISOString()}::timestamptz, ${new Date(now + 600_000).toISOString()}::timestamptz,
    9::integer, 4104::integer, 0.0000012::float8, 0.0024::float8, 1000000000000::bigint, 1000::float8)`);
  const reserve = performance.now() - t;
  const refused = (result as unknown as { rows: { refused: string | null }[] }).rows[0]?.refused != null;
  t = performance.now();
  const hold = { id: refused ? null : id, released: () => {}, release: async () => {} };
  await recordUsage(
    db,
    { id: randomUUID(), userId, kind: 'chat', model: 'gpt-4o-mini', provider: 'openai', promptTokens: 8, completionTokens: 20, costUsd: 0.0000132 },
    hold,
  );
  return { reserve, record: performance.now() - t, refused };
}

async function measure(database: Database, label: string) {
  const { db } = database;
  const userId = randomUUID();
  await db.execute(sql`insert into users (id, email, password_hash) values (${userId}::uuid, ${`${userId}@example.test`}, 'x')`);
  let events = 0;
  console.log(`\n${label}: ${CALLS} calls per row, one at a time`);
  console.log('| usage events this month | budget_reserve p50 / p99 ms | usage recorded + hold released p50 / p99 ms |');
  console.log('|---|---|---|');
  for (const size of SIZES) {
    if (size > events) {
      // Spread over the last hour, or over today so far when it is younger.
      const spread = Math.min(3_600_000, Date.now() % DAY_MS);
      await db.execute(sql`insert into usage_events (id, user_id, kind, model, provider, prompt_tokens, completion_tokens, cost_usd, created_at)
        select gen_random_uuid(), ${userId}::uuid, 'chat', 'gpt-4o-mini', 'openai', 8, 20, 0.0000132, now() - (random() * ${spread} * interval '1 millisecond')
        from generate_series(1, ${size - events})`);
      await db.execute(sql`analyze usage_events`);
      events = size;
    }
    const reserve: number[] = [];
    const record: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const timed = await call(database, userId);
      if (timed.refused) throw new Error('a call was refused: the benchmark expects every call to fit');
      reserve.push(timed.reserve);
      record.push(timed.record);
    }
    events += CALLS;
    console.log(`| ${size.toLocaleString('en')} | ${percentile(reserve, 0.5)} / ${percentile(reserve, 0.99)} | ${percentile(record, 0.5)} / ${percentile(record, 0.99)} |`);
  }
  if (CONCURRENCY > 0) {
    const reserve: number[] = [];
    const record: number[] = [];
    const perWorker = CALLS;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = 0; i < perWorker; i++) {
          const timed = await call(database, userId);
          reserve.push(timed.reserve);
          record.push(timed.record);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n${label}: ${CONCURRENCY} calls of the user in flight, ${CONCURRENCY * perWorker} calls, ${events.toLocaleString('en')} events this month`);
    console.log('| calls/s | budget_reserve p50 / p99 ms | usage recorded + hold released p50 / p99 ms |');
    console.log('|---|---|---|');
    console.log(
      `| ${((CONCURRENCY * perWorker) / seconds).toFixed(0)} | ${percentile(reserve, 0.5)} / ${percentile(reserve, 0.99)} | ${percentile(record, 0.5)} / ${percentile(record, 0.99)} |`,
    );
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
