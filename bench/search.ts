// Search at scale: BENCH_MESSAGES (default 1,000,000) messages generated in SQL, then p50/p99 of
// SearchService.search (the query GET /api/v1/search runs) for English words, a phrase and
// Chinese substrings, for a user with many messages and one with few among them all. Each
// figure is also given as a ratio to a primary-key lookup of a message measured in the same run.
//
//   npm run bench:search                                embedded database (PGlite), in a temporary DATA_DIR
//   DATABASE_URL=postgres://... npm run bench:search    a fresh PostgreSQL database, dropped after
//
// The search indexes are dropped before the load and built after it (the time is printed: it is
// what migration 0005 costs on an existing database of this size).

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { Actor } from '../src/core/actor.ts';
import { SearchService } from '../src/core/search/search-service.ts';
import { openDatabase } from '../src/db/client.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const PER_CONVERSATION = 100;
// The heavy user owns a tenth of all messages; the light one a single conversation of 20.
const HEAVY_SHARE = 0.1;
const LIGHT_MESSAGES = 20;
const OTHER_USERS = 200;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const WARMUP = 5;

const WORDS =
  'river mountain garden kitchen window travel weather coffee morning evening music library doctor teacher student market city village ocean forest winter summer autumn spring bridge station airport hotel museum theater planet rocket engine battery network server database window letter camera picture painting story history science physics chemistry biology language grammar keyboard monitor printer recipe bread cheese apple orange banana tomato potato carrot onion pepper garlic butter sugar salt honey tea juice water stone metal wood glass paper cotton silk wool leather plastic rubber chair table sofa bed lamp clock mirror door wall roof floor stair garden fence road street highway tunnel harbor island desert valley canyon glacier volcano lake pond stream waterfall meadow field farm barn tractor horse cow sheep goat chicken duck rabbit fox wolf bear deer eagle owl sparrow salmon trout shark whale dolphin turtle frog snake lizard spider bee ant butterfly running walking swimming climbing cooking reading writing singing dancing painting building driving flying sailing fishing hunting planting harvesting'.split(
    ' ',
  );
const PHRASES = '今天 天气 很好 我们 一起 去 公园 散步 明天 可能 下雨 学习 中文 非常 有趣 电脑 程序 数据库 搜索 速度 很快 朋友 喜欢 喝茶 咖啡 城市 火车 飞机 旅行 计划 周末 图书馆 博物馆 音乐 电影 晚饭 早饭 医生 老师 学生'.split(' ');

const sqlArray = (items: string[]) => `array[${items.map((w) => `'${w}'`).join(',')}]`;
// Deterministic, independent picks: PostgreSQL's own hash of the row number and the word's place.
const pick = (list: string, n: number, k: number) => `(${list})[1 + (abs(hashint8(i::bigint * 64 + ${k})::bigint) % ${n})::int]`;

async function freshPostgres(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bench_search_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const baseUrl = process.env.DATABASE_URL;
  const pgDb = baseUrl ? await freshPostgres(baseUrl) : undefined;
  const dataDir = baseUrl ? '' : mkdtempSync(path.join(tmpdir(), 'parley-bench-search-'));
  const database = await openDatabase({ databaseUrl: pgDb?.url, dataDir });
  const { db } = database;
  const exec = (text: string) => db.execute(sql.raw(text));
  const timed = async (label: string, work: () => Promise<unknown>) => {
    const t0 = performance.now();
    await work();
    const s = (performance.now() - t0) / 1000;
    console.log(`${label}: ${s.toFixed(1)} s`);
  };
  try {
    const heavy = randomUUID();
    const light = randomUUID();
    const conversations = Math.ceil(MESSAGES / PER_CONVERSATION);
    const heavyConversations = Math.floor(conversations * HEAVY_SHARE);
    const indexes = readFileSync(path.join(import.meta.dirname, '../src/db/migrations/0005_search.sql'), 'utf8')
      .split('--> statement-breakpoint')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('CREATE INDEX'));
    for (const name of ['conversations_title_search_idx', 'conversations_title_cjk_idx', 'messages_search_idx', 'messages_cjk_idx']) {
      await exec(`drop index ${name}`);
    }
    await timed(`load ${MESSAGES} messages`, async () => {
      await exec(`insert into users (id, email, password_hash)
        select case when u = 0 then '${heavy}'::uuid when u = 1 then '${light}'::uuid else gen_random_uuid() end,
          'bench-' || u || '@example.test', 'x'
        from generate_series(0, ${OTHER_USERS + 1}) u`);
      await exec(`create temporary table bench_users as select id, row_number() over (order by email) - 1 as n from users where id not in ('${heavy}', '${light}')`);
      // Conversation n belongs to the heavy user for n < heavyConversations, else to another user.
      await exec(`create temporary table bench_conversations as
        select n, gen_random_uuid() as id from generate_series(0, ${conversations - 1}) n`);
      await exec(`insert into conversations (id, user_id, title, model, created_at)
        select c.id,
          case when c.n < ${heavyConversations} then '${heavy}'::uuid else (select id from bench_users where bench_users.n = c.n % ${OTHER_USERS}) end,
          ${pick(sqlArray(WORDS), WORDS.length, 1).replaceAll('i::bigint', 'c.n::bigint')} || ' ' || ${pick(sqlArray(WORDS), WORDS.length, 2).replaceAll('i::bigint', 'c.n::bigint')},
          'echo', now() - c.n * interval '1 minute'
        from bench_conversations c`);
      const english = Array.from({ length: 12 }, (_, k) => pick(sqlArray(WORDS), WORDS.length, k + 3)).join(` || ' ' || `);
      const chinese = Array.from({ length: 8 }, (_, k) => pick(sqlArray(PHRASES), PHRASES.length, k + 20)).join(' || ');
      // One message in ten is Chinese.
      await exec(`insert into messages (id, conversation_id, role, content, created_at)
        select gen_random_uuid(), c.id, case when i % 2 = 0 then 'user' else 'assistant' end,
          case when i % 10 = 0 then ${chinese} else ${english} end,
          now() - i * interval '1 second'
        from generate_series(0, ${MESSAGES - 1}) i
        join bench_conversations c on c.n = i / ${PER_CONVERSATION}`);
      const lightConversation = randomUUID();
      await exec(`insert into conversations (id, user_id, title, model) values ('${lightConversation}', '${light}', 'Notes', 'echo')`);
      await exec(`insert into messages (id, conversation_id, role, content)
        select gen_random_uuid(), '${lightConversation}', 'user',
          case when i % 2 = 0 then 'The river was running fast this morning near the old bridge' else '今天天气很好，我们一起去公园散步' end
        from generate_series(1, ${LIGHT_MESSAGES}) i`);
    });
    await timed('build the search indexes', async () => {
      for (const statement of indexes) await exec(statement);
    });
    await timed('analyze', () => exec('analyze'));

    const search = new SearchService({ db });
    const actor = (userId: string): Actor => ({ userId, role: 'user', tier: 'free' });
    const [sampleRow] = ((await db.execute(sql`select id from messages limit 1 offset 1000`)) as { rows: Array<{ id: string }> }).rows;
    const measure = async (work: () => Promise<unknown>) => {
      for (let i = 0; i < WARMUP; i++) await work();
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const t0 = performance.now();
        await work();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return { p50: percentile(times, 50), p99: percentile(times, 99) };
    };
    const reference = await measure(() => db.execute(sql`select id, content from messages where id = ${sampleRow.id}`));
    const rows: string[] = [];
    const row = (label: string, r: { p50: number; p99: number }, hits?: number) =>
      rows.push(
        `| ${label} | ${hits ?? ''} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.p50 / reference.p50).toFixed(0)}× | ${(r.p99 / reference.p99).toFixed(0)}× |`,
      );
    row('primary-key lookup (reference)', reference);
    const queries: Array<[string, string]> = [
      ['English word', 'running'],
      ['English words', 'volcano harbor'],
      ['phrase', '"river mountain"'],
      ['Chinese, 2 characters', '天气'],
      ['Chinese, 4 characters', '公园散步'],
    ];
    for (const [who, userId] of [
      ['heavy user', heavy],
      ['light user', light],
    ] as const) {
      for (const [label, q] of queries) {
        const page = await search.search(actor(userId), q, { skip: 0, limit: 20 });
        row(`${who}: ${label} \`${q}\``, await measure(() => search.search(actor(userId), q, { skip: 0, limit: 20 })), page.total);
      }
    }
    console.log(`\n${database.kind}, ${MESSAGES} messages, ${SAMPLES} samples per row (milliseconds)\n`);
    console.log('| query | hits | p50 ms | p99 ms | p50 / reference | p99 / reference |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    await database.close();
    await pgDb?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
