import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { conversations, messages, usageEvents } from '../../db/schema.ts';
import type { ResolvedModel } from '../../providers/catalog.ts';
import type { PromptMessage } from '../../providers/types.ts';
import type { Actor } from '../actor.ts';
import type { Message } from '../conversations/messages-service.ts';
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
      .where(and(eq(messages.conversationId, sql.placeholder('id')), isNull(messages.deletedAt)))
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .prepare('turn_history');
  }

  /** The conversation's live messages with content, oldest first. */
  async history(conversationId: string): Promise<PromptMessage[]> {
    const rows = await this.historyQuery.execute({ id: conversationId });
    const prompt: PromptMessage[] = [];
    for (const row of rows) {
      const entry = promptMessageOf(row);
      if (entry) prompt.push(entry);
    }
    return prompt;
  }

  /**
   * The user message, the `streaming` reply and the conversation's activity in one
   * statement: atomic without an explicit transaction, and one round trip. It is committed
   * (durably) before the model is called.
   */
  async commitStart(conversationId: string, content: string, model: ResolvedModel, metadata: Record<string, unknown> = {}) {
    const now = new Date();
    // A millisecond later, so the reply always sorts after the message it answers.
    const later = new Date(now.getTime() + 1);
    const touch = this.db.$with('touch').as(
      this.db.update(conversations).set({ updatedAt: now }).where(eq(conversations.id, conversationId)).returning({ id: conversations.id }),
    );
    const rows = await this.db
      .with(touch)
      .insert(messages)
      .values([
        { id: newId(), conversationId, role: 'user', content, metadata, createdAt: now, updatedAt: now },
        {
          id: newId(),
          conversationId,
          role: 'assistant',
          content: '',
          model: model.entry.id,
          status: 'streaming',
          instanceId: this.instanceId,
          createdAt: later,
          updatedAt: later,
        },
      ])
      .returning();
    const userMessage = rows.find((m) => m.role === 'user')!;
    const assistantMessage = rows.find((m) => m.role === 'assistant')!;
    return { userMessage, assistantMessage };
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
