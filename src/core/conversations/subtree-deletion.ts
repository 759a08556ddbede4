import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { conversations, messages } from '../../db/schema.ts';
import { errors } from '../errors.ts';
import { newestLeafBelow, newestRootOf, subtreeOf } from './active-path.ts';

export interface SubtreeDeletion {
  /** The messages this deletion removed (those deleted before are not repeated). */
  deletedIds: string[];
  /** Set when the active leaf was in the subtree: where the active path now ends (null: nothing is left). */
  movedLeaf?: { leafId: string | null };
}

/**
 * Soft-deletes a message and everything below it, on every branch, in one transaction. When the
 * active path ran through the subtree, it moves to the newest remaining branch under the
 * message's parent (the parent itself when nothing else hangs from it) or, for a first message,
 * to the newest remaining first message's branch. A reply still being written in the subtree
 * refuses the whole deletion (409) and changes nothing. The caller has authorized.
 */
export async function deleteSubtree(db: Db, message: { id: string; conversationId: string; parentId: string | null }): Promise<SubtreeDeletion> {
  const { conversationId } = message;
  return db.transaction(async (tx) => {
    // A turn stores its messages in a statement that updates this row: locking it first means no
    // reply starts under the subtree between the check below and the deletion.
    await tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, conversationId)).for('update');
    const inSubtree = sql`${messages.id} in ${subtreeOf(message.id)}`;
    const [streaming] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(and(inSubtree, eq(messages.status, 'streaming'), isNull(messages.deletedAt)))
      .limit(1);
    if (streaming) throw errors.conflict('A reply is being written; stop it first');
    const deleted = await tx
      .update(messages)
      .set({ deletedAt: new Date() })
      .where(and(inSubtree, isNull(messages.deletedAt)))
      .returning({ id: messages.id });
    // Read after the deletion, so the descent passes only live messages.
    const start = message.parentId ? sql`${message.parentId}::uuid` : newestRootOf(conversationId);
    const [moved] = await tx
      .update(conversations)
      .set({ activeLeafId: sql`${newestLeafBelow(start)}` })
      .where(and(eq(conversations.id, conversationId), sql`${conversations.activeLeafId} in ${subtreeOf(message.id)}`))
      .returning({ leafId: conversations.activeLeafId });
    return { deletedIds: deleted.map((row) => row.id), movedLeaf: moved };
  });
}
