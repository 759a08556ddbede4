import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { ConversationRow } from '../../../src/core/conversations/conversations-service.ts';
import { TurnStore } from '../../../src/core/chat/turn-store.ts';
import { newId } from '../../../src/core/ids.ts';
import { budgetHolds, conversations, messages, usageEvents } from '../../../src/db/schema.ts';
import type { ResolvedModel } from '../../../src/providers/catalog.ts';
import { useDatabase } from '../../support/fixture.ts';

const model = { entry: { id: 'echo', provider: 'echo' } } as ResolvedModel;

/** A turn's first and last writes are one statement each: all of it is stored, or none. */
describe('a turn’s writes', () => {
  const fx = useDatabase();

  const ownerId = async () => {
    const [row] = await fx.database.db.select({ userId: conversations.userId }).from(conversations).where(eq(conversations.id, fx.conversationId));
    return row.userId!;
  };
  const draft = async (): Promise<ConversationRow> => {
    const now = new Date();
    return {
      id: newId(),
      userId: await ownerId(),
      assistantId: null,
      sessionKey: null,
      applicationId: null,
      title: null,
      model: 'echo',
      systemPrompt: 'Be brief.',
      temperature: null,
      maxTokens: null,
      language: null,
      archivedAt: null,
      pinnedAt: null,
      tags: [],
      activeLeafId: null,
      deletedAt: null,
      createdAt: now,
      updatedAt: now,
    };
  };

  it('stores a new conversation with its earlier messages, the user message and the streaming reply, chained in order', async () => {
    const store = new TurnStore(fx.database.db, 'instance-a');
    const row = await draft();
    const earlier = [
      { role: 'user' as const, content: 'one', metadata: {} },
      { role: 'assistant' as const, content: 'two', metadata: {} },
    ];
    const { userMessage, assistantMessage, earlierMessages } = await store.commitNew(row, earlier, 'three', model);
    const [stored] = await fx.database.db.select().from(conversations).where(eq(conversations.id, row.id));
    assert.equal(stored.systemPrompt, 'Be brief.');
    assert.equal(stored.activeLeafId, assistantMessage.id, 'the reply is the active leaf');
    const chain = [...earlierMessages, userMessage, assistantMessage];
    assert.deepEqual(
      chain.map((m) => [m.role, m.content, m.status]),
      [
        ['user', 'one', 'complete'],
        ['assistant', 'two', 'complete'],
        ['user', 'three', 'complete'],
        ['assistant', '', 'streaming'],
      ],
    );
    assert.equal(chain[0].parentId, null);
    for (let i = 1; i < chain.length; i++) {
      assert.equal(chain[i].parentId, chain[i - 1].id, `message ${i} follows the one before it`);
      assert.ok(chain[i].createdAt > chain[i - 1].createdAt, `message ${i} is created after the one before it`);
    }
    assert.equal(assistantMessage.instanceId, 'instance-a');
    assert.deepEqual(await store.history(row.id), [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two' },
      { role: 'user', content: 'three' },
    ]);
  });

  it('stores no conversation when its messages are refused: one statement', async () => {
    const store = new TurnStore(fx.database.db);
    const row = await draft();
    // The database cannot store U+0000 in text: the message insert fails.
    await assert.rejects(store.commitNew(row, [{ role: 'user', content: 'bad\u0000byte', metadata: {} }], 'hi', model));
    const left = await fx.database.db.select().from(conversations).where(eq(conversations.id, row.id));
    assert.equal(left.length, 0, 'the conversation went with its messages');
  });

  it('records the usage and releases the hold in the final write, or neither when it fails', async () => {
    const store = new TurnStore(fx.database.db);
    const userId = await ownerId();
    const end = async (content: string) => {
      const conversationId = await fx.newConversation();
      const { assistantMessage } = await store.commitStart(conversationId, 'hi', model);
      const holdId = newId();
      await fx.database.db.insert(budgetHolds).values({ id: holdId, userId, tokens: 100, usd: 0, expiresAt: new Date(Date.now() + 60_000) });
      const result = await store
        .commitEnd({
          conversationId,
          actor: null,
          placeholder: assistantMessage,
          model,
          content,
          status: 'complete',
          usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5, estimated: false },
          cost: 0,
          ttftMs: 1,
          metadata: {},
          holdId,
        })
        .then(
          () => 'saved',
          () => 'refused',
        );
      const holds = await fx.database.db.select().from(budgetHolds).where(eq(budgetHolds.id, holdId));
      const events = await fx.database.db.select().from(usageEvents).where(eq(usageEvents.messageId, assistantMessage.id));
      const [reply] = await fx.database.db.select().from(messages).where(eq(messages.id, assistantMessage.id));
      return { result, holds: holds.length, events: events.length, status: reply.status };
    };
    assert.deepEqual(await end('Echo: hi'), { result: 'saved', holds: 0, events: 1, status: 'complete' });
    // A reply the database refuses: the hold stays (it lapses on its own), no usage is half recorded.
    assert.deepEqual(await end('bad\u0000byte'), { result: 'refused', holds: 1, events: 0, status: 'streaming' });
  });
});
