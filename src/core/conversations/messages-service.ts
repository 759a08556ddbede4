import { and, asc, count, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { conversations, messages, type MessageRole } from '../../db/schema.ts';
import type { EventBus } from '../../realtime/event-bus.ts';
import { type Actor, isAdmin } from '../actor.ts';
import { errors } from '../errors.ts';
import { isUuid, newId } from '../ids.ts';
import type { ConversationsService } from './conversations-service.ts';

export type Message = typeof messages.$inferSelect;

export class MessagesService {
  private readonly deps: { db: Db; conversations: ConversationsService; bus: EventBus };
  constructor(deps: { db: Db; conversations: ConversationsService; bus: EventBus }) {
    this.deps = deps;
  }

  /** A page of the conversation's messages, oldest first. */
  async list(
    actor: Actor,
    conversationId: string,
    page: { offset: number; limit: number },
  ): Promise<{ items: Message[]; total: number }> {
    await this.deps.conversations.get(actor, conversationId);
    return this.page(conversationId, page);
  }

  async page(conversationId: string, page: { offset: number; limit: number }): Promise<{ items: Message[]; total: number }> {
    const where = and(eq(messages.conversationId, conversationId), isNull(messages.deletedAt));
    const [items, [{ total }]] = await Promise.all([
      this.deps.db
        .select()
        .from(messages)
        .where(where)
        .orderBy(asc(messages.createdAt), asc(messages.id))
        .limit(page.limit)
        .offset(page.offset),
      this.deps.db.select({ total: count() }).from(messages).where(where),
    ]);
    return { items, total };
  }

  /** The last `limit` messages, returned oldest first. */
  async latest(conversationId: string, limit: number): Promise<Message[]> {
    const { total } = await this.page(conversationId, { offset: 0, limit: 0 });
    const { items } = await this.page(conversationId, { offset: Math.max(0, total - limit), limit });
    return items;
  }

  /** The conversation's newest assistant message, whatever its status. */
  async lastReply(conversationId: string): Promise<Message | undefined> {
    const [row] = await this.deps.db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), eq(messages.role, 'assistant'), isNull(messages.deletedAt)))
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(1);
    return row;
  }

  /**
   * Stores messages a client brings along (earlier turns it holds itself), in order and in
   * one transaction, before the turn that follows: stamped just before now, and after
   * `afterMs` (the newest stored message), waiting out the clock when needed so the turn's
   * own messages sort after them. The caller has authorized.
   */
  async importHistory(
    conversationId: string,
    items: { role: MessageRole; content: string; metadata?: Record<string, unknown> }[],
    afterMs = 0,
  ): Promise<Message[]> {
    if (items.length === 0) return [];
    const base = Math.max(Date.now() - items.length, afterMs + 1);
    const rows = await this.deps.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(messages)
        .values(
          items.map((item, i) => {
            const at = new Date(base + i);
            return { id: newId(), conversationId, role: item.role, content: item.content, metadata: item.metadata ?? {}, createdAt: at, updatedAt: at };
          }),
        )
        .returning();
      await tx.update(conversations).set({ updatedAt: new Date() }).where(eq(conversations.id, conversationId));
      return inserted;
    });
    for (const row of rows) this.deps.bus.publish({ sessionId: conversationId, event: 'message.created', data: row });
    const ahead = base + items.length - Date.now();
    if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
    return rows;
  }

  /** Soft-deletes every message of the conversation, keeping the conversation. The caller has authorized. */
  async clear(conversationId: string): Promise<number> {
    const rows = await this.deps.db
      .update(messages)
      .set({ deletedAt: new Date() })
      .where(and(eq(messages.conversationId, conversationId), isNull(messages.deletedAt)))
      .returning({ id: messages.id });
    for (const row of rows) {
      this.deps.bus.publish({
        sessionId: conversationId,
        event: 'message.deleted',
        data: { message_id: row.id, session_id: conversationId },
      });
    }
    return rows.length;
  }

  /** Stores a message as is (seed 003 lets a client write any role); no model is called. */
  async create(actor: Actor, conversationId: string, input: { role: MessageRole; content: string }): Promise<Message> {
    await this.deps.conversations.get(actor, conversationId);
    const message = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(messages)
        .values({ id: newId(), conversationId, role: input.role, content: input.content })
        .returning();
      await tx.update(conversations).set({ updatedAt: new Date() }).where(eq(conversations.id, conversationId));
      return row;
    });
    this.deps.bus.publish({ sessionId: conversationId, event: 'message.created', data: message });
    return message;
  }

  /** A message the actor may see: 404 when it or its conversation is gone, 403 when not theirs. */
  async get(actor: Actor, messageId: string): Promise<Message> {
    if (!isUuid(messageId)) throw errors.notFound('Message');
    const [row] = await this.deps.db
      .select({ message: messages, ownerId: conversations.userId })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(and(eq(messages.id, messageId), isNull(messages.deletedAt), isNull(conversations.deletedAt)));
    if (!row) throw errors.notFound('Message');
    if (row.ownerId !== actor.userId && !isAdmin(actor)) throw errors.forbidden();
    return row.message;
  }

  /** Edits a user's own message; other roles are not editable. */
  async editContent(actor: Actor, messageId: string, content: string): Promise<Message> {
    const message = await this.get(actor, messageId);
    if (message.role !== 'user') throw errors.forbidden('Only user messages can be edited');
    const [row] = await this.deps.db
      .update(messages)
      .set({ content, updatedAt: new Date() })
      .where(eq(messages.id, messageId))
      .returning();
    this.deps.bus.publish({ sessionId: row.conversationId, event: 'message.updated', data: row });
    return row;
  }

  async delete(actor: Actor, messageId: string): Promise<void> {
    const message = await this.get(actor, messageId);
    await this.deps.db.update(messages).set({ deletedAt: new Date() }).where(eq(messages.id, messageId));
    this.deps.bus.publish({
      sessionId: message.conversationId,
      event: 'message.deleted',
      data: { message_id: message.id, session_id: message.conversationId },
    });
  }
}
