import { conversations, messages } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { newId } from '../ids.ts';
import type { ImportedConversation } from './types.ts';

// Messages per insert statement: well under PostgreSQL's 65,535 parameters, and short statements
// keep the embedded database's thread free for other requests between them.
const BATCH = 500;

/**
 * Writes every conversation of one import in one transaction, all or nothing, owned by
 * `userId`, with new ids: the file's message ids are mapped to new ones so parents stay right.
 */
export async function writeImport(
  db: Db,
  userId: string,
  items: Array<{ conversation: ImportedConversation; model: string }>,
  applicationId: string | null,
): Promise<string[]> {
  return db.transaction(async (tx) => {
    const ids: string[] = [];
    for (const { conversation: c, model } of items) {
      const conversationId = newId();
      const idOf = new Map(c.messages.map((m) => [m.key, newId()]));
      const leaf = c.activeLeafKey === null ? null : (idOf.get(c.activeLeafKey) ?? null);
      await tx.insert(conversations).values({
        id: conversationId,
        userId,
        applicationId,
        title: c.title,
        model,
        systemPrompt: c.systemPrompt,
        temperature: c.temperature,
        maxTokens: c.maxTokens,
        language: c.language,
        archivedAt: c.archivedAt,
        pinnedAt: c.pinnedAt,
        tags: c.tags,
        activeLeafId: leaf,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
      });
      for (let i = 0; i < c.messages.length; i += BATCH) {
        await tx.insert(messages).values(
          c.messages.slice(i, i + BATCH).map((m) => ({
            id: idOf.get(m.key) as string,
            conversationId,
            parentId: m.parentKey === null ? null : (idOf.get(m.parentKey) ?? null),
            role: m.role,
            content: m.content,
            model: m.model,
            status: m.status,
            promptTokens: m.promptTokens,
            completionTokens: m.completionTokens,
            costUsd: m.costUsd,
            ttftMs: m.ttftMs,
            metadata: m.metadata,
            createdAt: m.createdAt,
            updatedAt: m.updatedAt,
          })),
        );
      }
      ids.push(conversationId);
    }
    return ids;
  });
}
