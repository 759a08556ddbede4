import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eq, inArray, sql } from 'drizzle-orm';
import { TurnHeartbeat } from '../../src/core/chat/heartbeat.ts';
import { recoverInterruptedTurns } from '../../src/core/chat/recovery.ts';
import { newId } from '../../src/core/ids.ts';
import { type MessageStatus, messages } from '../../src/db/schema.ts';
import { useDatabase } from '../support/fixture.ts';

/** A live turn's text as the engine keeps it: appended to as tokens arrive. */
class Source {
  text = '';
}

describe('heartbeat: partial replies saved while they stream', () => {
  const fx = useDatabase();

  async function reply(opts: { status?: MessageStatus; content?: string; ageSeconds?: number; instanceId?: string | null } = {}) {
    const id = newId();
    await fx.database.db.insert(messages).values({
      id,
      // Each in a conversation of its own: a conversation holds one streaming reply at most.
      conversationId: await fx.newConversation(),
      role: 'assistant',
      content: opts.content ?? '',
      status: opts.status ?? 'streaming',
      instanceId: opts.instanceId ?? null,
    });
    await fx.database.db
      .update(messages)
      .set({ updatedAt: sql`now() - ${opts.ageSeconds ?? 0}::double precision * interval '1 second'` })
      .where(eq(messages.id, id));
    return id;
  }
  const rows = async (ids: string[]) => {
    const found = await fx.database.db
      .select({
        id: messages.id,
        content: messages.content,
        status: messages.status,
        age: sql<number>`extract(epoch from now() - ${messages.updatedAt})::float8`,
      })
      .from(messages)
      .where(inArray(messages.id, ids));
    return ids.map((id) => found.find((r) => r.id === id)!);
  };

  it('saves the text each reply generated since the last beat, in one beat for all', async () => {
    const a = await reply({ ageSeconds: 120 });
    const b = await reply({ content: 'kept', ageSeconds: 120 });
    const sa = new Source();
    const sb = new Source();
    sb.text = 'kept';
    const heartbeat = new TurnHeartbeat({ db: fx.database.db, intervalMs: 60_000 });
    heartbeat.add(a, sa);
    heartbeat.add(b, sb);
    try {
      sa.text += 'Hello';
      await heartbeat.beat();
      let [ra, rb] = await rows([a, b]);
      assert.equal(ra.content, 'Hello');
      assert.equal(rb.content, 'kept', 'a reply whose text did not grow keeps what is stored');
      assert.ok(ra.age < 60 && rb.age < 60, 'every live reply is refreshed by the beat');

      sa.text += ' world';
      sb.text += ' and more';
      await heartbeat.beat();
      [ra, rb] = await rows([a, b]);
      assert.equal(ra.content, 'Hello world');
      assert.equal(rb.content, 'kept and more');
      assert.equal(ra.status, 'streaming');
    } finally {
      heartbeat.delete(a);
      heartbeat.delete(b);
    }
    assert.deepEqual(heartbeat.live, []);
  });

  it('beats on its own within the save period once text grew, and not before', async () => {
    const id = await reply({ ageSeconds: 120 });
    const source = new Source();
    // Refreshing alone is due only after a minute; saving text every 40 ms.
    const heartbeat = new TurnHeartbeat({ db: fx.database.db, intervalMs: 60_000, saveMs: 40 });
    heartbeat.add(id, source);
    try {
      await new Promise((r) => setTimeout(r, 300));
      let [row] = await rows([id]);
      assert.ok(row.age > 100, `nothing to save, no refresh due: no statement (age ${row.age})`);
      source.text += 'partial';
      const deadline = Date.now() + 5000;
      while ((await rows([id]))[0].content !== 'partial' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      [row] = await rows([id]);
      assert.equal(row.content, 'partial');
      assert.ok(row.age < 60);
    } finally {
      heartbeat.delete(id);
    }
  });

  it('never writes over a reply that got its final write, even racing it', async () => {
    const finished = await reply({ status: 'complete', content: 'The final answer.', ageSeconds: 120 });
    const racing = await reply();
    const sFinished = new Source();
    sFinished.text = 'The final';
    const sRacing = new Source();
    const heartbeat = new TurnHeartbeat({ db: fx.database.db, intervalMs: 60_000 });
    heartbeat.add(finished, sFinished);
    heartbeat.add(racing, sRacing);
    try {
      sFinished.text += ' answ';
      await heartbeat.beat();
      const [row] = await rows([finished]);
      assert.equal(row.content, 'The final answer.');
      assert.ok(row.age > 100, 'a finished reply is not touched');

      // The final write holds the row while a beat carrying older text is sent: the beat
      // waits for it, then finds the reply no longer streaming.
      sRacing.text = 'Partial';
      let beat: Promise<void> | undefined;
      await fx.database.db.transaction(async (tx) => {
        await tx.update(messages).set({ content: 'Partial, then whole.', status: 'complete' }).where(eq(messages.id, racing));
        beat = heartbeat.beat();
        await new Promise((r) => setTimeout(r, 200));
      });
      await beat;
      const [after] = await rows([racing]);
      assert.deepEqual([after.content, after.status], ['Partial, then whole.', 'complete']);
    } finally {
      heartbeat.delete(finished);
      heartbeat.delete(racing);
    }
  });

  it('recovers at once the replies of its own instance id, others only once stale', async () => {
    const mine = await reply({ content: 'mine so far', instanceId: 'instance-a' });
    const other = await reply({ instanceId: 'instance-b' });
    const legacy = await reply({ instanceId: null });
    const staleOther = await reply({ instanceId: 'instance-b', ageSeconds: 120 });
    const mineDone = await reply({ status: 'complete', content: 'done', instanceId: 'instance-a' });
    const count = await recoverInterruptedTurns(fx.database.db, { staleSeconds: 60, instanceId: 'instance-a' });
    assert.equal(count, 2);
    const found = await rows([mine, other, legacy, staleOther, mineDone]);
    assert.deepEqual(
      found.map((r) => r.status),
      ['incomplete', 'streaming', 'streaming', 'incomplete', 'complete'],
    );
    assert.equal(found[0].content, 'mine so far', 'what was saved is kept');
    const [meta] = await fx.database.db.select({ metadata: messages.metadata }).from(messages).where(eq(messages.id, mine));
    assert.equal(meta.metadata.stop_reason, 'interrupted');
    // The periodic recovery (no instance id) leaves fresh replies of any instance alone.
    await reply({ instanceId: 'instance-a' });
    assert.equal(await recoverInterruptedTurns(fx.database.db, { staleSeconds: 60 }), 0);
  });
});
