import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { conversations, messages, type MessageRole } from '../../db/schema.ts';
import type { EventBus } from '../../realtime/event-bus.ts';
import { type Actor, isAdmin } from '../actor.ts';
import { errors } from '../errors.ts';
import { isUuid, newId } from '../ids.ts';
import { newestLeafBelow, readActivePath, readActivePathTail, readPathTo } from './active-path.ts';
import type { ConversationsService } from './conversations-service.ts';
import { deleteSubtree } from './subtree-deletion.ts';

export type Message = typeof messages.$inferSelect;

export class MessagesService {
  private readonly deps: { db: Db; conversations: ConversationsService; bus: EventBus };
  constructor(deps: { db: Db; conversations: ConversationsService; bus: EventBus }) {
    this.deps = deps;
  }

  /** A page of the conversation's active path, oldest first. */
  async list(
    actor: Actor,
    conversationId: string,
    page: { offset: number; limit: number },
  ): Promise<{ items: Message[]; total: number }> {
    await this.deps.conversations.get(actor, conversationId);
    return this.page(conversationId, page);
  }

  /** A page of the conversation's active path, oldest first, with the path's length. The caller has authorized. */
  async page(conversationId: string, page: { offset: number; limit: number }): Promise<{ items: Message[]; total: number }> {
    return readActivePath(this.deps.db, conversationId, page);
  }

  /** The last `limit` messages of the active path, returned oldest first. */
  async latest(conversationId: string, limit: number): Promise<Message[]> {
    return readActivePathTail(this.deps.db, conversationId, limit);
  }

  /** The newest assistant message on the active path, whatever its status. */
  async lastReply(conversationId: string): Promise<Message | undefined> {
    const [row] = await readActivePathTail(this.deps.db, conversationId, 1, 'assistant');
    return row;
  }

  /**
   * Every live message of the conversation, every branch, oldest first; those on the active
   * path carry their siblings (the other children of their parent, themselves included, oldest
   * first) and their place among them.
   */
  async tree(actor: Actor, conversationId: string): Promise<{ items: Message[]; siblings: Map<string, { ids: string[]; index: number }> }> {
    await this.deps.conversations.get(actor, conversationId);
    const [items, { items: path }] = await Promise.all([
      this.deps.db
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, conversationId), isNull(messages.deletedAt)))
        .orderBy(asc(messages.createdAt), asc(messages.id)),
      readActivePath(this.deps.db, conversationId, { offset: 0, limit: Number.MAX_SAFE_INTEGER }),
    ]);
    const children = new Map<string | null, string[]>();
    for (const m of items) {
      const list = children.get(m.parentId) ?? [];
      list.push(m.id);
      children.set(m.parentId, list);
    }
    const siblings = new Map<string, { ids: string[]; index: number }>();
    for (const m of path) {
      const ids = children.get(m.parentId) ?? [m.id];
      siblings.set(m.id, { ids, index: ids.indexOf(m.id) });
    }
    return { items, siblings };
  }

  /**
   * Makes the path ending at `messageId` the active one. A message with replies below it is
   * not a leaf: the path continues down its newest branch to a leaf, as a client switching to a
   * sibling expects to see that sibling's whole conversation.
   */
  async setActiveLeaf(actor: Actor, conversationId: string, messageId: string): Promise<{ leafId: string }> {
    await this.deps.conversations.get(actor, conversationId);
    const message = await this.inConversation(actor, conversationId, messageId);
    const [leaf] = await this.deps.db
      .select({ id: messages.id })
      .from(messages)
      .where(sql`${messages.id} = ${newestLeafBelow(sql`${message.id}::uuid`)}`);
    const leafId = leaf?.id ?? message.id;
    await this.deps.db.update(conversations).set({ activeLeafId: leafId }).where(eq(conversations.id, conversationId));
    await this.publishPathChange(actor, conversationId);
    return { leafId };
  }

  /** A live message of this conversation, for the actor: 404 when it is not one (after the conversation is authorized). */
  async inConversation(actor: Actor, conversationId: string, messageId: string): Promise<Message> {
    const message = await this.get(actor, messageId).catch((err) => {
      throw err instanceof Error && 'status' in err && err.status === 403 ? errors.notFound('Message') : err;
    });
    if (message.conversationId !== conversationId) throw errors.notFound('Message');
    return message;
  }

  /**
   * A new conversation holding a copy of the path from the root to `messageId`, owned by the
   * actor, with the source's settings; the copy's last message is its active leaf.
   */
  async fork(actor: Actor, conversationId: string, messageId: string) {
    const source = await this.deps.conversations.get(actor, conversationId);
    const message = await this.inConversation(actor, conversationId, messageId);
    const path = await readPathTo(this.deps.db, message.id);
    const copy = await this.deps.conversations.create(actor, {
      title: source.title,
      model: source.model,
      systemPrompt: source.systemPrompt,
      temperature: source.temperature,
      maxTokens: source.maxTokens,
      language: source.language,
      assistantId: source.assistantId,
      assistantOwnerId: source.assistantOwnerId,
    });
    const ids = path.map(() => newId());
    await this.deps.db.transaction(async (tx) => {
      if (path.length > 0) {
        await tx.insert(messages).values(
          path.map((m, i) => ({
            ...m,
            id: ids[i],
            conversationId: copy.id,
            parentId: i === 0 ? null : ids[i - 1],
            // A reply still streaming in the source is copied as what it is now.
            status: m.status === 'streaming' ? ('incomplete' as const) : m.status,
            instanceId: null,
          })),
        );
      }
      await tx
        .update(conversations)
        .set({ activeLeafId: ids.at(-1) ?? null })
        .where(eq(conversations.id, copy.id));
    });
    const forked = await this.deps.conversations.get(actor, copy.id);
    return forked;
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
    const ids = items.map(() => newId());
    const rows = await this.deps.db.transaction(async (tx) => {
      // Each message follows the one before it, the first the active leaf; the last becomes the leaf.
      const [current] = await tx
        .select({ leaf: conversations.activeLeafId })
        .from(conversations)
        .where(eq(conversations.id, conversationId))
        .for('update');
      const inserted = await tx
        .insert(messages)
        .values(
          items.map((item, i) => {
            const at = new Date(base + i);
            const parentId = i === 0 ? (current?.leaf ?? null) : ids[i - 1];
            return { id: ids[i], conversationId, parentId, role: item.role, content: item.content, metadata: item.metadata ?? {}, createdAt: at, updatedAt: at };
          }),
        )
        .returning();
      await tx
        .update(conversations)
        .set({ updatedAt: new Date(), activeLeafId: ids.at(-1) })
        .where(eq(conversations.id, conversationId));
      return inserted;
    });
    for (const row of rows) this.deps.bus.publish({ sessionId: conversationId, event: 'message.created', data: row });
    const ahead = base + items.length - Date.now();
    if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
    return rows;
  }

  /** Soft-deletes every message of the conversation, keeping the conversation. The caller has authorized. */
  async clear(conversationId: string): Promise<number> {
    const rows = await this.deps.db.transaction(async (tx) => {
      const cleared = await tx
        .update(messages)
        .set({ deletedAt: new Date() })
        .where(and(eq(messages.conversationId, conversationId), isNull(messages.deletedAt)))
        .returning({ id: messages.id });
      await tx.update(conversations).set({ activeLeafId: null }).where(eq(conversations.id, conversationId));
      return cleared;
    });
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
    const id = newId();
    // Follows the active leaf (read in the statement's snapshot, before the update moves it) and becomes it.
    const touch = this.deps.db.$with('touch').as(
      this.deps.db
        .update(conversations)
        .set({ updatedAt: new Date(), activeLeafId: id })
        .where(eq(conversations.id, conversationId))
        .returning({ id: conversations.id }),
    );
    const [message] = await this.deps.db
      .with(touch)
      .insert(messages)
      .values({
        id,
        conversationId,
        parentId: sql`(select c.active_leaf_id from conversations c where c.id = ${conversationId})`,
        role: input.role,
        content: input.content,
      })
      .returning();
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

  /**
   * Deletes a message of the conversation with every message below it, on every branch (seed
   * 000's delete; seed 003's `delete` below keeps the replies). 409 while a reply below it is
   * still being written. The active path moves off the deleted branch when it ran through it.
   */
  async deleteSubtree(actor: Actor, conversationId: string, messageId: string): Promise<void> {
    await this.deps.conversations.get(actor, conversationId);
    const message = await this.inConversation(actor, conversationId, messageId);
    const { deletedIds, movedLeaf } = await deleteSubtree(this.deps.db, message);
    for (const id of deletedIds) {
      this.deps.bus.publish({ sessionId: conversationId, event: 'message.deleted', data: { message_id: id, session_id: conversationId } });
    }
    if (movedLeaf) await this.publishPathChange(actor, conversationId);
  }

  /** Followers hear a moved active path as the conversation, re-read: its message count is the new path's. */
  private async publishPathChange(actor: Actor, conversationId: string): Promise<void> {
    const conversation = await this.deps.conversations.get(actor, conversationId);
    this.deps.bus.publish({ sessionId: conversationId, event: 'session.updated', data: conversation });
  }

  /**
   * Deletes one message, as the seeds document it: it leaves every view and the rest of the
   * conversation stays. Its children move up to its parent, so the path closes over the gap and
   * no branch is left hanging from a hidden message; a deleted leaf gives the active path to its parent.
   */
  async delete(actor: Actor, messageId: string): Promise<void> {
    const message = await this.get(actor, messageId);
    const deleted = await this.deps.db.transaction(async (tx) => {
      const rows = await tx
        .update(messages)
        .set({ deletedAt: new Date() })
        .where(and(eq(messages.id, message.id), isNull(messages.deletedAt)))
        .returning({ id: messages.id });
      await tx.update(messages).set({ parentId: message.parentId }).where(eq(messages.parentId, message.id));
      await tx
        .update(conversations)
        .set({ activeLeafId: message.parentId })
        .where(and(eq(conversations.id, message.conversationId), eq(conversations.activeLeafId, message.id)));
      return rows;
    });
    for (const row of deleted) {
      this.deps.bus.publish({
        sessionId: message.conversationId,
        event: 'message.deleted',
        data: { message_id: row.id, session_id: message.conversationId },
      });
    }
  }
}
