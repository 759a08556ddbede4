import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { TurnStore } from '../../../src/core/chat/turn-store.ts';
import { AppError } from '../../../src/core/errors.ts';
import { messages } from '../../../src/db/schema.ts';
import type { ResolvedModel } from '../../../src/providers/catalog.ts';
import { useDatabase } from '../../support/fixture.ts';

// Only the entry's id is written by the store.
const model = { entry: { id: 'echo' } } as ResolvedModel;

describe('one reply in flight per conversation, held by the database', () => {
  const fx = useDatabase();

  it('refuses a second streaming reply in a conversation with a 409, storing nothing of it', async () => {
    const conversationId = await fx.newConversation();
    // Two stores stand for two instances: neither knows of the other's turn.
    const a = new TurnStore(fx.database.db, 'instance-a');
    const b = new TurnStore(fx.database.db, 'instance-b');
    const results = await Promise.allSettled([a.commitStart(conversationId, 'first', model), b.commitStart(conversationId, 'second', model)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(lost[0].reason instanceof AppError);
    assert.equal(lost[0].reason.status, 409);
    assert.match(lost[0].reason.message, /already being generated/);
    const stored = await fx.database.db.select().from(messages).where(eq(messages.conversationId, conversationId));
    assert.equal(stored.length, 2, 'the loser stored neither its message nor its reply');

    // A regenerated reply is refused the same way while the first still streams.
    const user = stored.find((m) => m.role === 'user')!;
    await assert.rejects(b.commitReply(conversationId, user, model), (err: AppError) => err.status === 409);

    // Once it has ended, the next turn may start.
    await fx.database.db
      .update(messages)
      .set({ status: 'complete' })
      .where(and(eq(messages.conversationId, conversationId), eq(messages.status, 'streaming')));
    const next = await b.commitStart(conversationId, 'third', model);
    assert.equal(next.assistantMessage.status, 'streaming');
  });

  it('lets different conversations stream at once', async () => {
    const store = new TurnStore(fx.database.db);
    const [x, y] = await Promise.all([fx.newConversation(), fx.newConversation()]);
    const [rx, ry] = await Promise.all([store.commitStart(x, 'hi', model), store.commitStart(y, 'hi', model)]);
    assert.equal(rx.assistantMessage.status, 'streaming');
    assert.equal(ry.assistantMessage.status, 'streaming');
  });
});
