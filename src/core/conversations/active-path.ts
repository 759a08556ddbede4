import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { messages } from '../../db/schema.ts';

export type PathMessage = typeof messages.$inferSelect;

/**
 * The path ending at the given leaves, as a subquery of `(id, conversation_id, depth)`: depth 0
 * is the leaf, the root has the greatest depth. One recursive walk up `parent_id`, one primary
 * key lookup per step, so a long conversation costs as many index probes as its path has
 * messages, whatever its other branches hold.
 */
function pathFrom(leaves: SQL): SQL {
  return sql`(with recursive path(id, parent_id, conversation_id, depth) as (
      select m.id, m.parent_id, m.conversation_id, 0 from messages m where m.id in (${leaves})
      union all
      select m.id, m.parent_id, m.conversation_id, p.depth + 1
        from messages m join path p on m.id = p.parent_id
    ) select id, conversation_id, depth from path)`;
}

/** The active leaves of the given conversations (an SQL list of ids, or a placeholder). */
const activeLeaves = (conversationIds: SQL) => sql`select c.active_leaf_id from conversations c where c.id in (${conversationIds})`;

const columns = getTableColumns(messages);

/**
 * A page of the conversation's active path, oldest first, with the path's length. Deleted
 * messages are skipped (a conversation from before message trees may hold them mid-path).
 */
export async function readActivePath(
  db: Db,
  conversationId: string,
  page: { offset: number; limit: number },
): Promise<{ items: PathMessage[]; total: number }> {
  const rows = await db
    .select({ ...columns, total: sql<number>`(count(*) over ())::int` })
    .from(messages)
    .innerJoin(sql`${pathFrom(activeLeaves(sql`${conversationId}`))} as path`, sql`path.id = ${messages.id}`)
    .where(sql`${messages.deletedAt} is null`)
    .orderBy(sql`path.depth desc`)
    .limit(page.limit)
    .offset(page.offset);
  if (rows.length > 0) {
    const total = rows[0].total;
    return { items: rows.map(({ total: _, ...m }) => m), total };
  }
  // An empty page (past the end, or limit 0) carries no count: counted on its own.
  return { items: [], total: await activePathLength(db, conversationId) };
}

export async function activePathLength(db: Db, conversationId: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<number>`count(*)::int` })
    .from(messages)
    .innerJoin(sql`${pathFrom(activeLeaves(sql`${conversationId}`))} as path`, sql`path.id = ${messages.id}`)
    .where(sql`${messages.deletedAt} is null`);
  return row?.total ?? 0;
}

/** The last `limit` messages of the active path (of one role, when given), oldest first, in one walk. */
export async function readActivePathTail(db: Db, conversationId: string, limit: number, role?: PathMessage['role']): Promise<PathMessage[]> {
  const rows = await db
    .select(columns)
    .from(messages)
    .innerJoin(sql`${pathFrom(activeLeaves(sql`${conversationId}`))} as path`, sql`path.id = ${messages.id}`)
    .where(role ? sql`${messages.deletedAt} is null and ${messages.role} = ${role}` : sql`${messages.deletedAt} is null`)
    .orderBy(sql`path.depth asc`)
    .limit(limit);
  return rows.reverse();
}

/**
 * The path from the root to `leafId` (included), oldest first: what a branch started below that
 * message reads. Empty for a null leaf.
 */
export async function readPathTo(db: Db, leafId: string | null): Promise<PathMessage[]> {
  if (leafId === null) return [];
  return db
    .select(columns)
    .from(messages)
    .innerJoin(sql`${pathFrom(sql`${leafId}::uuid`)} as path`, sql`path.id = ${messages.id}`)
    .where(sql`${messages.deletedAt} is null`)
    .orderBy(sql`path.depth desc`);
}

/**
 * The active paths of several conversations (an SQL list of ids, or a placeholder), as a
 * subquery of `(id, conversation_id, depth)` to join messages with: order by
 * `path.conversation_id, path.depth desc` for each path oldest first.
 */
export const activePaths = (conversationIds: SQL): SQL => sql`${pathFrom(activeLeaves(conversationIds))} as path`;

/** The subtree under (and including) a message, as a subquery of ids. */
export function subtreeOf(messageId: string): SQL {
  return sql`(with recursive sub(id) as (
      select m.id from messages m where m.id = ${messageId}
      union all
      select m.id from messages m join sub s on m.parent_id = s.id
    ) select id from sub)`;
}

/**
 * The leaf a path through `start` (an SQL expression giving a message id, or null) continues to:
 * down the newest live reply, step after step, as a single-row subquery of the leaf's id. The
 * message itself when it has no live replies; null when `start` is null.
 */
export function newestLeafBelow(start: SQL): SQL {
  return sql`(with recursive down(id, depth) as (
      select ${start}, 0
      union all
      select (select c.id from messages c where c.parent_id = d.id and c.deleted_at is null
              order by c.created_at desc, c.id desc limit 1), d.depth + 1
        from down d where d.id is not null
    ) select id from down where id is not null order by depth desc limit 1)`;
}

/** The conversation's newest live first message (a message without a parent), as a subquery of its id; null when none. */
export function newestRootOf(conversationId: string): SQL {
  return sql`(select r.id from messages r
      where r.conversation_id = ${conversationId} and r.parent_id is null and r.deleted_at is null
      order by r.created_at desc, r.id desc limit 1)`;
}
