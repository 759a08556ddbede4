import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { AppError, fromDatabaseError, violates } from '../../src/core/errors.ts';
import { type Database, openDatabase, rowsOf } from '../../src/db/client.ts';
import { users } from '../../src/db/schema.ts';

// The embedded database runs in a worker thread behind a client that forwards Drizzle's calls.
// These are the facts the rest of the code relies on, checked through that client.
describe('the embedded database in its thread', { skip: process.env.DATABASE_URL ? 'embedded database only' : false }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-db-'));
  let database: Database;
  before(async () => {
    database = await openDatabase({ dataDir });
    await database.db.execute(sql`create table scratch (id int primary key, n int not null)`);
  });
  after(async () => {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const newUser = () => ({ id: randomUUID(), email: `${randomUUID()}@example.test`, passwordHash: 'x' });
  const scratch = async (id: number) => rowsOf<{ n: number }>(await database.db.execute(sql`select n from scratch where id = ${id}`));

  it('keeps a query made outside an open transaction waiting until it commits, then shows the committed row', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted = () => {};
    const didInsert = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const tx = database.db.transaction(async (t) => {
      await t.execute(sql`insert into scratch (id, n) values (1, 1)`);
      inserted();
      await held;
      await t.execute(sql`update scratch set n = 2 where id = 1`);
    });
    await didInsert;
    let outsideDone = false;
    const outside = scratch(1).then((rows) => {
      outsideDone = true;
      return rows;
    });
    // Long enough for the worker to answer a query many times over.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(outsideDone, false, 'a query outside the open transaction ran inside it');
    release();
    await tx;
    assert.deepEqual(await outside, [{ n: 2 }]);
  });

  it('rolls back a transaction whose function throws, and hands the error to its caller', async () => {
    const failure = new Error('changed my mind');
    await assert.rejects(
      database.db.transaction(async (t) => {
        await t.execute(sql`insert into scratch (id, n) values (2, 1)`);
        throw failure;
      }),
      (err) => err === failure,
    );
    assert.deepEqual(await scratch(2), []);
    // The connection is usable again, outside any transaction.
    await database.db.execute(sql`insert into scratch (id, n) values (2, 5)`);
    assert.deepEqual(await scratch(2), [{ n: 5 }]);
  });

  it('runs concurrent read-then-write transactions one after another, losing no update', async () => {
    await database.db.execute(sql`insert into scratch (id, n) values (3, 0)`);
    const increments = Array.from({ length: 20 }, () =>
      database.db.transaction(async (t) => {
        const [{ n }] = rowsOf<{ n: number }>(await t.execute(sql`select n from scratch where id = 3`));
        await new Promise((resolve) => setImmediate(resolve));
        await t.execute(sql`update scratch set n = ${n + 1} where id = 3`);
      }),
    );
    // Plain queries interleaved with the transactions still answer.
    const reads = Array.from({ length: 5 }, () => scratch(3));
    await Promise.all([...increments, ...reads]);
    assert.deepEqual(await scratch(3), [{ n: 20 }]);
  });

  it('keeps a nested transaction (a savepoint) apart: its rollback leaves the outer writes', async () => {
    await database.db.transaction(async (t) => {
      await t.execute(sql`insert into scratch (id, n) values (4, 1)`);
      await t
        .transaction(async (inner) => {
          await inner.execute(sql`update scratch set n = 99 where id = 4`);
          throw new Error('inner fails');
        })
        .catch(() => {});
    });
    assert.deepEqual(await scratch(4), [{ n: 1 }]);
  });

  it('delivers a unique violation with its SQLSTATE and constraint, mapped to a conflict', async () => {
    const user = newUser();
    await database.db.insert(users).values(user);
    const err = await database.db
      .insert(users)
      .values({ ...newUser(), email: user.email })
      .then(() => assert.fail('the duplicate email was accepted'), (e: unknown) => e);
    assert.equal(violates(err, 'users_email_key'), true);
    const mapped = fromDatabaseError(err);
    assert.ok(mapped instanceof AppError);
    assert.equal(mapped.code, 'conflict');
    assert.equal((err as { cause?: { code?: string } }).cause?.code, '23505');
  });

  it('reads values as the in-process driver did: Dates, numbers, numeric text, JSON, bytes', async () => {
    const createdAt = new Date('2024-02-29T23:59:58.123Z');
    const user = { ...newUser(), createdAt, monthlyBudgetUsd: 12.5 };
    await database.db.insert(users).values(user);
    const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
    assert.ok(row.createdAt instanceof Date);
    assert.equal(row.createdAt.toISOString(), createdAt.toISOString());
    assert.equal(row.monthlyBudgetUsd, 12.5);
    assert.equal(row.active, true);
    const [raw] = rowsOf<Record<string, unknown>>(
      await database.db.execute(
        sql`select ${createdAt}::timestamptz as at, 9007199254740993::bigint as big, 1.50::numeric as num, 7::int as small,
              '{"a":[1,"b"]}'::jsonb as doc, '\\x0001ff'::bytea as bytes, null::text as nothing, array[1,2]::int[] as list`,
      ),
    );
    // A raw statement leaves timestamps as PostgreSQL's text, as Drizzle asks PGlite to.
    assert.equal(typeof raw.at, 'string');
    assert.equal(new Date(raw.at as string).toISOString(), createdAt.toISOString());
    assert.equal(raw.num, '1.50');
    assert.equal(raw.small, 7);
    assert.deepEqual(raw.doc, { a: [1, 'b'] });
    assert.ok(raw.bytes instanceof Uint8Array);
    assert.deepEqual([...(raw.bytes as Uint8Array)], [0, 1, 255]);
    assert.equal(raw.nothing, null);
    assert.deepEqual(raw.list, [1, 2]);
    assert.equal(String(raw.big), '9007199254740993');
  });

  it('keeps the event loop free while the database works', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    try {
      await database.db.execute(sql`select count(*) from generate_series(1, 1000000)`);
    } finally {
      clearInterval(timer);
    }
    const took = performance.now() - started;
    // In the same thread, not one timer could fire during the statement.
    assert.ok(took > 100, `the statement took only ${took} ms: too short to tell`);
    assert.ok(ticks >= 5, `${ticks} timer ticks in ${Math.round(took)} ms`);
  });

  it('writes everything on close: the folder opened again holds the last rows; the closed handle refuses queries', async () => {
    await database.db.execute(sql`insert into scratch (id, n) values (5, 42)`);
    const closed = database;
    await closed.close();
    await assert.rejects(closed.db.execute(sql`select 1`), (err: { cause?: Error }) => /closed/.test(String(err.cause?.message)));
    database = await openDatabase({ dataDir });
    assert.deepEqual(await scratch(5), [{ n: 42 }]);
  });
});
