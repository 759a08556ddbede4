import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eq, inArray, sql } from 'drizzle-orm';
import { TurnHeartbeat } from '../../../src/core/chat/heartbeat.ts';
import { recoverInterruptedTurns } from '../../../src/core/chat/recovery.ts';
import { newId } from '../../../src/core/ids.ts';
import { type MessageStatus, messages } from '../../../src/db/schema.ts';
import { createConversation, registerUser } from '../../support/factories.ts';
import { useDatabase } from '../../support/fixture.ts';
import { client } from '../../support/http.ts';
import { startMockOpenAI } from '../../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { postSse } from '../../support/sse-reader.ts';

describe('turn recovery and heartbeat', () => {
  const fx = useDatabase();

  /** An assistant message whose last heartbeat was `ageSeconds` ago by the database's clock. */
  async function reply(status: MessageStatus, ageSeconds: number, metadata: Record<string, unknown> = {}): Promise<string> {
    const id = newId();
    await fx.database.db.insert(messages).values({ id, conversationId: await fx.newConversation(), role: 'assistant', content: 'partial', status, metadata });
    await fx.database.db
      .update(messages)
      .set({ updatedAt: sql`now() - ${ageSeconds}::double precision * interval '1 second'` })
      .where(eq(messages.id, id));
    return id;
  }
  const statusOf = async (ids: string[]) => {
    const rows = await fx.database.db.select({ id: messages.id, status: messages.status }).from(messages).where(inArray(messages.id, ids));
    return ids.map((id) => rows.find((r) => r.id === id)?.status);
  };

  it('marks only stale streaming replies incomplete, never the excluded ones', async () => {
    const stale = await reply('streaming', 120, { sources: [1] });
    const fresh = await reply('streaming', 2);
    const staleButLiveHere = await reply('streaming', 120);
    const done = await reply('complete', 120);
    const count = await recoverInterruptedTurns(fx.database.db, { staleSeconds: 60, exclude: [staleButLiveHere] });
    assert.equal(count, 1);
    assert.deepEqual(await statusOf([stale, fresh, staleButLiveHere, done]), ['incomplete', 'streaming', 'streaming', 'complete']);
    const [row] = await fx.database.db.select().from(messages).where(eq(messages.id, stale));
    assert.deepEqual(row.metadata, { sources: [1], stop_reason: 'interrupted' });
    assert.equal(row.content, 'partial', 'what was saved is kept');
  });

  it('marks every streaming reply without a staleness (one process, at start-up)', async () => {
    const a = await reply('streaming', 0);
    const b = await reply('streaming', 3600);
    await recoverInterruptedTurns(fx.database.db);
    assert.deepEqual(await statusOf([a, b]), ['incomplete', 'incomplete']);
  });

  it('keeps a live reply fresh until it is released', async () => {
    const live = await reply('streaming', 120);
    const finished = await reply('complete', 120);
    const heartbeat = new TurnHeartbeat({ db: fx.database.db, intervalMs: 20 });
    heartbeat.add(live);
    heartbeat.add(finished);
    assert.deepEqual(heartbeat.live.sort(), [live, finished].sort());
    const age = async (id: string) => {
      const [row] = await fx.database.db
        .select({ age: sql<number>`extract(epoch from now() - ${messages.updatedAt})::float8` })
        .from(messages)
        .where(eq(messages.id, id));
      return row.age;
    };
    const deadline = Date.now() + 5000;
    while ((await age(live)) > 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    heartbeat.delete(live);
    heartbeat.delete(finished);
    assert.ok((await age(live)) < 60, 'the live reply beat');
    assert.ok((await age(finished)) > 100, 'a finished reply is not touched');
    assert.deepEqual(heartbeat.live, []);
    await recoverInterruptedTurns(fx.database.db, { staleSeconds: 60 });
    assert.deepEqual(await statusOf([live]), ['streaming']);
  });
});

describe('turn recovery with instances sharing PostgreSQL', { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL' }, () => {
  it('does not cut a turn another live instance is streaming', async () => {
    const mock = await startMockOpenAI();
    const env = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url, STALE_TURN_SECONDS: '1', RATE_LIMIT_FREE_RPM: '100000' };
    const a = await startTestServer({ env });
    let b: TestServer | undefined;
    try {
      const api = client(a.url);
      const user = await registerUser(api);
      const id = await createConversation(api, user.token, { title: 'Long', model: 'gpt-4o' });
      const tokens = Array.from({ length: 16 }, (_, i) => ` w${i}`);
      mock.enqueue({ tokens, delayMs: 200 });
      const res = await postSse(`${a.url}/v1/chat/stream`, { session_id: id, messages: [{ role: 'user', content: 'Go' }] }, { token: user.token });
      const events = res.all();
      // A second instance starts, recovers at start-up and every half second, while A streams for ~3 s.
      b = await startTestServer({ reuse: a, env });
      await new Promise((r) => setTimeout(r, 2000));
      const mid = await client(b.url).get(`/api/v1/conversations/${id}/messages`, { token: user.token });
      assert.equal(mid.body[1].status, 'streaming', 'the other instance left the live turn alone');
      assert.equal((await events).length, tokens.length + 1);
      const end = await client(b.url).get(`/api/v1/conversations/${id}/messages`, { token: user.token });
      assert.equal(end.body[1].status, 'complete');
      assert.equal(end.body[1].content, tokens.join(''));
      assert.equal(end.body[1].metadata.stop_reason, undefined);
    } finally {
      await b?.stop();
      await a.close();
      await mock.close();
    }
  });
});
