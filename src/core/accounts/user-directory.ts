import { and, count, desc, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { loginSessions, type Role, type Tier, usageEvents, users } from '../../db/schema.ts';
import { type Actor, isAdmin } from '../actor.ts';
import { errors } from '../errors.ts';
import { containsPattern } from '../search/search-query.ts';
import type { User } from './accounts-service.ts';

export interface UserListQuery {
  /** Part of the email or display name, any case. */
  q?: string;
  role?: Role;
  tier?: Tier;
  active?: boolean;
  offset: number;
  limit: number;
}

export type ListedUser = User & { lastActiveAt: Date | null };

// The user's newest sign-in or model call, each one index probe per listed user: a page costs at
// most twice its length in probes, whatever the tables hold. The outer column is named in full:
// in a one-table select Drizzle would leave it unqualified, and `id` would then be the inner table's.
const lastActiveAt = sql<Date | null>`greatest(
    (select max(s.created_at) from ${loginSessions} s where s.user_id = "users"."id"),
    (select max(e.created_at) from ${usageEvents} e where e.user_id = "users"."id")
  )`.mapWith((value: string | Date | null) => (value === null ? null : new Date(value)));

/** The accounts of the instance, as an admin browses them. */
export class UserDirectory {
  private readonly db: Db;
  constructor(deps: { db: Db }) {
    this.db = deps.db;
  }

  /** The account with this email, compared without regard to case. Admins only. */
  async findByEmail(actor: Actor, email: string): Promise<User> {
    if (!isAdmin(actor)) throw errors.forbidden();
    const [user] = await this.db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
    if (!user) throw errors.notFound('User');
    return user;
  }

  /** A page of accounts, newest first, with how many match. Admins only. */
  async list(actor: Actor, query: UserListQuery): Promise<{ items: ListedUser[]; total: number }> {
    if (!isAdmin(actor)) throw errors.forbidden();
    const filters: SQL[] = [];
    if (query.q) {
      const pattern = containsPattern(query.q);
      filters.push(or(ilike(users.email, pattern), ilike(users.displayName, pattern)) as SQL);
    }
    if (query.role) filters.push(eq(users.role, query.role));
    if (query.tier) filters.push(eq(users.tier, query.tier));
    if (query.active !== undefined) filters.push(eq(users.active, query.active));
    const where = and(...filters);
    const [items, [{ total }]] = await Promise.all([
      this.db
        .select({ user: users, lastActiveAt })
        .from(users)
        .where(where)
        .orderBy(desc(users.createdAt), desc(users.id))
        .limit(query.limit)
        .offset(query.offset),
      this.db.select({ total: count() }).from(users).where(where),
    ]);
    return { items: items.map((row) => ({ ...row.user, lastActiveAt: row.lastActiveAt })), total };
  }
}
