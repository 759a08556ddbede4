import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { conversations, messages, usageEvents } from '../../db/schema.ts';
import type { ResolvedModel } from '../../providers/catalog.ts';
import type { PromptMessage } from '../../providers/types.ts';
import type { Actor } from '../actor.ts';
import type { Message } from '../conversations/messages-service.ts';
import { activePaths, readPathTo } from '../conversations/active-path.ts';
import { errors, REPLY_IN_FLIGHT, violates } from '../errors.ts';
import { newId } from '../ids.ts';
import { promptMessageOf } from './transcript.ts';
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
   * The reply, its usage event and the conversation's activity in one statement, so
   * atomic without an explicit transaction, in one round trip.
   */
  async commitEnd(input: TurnEnd): Promise<Message> {
    const { placeholder, usage } = input;
    const { db } = this;
    const now = new Date();
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
      .with(usageEvent, touch)
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

function toPrompt(rows: { role: Message['role']; content: string; metadata: Record<string, unknown> }[]): PromptMessage[] {
  const prompt: PromptMessage[] = [];
  for (const row of rows) {
    const entry = promptMessageOf(row);
    if (entry) prompt.push(entry);
  }
  return prompt;
}
