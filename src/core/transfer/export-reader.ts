import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { conversations, messages } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import { mayShowSystemPrompt } from '../conversations/conversations-service.ts';
import { liveTree, type ParleyDocument, parleyDocument } from './parley-format.ts';

type ConversationRow = typeof conversations.$inferSelect;

// Conversations read per query while streaming an export: the export never holds more than this many.
const PAGE = 50;

const assistantOwnerId = sql<string | null>`(select a.owner_id from "assistants" a where a.id = "conversations"."assistant_id")`;

/** Every message of the conversation, deleted ones too (their children re-link past them), oldest first. */
export function messageRows(db: Db, conversationId: string) {
  return db.select().from(messages).where(eq(messages.conversationId, conversationId)).orderBy(asc(messages.createdAt), asc(messages.id));
}

/** One conversation's Parley document. The caller has authorized. */
export async function exportOne(db: Db, conversation: ConversationRow, showSystemPrompt: boolean): Promise<ParleyDocument> {
  return parleyDocument(conversation, await messageRows(db, conversation.id), { showSystemPrompt });
}

/** The live messages on the active path, oldest first. */
export async function activePath(db: Db, conversation: ConversationRow) {
  const rows = await messageRows(db, conversation.id);
  const { live, parentOf, leaf } = liveTree(rows, conversation.activeLeafId);
  const byId = new Map(live.map((m) => [m.id, m]));
  const path = [];
  for (let at = leaf; at !== null; ) {
    const m = byId.get(at);
    if (!m || path.length > live.length) break;
    path.push(m);
    at = parentOf(m);
  }
  return path.reverse();
}

/**
 * The actor's own live conversations (archived ones too), oldest first, one Parley document at
 * a time: pages are read by key as the consumer pulls, so memory holds one page at most.
 */
export async function* exportAll(db: Db, actor: Actor): AsyncGenerator<ParleyDocument> {
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await db
      .select({ conversation: conversations, assistantOwnerId })
      .from(conversations)
      .where(
        and(
          eq(conversations.userId, actor.userId),
          isNull(conversations.deletedAt),
          after
            ? or(gt(conversations.createdAt, after.createdAt), and(eq(conversations.createdAt, after.createdAt), gt(conversations.id, after.id)))
            : undefined,
        ),
      )
      .orderBy(asc(conversations.createdAt), asc(conversations.id))
      .limit(PAGE);
    for (const row of page) {
      const show = mayShowSystemPrompt(actor, { assistantId: row.conversation.assistantId, assistantOwnerId: row.assistantOwnerId });
      yield await exportOne(db, row.conversation, show);
    }
    if (page.length < PAGE) return;
    const last = page[page.length - 1].conversation;
    after = { createdAt: last.createdAt, id: last.id };
  }
}
