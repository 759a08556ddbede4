import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { conversations, shares, users } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import type { ConversationsService } from '../conversations/conversations-service.ts';
import type { MessagesService } from '../conversations/messages-service.ts';
import { errors } from '../errors.ts';
import { buildSnapshot, SHARE_MAX_BYTES, SHARE_MAX_MESSAGES, type ShareSnapshot } from './snapshot.ts';

export interface ShareLink {
  id: string;
  conversationId: string;
  createdAt: Date;
}

export interface SharedConversation {
  id: string;
  createdAt: Date;
  snapshot: ShareSnapshot;
}

/** 128 random bits, base64url (22 characters): the link is the only credential a reader needs. */
export const newShareId = () => randomBytes(16).toString('base64url');
const SHARE_ID_RE = /^[A-Za-z0-9_-]{22}$/;

/**
 * Share links: a frozen copy of a conversation's active path, readable by anyone holding its id.
 * A conversation has at most one live link; sharing again replaces it.
 */
export class SharesService {
  private readonly deps: { db: Db; conversations: ConversationsService; messages: MessagesService };
  constructor(deps: { db: Db; conversations: ConversationsService; messages: MessagesService }) {
    this.deps = deps;
  }

  /**
   * Snapshots the active path as it is now and returns the new link; the conversation's previous
   * link, if any, stops working in the same transaction. Only the owner may publish a conversation:
   * an admin passes the access check for reading, not for sharing someone else's words.
   */
  async share(actor: Actor, conversationId: string): Promise<ShareLink> {
    const conversation = await this.deps.conversations.get(actor, conversationId);
    if (conversation.userId !== actor.userId) throw errors.forbidden();
    const { items, total } = await this.deps.messages.page(conversationId, { offset: 0, limit: SHARE_MAX_MESSAGES });
    if (total > SHARE_MAX_MESSAGES) {
      throw errors.validation(`Conversation is too long to share (at most ${SHARE_MAX_MESSAGES} messages)`);
    }
    const { snapshot, bytes } = buildSnapshot(conversation.title, items);
    if (bytes > SHARE_MAX_BYTES) {
      throw errors.validation(`Conversation is too long to share (at most ${SHARE_MAX_BYTES / (1024 * 1024)} MB of text)`);
    }
    return this.deps.db.transaction(async (tx) => {
      // The conversation's row is locked so two shares made at once still leave one live link.
      const [live] = await tx
        .select({ id: conversations.id })
        .from(conversations)
        .where(and(eq(conversations.id, conversationId), isNull(conversations.deletedAt)))
        .for('update');
      if (!live) throw errors.notFound('Conversation');
      const now = new Date();
      await tx
        .update(shares)
        .set({ revokedAt: now })
        .where(and(eq(shares.conversationId, conversationId), isNull(shares.revokedAt)));
      const [row] = await tx
        .insert(shares)
        .values({ id: newShareId(), conversationId, userId: actor.userId, snapshot: { ...snapshot }, createdAt: now })
        .returning({ id: shares.id, conversationId: shares.conversationId, createdAt: shares.createdAt });
      return row;
    });
  }

  /** The conversation's live link: 404 when it has none. */
  async current(actor: Actor, conversationId: string): Promise<ShareLink> {
    await this.deps.conversations.get(actor, conversationId);
    const [row] = await this.deps.db
      .select({ id: shares.id, conversationId: shares.conversationId, createdAt: shares.createdAt })
      .from(shares)
      .where(and(eq(shares.conversationId, conversationId), isNull(shares.revokedAt)));
    if (!row) throw errors.notFound('Share');
    return row;
  }

  /** Revokes the conversation's live link at once (its owner, or an admin moderating): 404 when it has none. */
  async revoke(actor: Actor, conversationId: string): Promise<void> {
    await this.deps.conversations.get(actor, conversationId);
    const revoked = await this.deps.db
      .update(shares)
      .set({ revokedAt: new Date() })
      .where(and(eq(shares.conversationId, conversationId), isNull(shares.revokedAt)))
      .returning({ id: shares.id });
    if (revoked.length === 0) throw errors.notFound('Share');
  }

  /**
   * A shared conversation for anyone holding its id, with no authorization: the id is the
   * credential. Gone (404) once revoked, once the conversation is deleted, or while its owner's
   * account is disabled.
   */
  async read(shareId: string): Promise<SharedConversation> {
    if (!SHARE_ID_RE.test(shareId)) throw errors.notFound('Share');
    const [row] = await this.deps.db
      .select({ id: shares.id, createdAt: shares.createdAt, snapshot: shares.snapshot })
      .from(shares)
      .innerJoin(conversations, eq(conversations.id, shares.conversationId))
      .innerJoin(users, eq(users.id, shares.userId))
      .where(and(eq(shares.id, shareId), isNull(shares.revokedAt), isNull(conversations.deletedAt), eq(users.active, true)));
    if (!row) throw errors.notFound('Share');
    return { id: row.id, createdAt: row.createdAt, snapshot: row.snapshot as unknown as ShareSnapshot };
  }
}
