import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { conversations, type MessageRole, messages, usageEvents } from '../../db/schema.ts';
import type { ResolvedModel } from '../../providers/catalog.ts';
import type { PromptMessage } from '../../providers/types.ts';
import type { Actor } from '../actor.ts';
import type { ConversationRow } from '../conversations/conversations-service.ts';
import type { Message } from '../conversations/messages-service.ts';
import { activePaths, readPathTo } from '../conversations/active-path.ts';
import { errors, REPLY_IN_FLIGHT, violates } from '../errors.ts';
import { holdRelease } from '../limits/budgets.ts';
import { newId } from '../ids.ts';
import { toPrompt } from './transcript.ts';
import type { TurnUsage } from './live-turn.ts';

export interface TurnEnd {
  conversationId: string;
  actor: Actor | null;
  placeholder: Message;
  model: ResolvedModel;
  content: string;
  status: Message['status'];
  usage: TurnUsage;
  cost: number;
  ttftMs: number | null;
  metadata: Record<string, unknown>;
  /** The turn's budget hold, released in the same statement as its usage is recorded. */
  holdId?: string;
}

/** A message stored before a conversation's first turn: the earlier part of the chat a client sent. */
export interface EarlierMessage {
  role: MessageRole;
  content: string;
  metadata: Record<string, unknown>;
}

/**
 * A `streaming` reply is stored only where none is: the database refuses a second one in the
 * same conversation, so two instances racing for it cannot both start a turn.
 */
async function oneReplyAtATime<T>(insert: Promise<T>): Promise<T> {
  try {
    return await insert;
  } catch (err) {
    if (violates(err, 'messages_one_streaming_reply_idx')) throw errors.conflict(REPLY_IN_FLIGHT);
    throw err;
  }
}

/** A turn's reads and writes: the history it sends, its first write and its last. */
export class TurnStore {
  private readonly db: Db;
  /** Recorded on every reply this process runs: its restart recovers them without waiting. */
  private readonly instanceId: string | null;
  // Read at the start of every turn: built once, and parsed once per connection.
  private readonly historyQuery;

  constructor(db: Db, instanceId: string | null = null) {
    this.db = db;
    this.instanceId = instanceId;
    this.historyQuery = db
      .select({ role: messages.role, content: messages.content, metadata: messages.metadata })
      .from(messages)
      .innerJoin(activePaths(sql`${sql.placeholder('id')}::uuid`), sql`path.id = ${messages.id}`)
      .where(sql`${messages.deletedAt} is null`)
      .orderBy(sql`path.depth desc`)
      .prepare('turn_history');
  }

  /** A reply as stored, whatever its status. */
  async reply(messageId: string): Promise<Message | undefined> {
    const [row] = await this.db.select().from(messages).where(eq(messages.id, messageId));
    return row;
  }

  /**
   * The reply of the conversation being written, on any instance, with the instance that runs
   * it (null when unrecorded); undefined when there is none.
   */
  async streamingReply(conversationId: string): Promise<{ instanceId: string | null } | undefined> {
    const [row] = await this.db
      .select({ instanceId: messages.instanceId })
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), eq(messages.status, 'streaming')))
      .limit(1);
    return row;
  }

  /** The conversation's active path, the messages with content, oldest first. */
  async history(conversationId: string): Promise<PromptMessage[]> {
    return toPrompt(await this.historyQuery.execute({ id: conversationId }));
  }

  /** The path from the root to `leafId`, as the model reads it: the history of a branch started below it. */
  async historyTo(leafId: string | null): Promise<PromptMessage[]> {
    return toPrompt(await readPathTo(this.db, leafId));
  }

  /**
   * The user message, the `streaming` reply and the conversation's activity in one
   * statement: atomic without an explicit transaction, and one round trip. It is committed
   * (durably) before the model is called.
   */
  async commitStart(
    conversationId: string,
    content: string,
    model: ResolvedModel,
    metadata: Record<string, unknown> = {},
    branch?: { parentId: string | null },
  ) {
    const now = new Date();
    // A millisecond later, so the reply always sorts after the message it answers.
    const later = new Date(now.getTime() + 1);
    const userId = newId();
    const replyId = newId();
    // The new message follows the active leaf (read in the statement's snapshot, before the
    // update below moves it) or, for an edit, the parent it is given; its reply becomes the leaf.
    const parentId: SQL | string | null = branch
      ? branch.parentId
      : sql`(select c.active_leaf_id from conversations c where c.id = ${conversationId})`;
    const touch = this.db.$with('touch').as(
      this.db
        .update(conversations)
        .set({ updatedAt: now, activeLeafId: replyId })
        .where(eq(conversations.id, conversationId))
        .returning({ id: conversations.id }),
    );
    const rows = await oneReplyAtATime(
      this.db
        .with(touch)
        .insert(messages)
        .values([
          { id: userId, conversationId, parentId, role: 'user', content, metadata, createdAt: now, updatedAt: now },
          {
            id: replyId,
            conversationId,
            parentId: userId,
            role: 'assistant',
            content: '',
            model: model.entry.id,
            status: 'streaming',
            instanceId: this.instanceId,
            createdAt: later,
            updatedAt: later,
          },
        ])
        .returning(),
    );
    const userMessage = rows.find((m) => m.role === 'user')!;
    const assistantMessage = rows.find((m) => m.role === 'assistant')!;
    return { userMessage, assistantMessage };
  }

  /**
   * A new conversation with its first turn: the conversation, the messages before the turn (a
   * chat the client brought), the user message and the `streaming` reply, in one statement
   * (atomic without an explicit transaction, one round trip), committed before the model is
   * called. Nothing is stored before it, so a turn refused earlier (budgets) leaves no trace.
   */
  async commitNew(
    conversation: ConversationRow,
    earlier: EarlierMessage[],
    content: string,
    model: ResolvedModel,
    metadata: Record<string, unknown> = {},
  ): Promise<{ userMessage: Message; assistantMessage: Message; earlierMessages: Message[] }> {
    const { db } = this;
    const now = Date.now();
    // As a turn in a stored conversation: the user message now, its reply a millisecond later;
    // the earlier messages just before, one millisecond apart, each following the one before.
    const first = now - earlier.length;
    const ids = earlier.map(() => newId());
    const userId = newId();
    const replyId = newId();
    const rows = [
      ...earlier.map((m, i) => ({
        id: ids[i],
        conversationId: conversation.id,
        parentId: i === 0 ? null : ids[i - 1],
        role: m.role,
        content: m.content,
        metadata: m.metadata,
        createdAt: new Date(first + i),
        updatedAt: new Date(first + i),
      })),
      {
        id: userId,
        conversationId: conversation.id,
        parentId: ids.at(-1) ?? null,
        role: 'user' as const,
        content,
        metadata,
        createdAt: new Date(now),
        updatedAt: new Date(now),
      },
      {
        id: replyId,
        conversationId: conversation.id,
        parentId: userId,
        role: 'assistant' as const,
        content: '',
        model: model.entry.id,
        status: 'streaming' as const,
        instanceId: this.instanceId,
        createdAt: new Date(now + 1),
        updatedAt: new Date(now + 1),
      },
    ];
    // The messages' reference to the conversation is checked at the end of the statement, when
    // the conversation inserted beside them exists.
    const created = db.$with('created').as(
      db
        .insert(conversations)
        .values({ ...conversation, updatedAt: new Date(now), activeLeafId: replyId })
        .returning({ id: conversations.id }),
    );
    const inserted = await db.with(created).insert(messages).values(rows).returning();
    const byId = new Map(inserted.map((m) => [m.id, m]));
    return {
      userMessage: byId.get(userId)!,
      assistantMessage: byId.get(replyId)!,
      earlierMessages: ids.map((id) => byId.get(id)!),
    };
  }

  /**
   * A regenerated reply: a `streaming` reply to a stored user message, a sibling of its other
   * replies, made the active leaf in the same statement.
   */
  async commitReply(conversationId: string, userMessage: Message, model: ResolvedModel): Promise<Message> {
    const now = new Date();
    const replyId = newId();
    const touch = this.db.$with('touch').as(
      this.db
        .update(conversations)
        .set({ updatedAt: now, activeLeafId: replyId })
        .where(eq(conversations.id, conversationId))
        .returning({ id: conversations.id }),
    );
    const [reply] = await oneReplyAtATime(
      this.db
        .with(touch)
        .insert(messages)
        .values({
          id: replyId,
          conversationId,
          parentId: userMessage.id,
          role: 'assistant',
          content: '',
          model: model.entry.id,
          status: 'streaming',
          instanceId: this.instanceId,
          // Never before the message it answers, even with a clock that went back.
          createdAt: new Date(Math.max(now.getTime(), userMessage.createdAt.getTime() + 1)),
          updatedAt: now,
        })
        .returning(),
    );
    return reply;
  }

  /**
   * The reply, its usage event, the conversation's activity and the release of the turn's
   * budget hold in one statement, so atomic without an explicit transaction, in one round trip:
   * the hold goes exactly when the usage that replaces it is recorded.
   */
  async commitEnd(input: TurnEnd): Promise<Message> {
    const { placeholder, usage } = input;
    const { db } = this;
    const now = new Date();
    const released = input.holdId ? [holdRelease(db, input.holdId)] : [];
    const usageEvent = db.$with('usage_event').as(
      db
        .insert(usageEvents)
        .values({
          id: newId(),
          userId: input.actor?.userId ?? null,
          apiKeyId: input.actor?.apiKeyId ?? null,
          conversationId: input.conversationId,
          messageId: placeholder.id,
          kind: 'chat',
          model: input.model.entry.id,
          provider: input.model.entry.provider,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          costUsd: input.cost,
          estimated: usage.estimated,
          createdAt: now,
        })
        .returning({ id: usageEvents.id }),
    );
    const touch = db.$with('touch').as(
      db.update(conversations).set({ updatedAt: now }).where(eq(conversations.id, input.conversationId)).returning({ id: conversations.id }),
    );
    const [message] = await db
      .with(usageEvent, touch, ...released)
      .update(messages)
      .set({
        content: input.content,
        status: input.status,
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        costUsd: input.cost,
        ttftMs: input.ttftMs,
        metadata: input.metadata,
        updatedAt: now,
      })
      .where(eq(messages.id, placeholder.id))
      .returning();
    // A message deleted while its reply was streaming stays deleted; the row is still returned.
    return message ?? { ...placeholder, content: input.content, status: input.status };
  }
}
