import { and, arrayContains, count, desc, eq, getTableColumns, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.ts';
import { conversations, files, messages, users } from '../../db/schema.ts';
import type { ModelRegistry } from '../../providers/catalog.ts';
import type { EventBus } from '../../realtime/event-bus.ts';
import { type Actor, isAdmin } from '../actor.ts';
import { errors } from '../errors.ts';
import { isUuid, newId } from '../ids.ts';
import { normalizeTags } from './tags.ts';

export type ConversationRow = typeof conversations.$inferSelect;
export type Conversation = ConversationRow & {
  messageCount: number;
  /** The owner of the assistant the conversation was started from (null when none, or unknown). */
  assistantOwnerId?: string | null;
  /**
   * Set on conversations read for a caller who may not see `systemPrompt`: it was copied from
   * someone else's assistant. Presenters show null then; turns still use the prompt.
   */
  systemPromptHidden?: boolean;
};

export interface CreateConversationInput {
  title?: string | null;
  model?: string | null;
  systemPrompt?: string | null;
  temperature?: number | null;
  maxTokens?: number | null;
  assistantId?: string | null;
  language?: string | null;
  sessionKey?: string | null;
  id?: string;
  /** The owner when it is not the actor: admins only (seed 003 bodies name the user). */
  ownerId?: string;
  /** The owner of `assistantId`: whose system prompt the conversation copies. */
  assistantOwnerId?: string | null;
}

export interface ListOptions {
  offset: number;
  limit: number;
  archived?: boolean;
  model?: string;
  createdFrom?: Date;
  createdTo?: Date;
  /** Only conversations carrying every one of these tags. */
  tags?: string[];
  /** Only pinned (true) or only unpinned (false) conversations. */
  pinned?: boolean;
  /** Pinned conversations first, most recently pinned first, then the rest by activity. */
  pinnedFirst?: boolean;
}

export interface ConversationPatch {
  title?: string | null;
  model?: string;
  archived?: boolean;
  systemPrompt?: string | null;
  pinned?: boolean;
  tags?: string[];
}

// Counted on read, so it is right after any insert or delete by any path: the active path's
// length, what every surface shows. A walk up from the leaf, one primary-key probe per message.
const messageCount = sql<number>`(with recursive p(id, parent_id) as (
    select m.id, m.parent_id from "messages" m where m.id = "conversations"."active_leaf_id"
    union all
    select m.id, m.parent_id from "messages" m join p on m.id = p.parent_id
  ) select count(*)::int from p join "messages" m on m.id = p.id where m.deleted_at is null)`;
// Read with the conversation, so whether its system prompt may be shown is known without another query.
const assistantOwnerId = sql<string | null>`(select a.owner_id from "assistants" a where a.id = "conversations"."assistant_id")`;

/**
 * A conversation started from an assistant carries that assistant's system prompt, which is its
 * owner's: only the assistant's owner (or an admin) sees it, not a visitor chatting with it.
 */
export function mayShowSystemPrompt(actor: Actor | null, conversation: Pick<Conversation, 'assistantId' | 'assistantOwnerId'>): boolean {
  if (conversation.assistantId === null) return true;
  if (!actor) return false;
  return isAdmin(actor) || (conversation.assistantOwnerId != null && conversation.assistantOwnerId === actor.userId);
}

/** The conversation as `actor` reads it: flagged when its system prompt must not be shown. */
const seenBy = (actor: Actor | null, conversation: Conversation): Conversation =>
  mayShowSystemPrompt(actor, conversation) ? conversation : { ...conversation, systemPromptHidden: true };

export class ConversationsService {
  private readonly deps: { db: Db; models: ModelRegistry; bus: EventBus };
  // Run on every conversation request: built once, and parsed once per connection.
  private readonly liveById;
  constructor(deps: { db: Db; models: ModelRegistry; bus: EventBus }) {
    this.deps = deps;
    this.liveById = deps.db
      .select({ ...conversationColumns, messageCount, assistantOwnerId })
      .from(conversations)
      .where(and(eq(conversations.id, sql.placeholder('id')), isNull(conversations.deletedAt)))
      .prepare('live_conversation_by_id');
  }

  /** Creates a conversation owned by the actor (or, with a null actor, an anonymous one). */
  async create(actor: Actor | null, input: CreateConversationInput): Promise<Conversation> {
    const [row] = await this.deps.db
      .insert(conversations)
      .values(await this.newValues(actor, input))
      .returning();
    return seenBy(actor, { ...row, messageCount: 0, assistantOwnerId: input.assistantId ? (input.assistantOwnerId ?? null) : null });
  }

  /**
   * A new conversation as `create` would store it, not stored yet: a first turn stores it in the
   * same statement as its first messages (TurnStore.commitNew). Every column is set, so the row
   * is exactly what the database will hold.
   */
  async draft(actor: Actor | null, input: CreateConversationInput): Promise<{ row: ConversationRow; conversation: Conversation }> {
    const now = new Date();
    const row: ConversationRow = {
      ...(await this.newValues(actor, input)),
      archivedAt: null,
      pinnedAt: null,
      tags: [],
      activeLeafId: null,
      deletedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    return { row, conversation: seenBy(actor, { ...row, messageCount: 0, assistantOwnerId: input.assistantId ? (input.assistantOwnerId ?? null) : null }) };
  }

  private async newValues(actor: Actor | null, input: CreateConversationInput) {
    const userId = await this.ownerFor(actor, input.ownerId);
    const model = this.deps.models.resolve(input.model ?? this.deps.models.defaultModel).entry.id;
    return {
      id: input.id ?? newId(),
      userId,
      applicationId: actor?.apiKeyId ?? null,
      assistantId: input.assistantId ?? null,
      sessionKey: input.sessionKey ?? null,
      title: input.title ?? null,
      model,
      systemPrompt: input.systemPrompt ?? null,
      temperature: input.temperature ?? null,
      maxTokens: input.maxTokens ?? null,
      language: input.language ?? null,
    };
  }

  /**
   * Names the conversation if it has no title yet (a title the user set in the meantime wins)
   * and returns it whole, as every rename reports it, in the same statement; undefined when it
   * kept its title or is deleted.
   */
  async titleIfUntitled(id: string, title: string): Promise<Conversation | undefined> {
    const [row] = await this.deps.db
      .update(conversations)
      .set({ title })
      .where(and(eq(conversations.id, id), isNull(conversations.title)))
      .returning({ ...conversationColumns, messageCount, assistantOwnerId });
    return row && row.deletedAt === null ? row : undefined;
  }

  private async ownerFor(actor: Actor | null, ownerId: string | undefined): Promise<string | null> {
    if (ownerId === undefined || ownerId === actor?.userId) return actor?.userId ?? null;
    if (!actor || !isAdmin(actor)) throw errors.forbidden();
    const [user] = isUuid(ownerId) ? await this.deps.db.select({ id: users.id }).from(users).where(eq(users.id, ownerId)) : [];
    if (!user) throw errors.notFound('User');
    return user.id;
  }

  /** The conversation if it exists (not deleted) and the actor may use it: 404 before 403. */
  async get(actor: Actor, id: string): Promise<Conversation> {
    const conversation = await this.find(id);
    if (!conversation) throw errors.notFound('Conversation');
    if (conversation.userId !== actor.userId && !isAdmin(actor)) throw errors.forbidden();
    return seenBy(actor, conversation);
  }

  /** A live conversation by id, without authorization: for callers that authorize by other means. */
  async find(id: string): Promise<Conversation | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.liveById.execute({ id });
    return row;
  }

  async findBySessionKey(sessionKey: string): Promise<Conversation | undefined> {
    const [row] = await this.deps.db
      .select({ ...conversationColumns, messageCount, assistantOwnerId })
      .from(conversations)
      .where(and(eq(conversations.sessionKey, sessionKey), isNull(conversations.deletedAt)));
    return row;
  }

  /** The user's conversations, most recent activity first. */
  async list(actor: Actor, userId: string, opts: ListOptions): Promise<{ items: Conversation[]; total: number }> {
    if (userId !== actor.userId && !isAdmin(actor)) throw errors.forbidden();
    // An admin may name any user; an id that cannot exist has no conversations.
    if (!isUuid(userId)) return { items: [], total: 0 };
    const filters = listFilters(userId, opts);
    if (opts.pinnedFirst && opts.pinned === undefined) return this.listPinnedFirst(actor, filters, opts);
    const where = and(...filters);
    const [items, [{ total }]] = await Promise.all([
      this.deps.db
        .select({ ...conversationColumns, messageCount, assistantOwnerId })
        .from(conversations)
        .where(where)
        .orderBy(...(opts.pinned ? [desc(conversations.pinnedAt)] : []), desc(conversations.updatedAt), desc(conversations.id))
        .limit(opts.limit)
        .offset(opts.offset),
      this.deps.db.select({ total: count() }).from(conversations).where(where),
    ]);
    return { items: items.map((c) => seenBy(actor, c)), total };
  }

  /**
   * Pinned first, then the rest, read as two runs that each follow an index (pinned: by pin
   * time; the rest: by activity), so a deep page never sorts the whole list: the page's offset
   * is split between the runs by the number of pinned conversations.
   */
  private async listPinnedFirst(actor: Actor, filters: SQL[], opts: ListOptions): Promise<{ items: Conversation[]; total: number }> {
    const { db } = this.deps;
    const pinnedWhere = and(...filters, isNotNull(conversations.pinnedAt));
    const restWhere = and(...filters, isNull(conversations.pinnedAt));
    const [[{ pinnedTotal }], [{ restTotal }]] = await Promise.all([
      db.select({ pinnedTotal: count() }).from(conversations).where(pinnedWhere),
      db.select({ restTotal: count() }).from(conversations).where(restWhere),
    ]);
    const columns = { ...conversationColumns, messageCount, assistantOwnerId };
    const items: Conversation[] = [];
    if (opts.offset < pinnedTotal) {
      items.push(
        ...(await db
          .select(columns)
          .from(conversations)
          .where(pinnedWhere)
          .orderBy(desc(conversations.pinnedAt), desc(conversations.id))
          .limit(opts.limit)
          .offset(opts.offset)),
      );
    }
    const wanted = opts.limit - items.length;
    if (wanted > 0 && restTotal > 0) {
      items.push(
        ...(await db
          .select(columns)
          .from(conversations)
          .where(restWhere)
          .orderBy(desc(conversations.updatedAt), desc(conversations.id))
          .limit(wanted)
          .offset(Math.max(0, opts.offset - pinnedTotal))),
      );
    }
    return { items: items.map((c) => seenBy(actor, c)), total: pinnedTotal + restTotal };
  }

  async update(actor: Actor, id: string, patch: ConversationPatch): Promise<Conversation> {
    const current = await this.get(actor, id);
    const set: Partial<ConversationRow> = { updatedAt: new Date() };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.systemPrompt !== undefined) set.systemPrompt = patch.systemPrompt;
    if (patch.model !== undefined) set.model = this.deps.models.resolve(patch.model).entry.id;
    if (patch.archived !== undefined) set.archivedAt = patch.archived ? (current.archivedAt ?? new Date()) : null;
    // Pinning again keeps the first pin time, so re-sending `pinned: true` does not reorder the pins.
    if (patch.pinned !== undefined) set.pinnedAt = patch.pinned ? (current.pinnedAt ?? new Date()) : null;
    if (patch.tags !== undefined) set.tags = normalizeTags(patch.tags);
    // Archiving, pinning and tagging are not activity: they keep the conversation's place in the list.
    if (patch.title === undefined && patch.model === undefined && patch.systemPrompt === undefined) delete set.updatedAt;
    if (Object.keys(set).length === 0) return current;
    const [row] = await this.deps.db.update(conversations).set(set).where(eq(conversations.id, id)).returning();
    const updated = seenBy(actor, { ...row, messageCount: current.messageCount, assistantOwnerId: current.assistantOwnerId });
    this.deps.bus.publish({ sessionId: id, event: 'session.updated', data: updated });
    return updated;
  }

  /** Sets the language replies are written in (seed 001 sends it with each message). The caller has authorized. */
  async setLanguage(conversation: Conversation, language: string | null): Promise<Conversation> {
    const [row] = await this.deps.db.update(conversations).set({ language }).where(eq(conversations.id, conversation.id)).returning();
    const updated = { ...conversation, ...row, messageCount: conversation.messageCount };
    this.deps.bus.publish({ sessionId: conversation.id, event: 'session.updated', data: updated });
    return updated;
  }

  /** Soft-deletes the conversation with its messages and files, at once and together. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.get(actor, id);
    await this.softDelete(id);
  }

  async softDelete(id: string): Promise<void> {
    const now = new Date();
    await this.deps.db.transaction(async (tx) => {
      await tx.update(conversations).set({ deletedAt: now }).where(eq(conversations.id, id));
      await tx
        .update(messages)
        .set({ deletedAt: now })
        .where(and(eq(messages.conversationId, id), isNull(messages.deletedAt)));
      await tx
        .update(files)
        .set({ deletedAt: now })
        .where(and(eq(files.conversationId, id), isNull(files.deletedAt)));
    });
    // Published after the commit: the session's sockets close (4404) and a turn running in it stops, on every instance.
    this.deps.bus.publish({ sessionId: id, event: 'session.deleted', data: { session_id: id } });
  }

  /** Marks activity so the conversation moves to the top of its owner's list. */
  async touch(id: string, db: Pick<Db, 'update'> = this.deps.db): Promise<void> {
    await db.update(conversations).set({ updatedAt: new Date() }).where(eq(conversations.id, id));
  }

  /** Restores a soft-deleted conversation (admins only, until the purge). */
  async restore(actor: Actor, id: string): Promise<Conversation> {
    if (!isAdmin(actor)) throw errors.forbidden();
    if (!isUuid(id)) throw errors.notFound('Conversation');
    const [row] = await this.deps.db.select().from(conversations).where(eq(conversations.id, id));
    if (!row) throw errors.notFound('Conversation');
    if (row.deletedAt) {
      const deletedAt = row.deletedAt;
      await this.deps.db.transaction(async (tx) => {
        await tx.update(conversations).set({ deletedAt: null }).where(eq(conversations.id, id));
        // Only what was deleted with the conversation comes back, not messages deleted on their own before.
        await tx
          .update(messages)
          .set({ deletedAt: null })
          .where(and(eq(messages.conversationId, id), eq(messages.deletedAt, deletedAt)));
        await tx
          .update(files)
          .set({ deletedAt: null })
          .where(and(eq(files.conversationId, id), eq(files.deletedAt, deletedAt)));
      });
    }
    const restored = await this.find(id);
    if (!restored) throw errors.notFound('Conversation');
    // Anything still following the session learns that it is back (its sockets were closed at deletion).
    if (row.deletedAt) this.deps.bus.publish({ sessionId: id, event: 'session.updated', data: restored });
    return restored;
  }

  /**
   * Removes for good what was soft-deleted before the cutoff (file chunks go with their files by
   * cascade). It works in batches, each one statement, so a large backlog never holds one long
   * transaction or loads every id at once.
   */
  async purge(before: Date, batchSize = 500): Promise<{ conversations: number; messages: number; files: number }> {
    const { db } = this.deps;
    const expired = (deletedAt: AnyPgColumn) => and(isNotNull(deletedAt), lt(deletedAt, before));
    const drain = async (deleteBatch: () => Promise<unknown[]>) => {
      let removed = 0;
      while (true) {
        const n = (await deleteBatch()).length;
        removed += n;
        if (n < batchSize) return removed;
      }
    };
    const purgedFiles = await drain(() =>
      db
        .delete(files)
        .where(inArray(files.id, db.select({ id: files.id }).from(files).where(expired(files.deletedAt)).limit(batchSize)))
        .returning({ id: files.id }),
    );
    const purgedMessages = await drain(() =>
      db
        .delete(messages)
        .where(inArray(messages.id, db.select({ id: messages.id }).from(messages).where(expired(messages.deletedAt)).limit(batchSize)))
        .returning({ id: messages.id }),
    );
    const purgedConversations = await drain(() =>
      db
        .delete(conversations)
        .where(
          inArray(
            conversations.id,
            db.select({ id: conversations.id }).from(conversations).where(expired(conversations.deletedAt)).limit(batchSize),
          ),
        )
        .returning({ id: conversations.id }),
    );
    return { conversations: purgedConversations, messages: purgedMessages, files: purgedFiles };
  }
}

const conversationColumns = getTableColumns(conversations);

function listFilters(userId: string, opts: ListOptions): SQL[] {
  const filters: SQL[] = [eq(conversations.userId, userId), isNull(conversations.deletedAt)];
  if (opts.archived !== undefined) {
    filters.push(opts.archived ? isNotNull(conversations.archivedAt) : isNull(conversations.archivedAt));
  }
  if (opts.model) filters.push(eq(conversations.model, opts.model));
  if (opts.createdFrom) filters.push(gte(conversations.createdAt, opts.createdFrom));
  if (opts.createdTo) filters.push(lt(conversations.createdAt, opts.createdTo));
  // `@>` over the GIN index on tags: every given tag must be present.
  if (opts.tags?.length) filters.push(arrayContains(conversations.tags, opts.tags));
  if (opts.pinned !== undefined) filters.push(opts.pinned ? isNotNull(conversations.pinnedAt) : isNull(conversations.pinnedAt));
  return filters;
}
