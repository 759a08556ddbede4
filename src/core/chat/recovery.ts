import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { messages } from '../../db/schema.ts';

/**
 * Replies left `streaming` by a process that died mid-turn can never finish:
 * they are marked `incomplete`, keeping what was saved of them.
 */
export async function recoverInterruptedTurns(db: Db): Promise<number> {
  const rows = await db
    .update(messages)
    .set({ status: 'incomplete', updatedAt: new Date() })
    .where(eq(messages.status, 'streaming'))
    .returning({ id: messages.id });
  return rows.length;
}
