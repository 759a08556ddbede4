import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { logSerializers } from '../../src/http/plugins/log-serializers.ts';
import { dropDatabase } from '../support/server.ts';

/** A logger with the app's serializers, writing into an array of parsed lines. */
function capturingLogger() {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ serializers: logSerializers }, stream), lines };
}

describe('error logs carry no query values', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-log-'));
  const baseUrl = process.env.DATABASE_URL;
  let databaseUrl: string | undefined;
  let database: Database;
  before(async () => {
    // The driver the suite runs on: node-postgres (a fresh database) with DATABASE_URL, else PGlite.
    if (baseUrl) {
      const name = `parley_t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: baseUrl });
      await admin.connect();
      await admin.query(`create database ${name}`).finally(() => admin.end());
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
    }
    database = await openDatabase({ databaseUrl, dataDir });
  });
  after(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (baseUrl && databaseUrl) await dropDatabase(baseUrl, databaseUrl);
  });

  it('drops the parameters of a failed query from the fields, the message and the stack', async () => {
    const email = 'secret.person@example.test';
    const text = 'a private message\nover two lines';
    const err = await database.db
      .execute(sql`select * from no_such_table where email = ${email} and body = ${text} and kind = 'literal-value'`)
      .then(() => assert.fail('the query should fail'), (e: unknown) => e);
    // What Drizzle hands over: the values are in the error, several times.
    assert.match(String((err as Error).message), /secret\.person@example\.test/);

    const { log, lines } = capturingLogger();
    log.error({ err }, 'unhandled error');
    const output = JSON.stringify(lines);
    assert.equal(lines.length, 1);
    for (const secret of ['secret.person', 'a private message', 'over two lines', 'literal-value']) {
      assert.ok(!output.includes(secret), `${secret} is not logged: ${output}`);
    }
    const logged = lines[0].err;
    assert.equal(logged.params, undefined);
    // What failed stays readable: the statement (placeholders, literals masked) and the cause.
    assert.match(logged.query, /select \* from no_such_table where email = \$1/);
    assert.match(logged.message, /^Failed query: select \* from no_such_table/);
    assert.match(logged.message, /params: \[redacted\]/);
    assert.match(logged.message, /no_such_table" does not exist/);
    assert.match(logged.stack, /params: \[redacted\]/);
  });

  it('drops the values PostgreSQL repeats in a constraint violation', () => {
    const violation = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      detail: 'Key (email)=(someone@example.test) already exists.',
      constraint: 'users_email_key',
    });
    const { log, lines } = capturingLogger();
    log.warn({ err: violation }, 'insert failed');
    assert.ok(!JSON.stringify(lines).includes('someone@example.test'));
    assert.equal(lines[0].err.code, '23505');
    assert.equal(lines[0].err.constraint, 'users_email_key');
  });
});
