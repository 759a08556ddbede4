import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { usageEvents } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';

export interface UsageTotals {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
  requests: number;
}

export interface UsageSummary extends UsageTotals {
  start_date: string;
  end_date: string;
  daily: Array<UsageTotals & { date: string }>;
  by_model: Array<UsageTotals & { model: string }>;
}

const totals = {
  prompt_tokens: sql<number>`coalesce(sum(${usageEvents.promptTokens}), 0)::int`,
  completion_tokens: sql<number>`coalesce(sum(${usageEvents.completionTokens}), 0)::int`,
  total_tokens: sql<number>`coalesce(sum(${usageEvents.promptTokens} + ${usageEvents.completionTokens}), 0)::int`,
  cost_usd: sql<number>`coalesce(sum(${usageEvents.costUsd}), 0)::float8`,
  requests: sql<number>`count(*)::int`,
};

export class UsageService {
  private readonly db: Db;
  // Read before every model call: built once, and parsed once per connection.
  private readonly todayQuery;

  constructor(db: Db) {
    this.db = db;
    this.todayQuery = db
      .select({ total: totals.total_tokens })
      .from(usageEvents)
      .where(and(eq(usageEvents.userId, sql.placeholder('userId')), gte(usageEvents.createdAt, sql.placeholder('since'))))
      .prepare('usage_tokens_today');
  }

  /** The actor's usage over [start, end] (whole UTC days), with daily and per-model breakdowns. */
  async summary(actor: Actor, range: { start: string; end: string }): Promise<UsageSummary> {
    // The day bounds are computed by the database: the day after 9999-12-31 is a valid PostgreSQL
    // timestamp, but a JavaScript Date that far out serializes in a form PostgreSQL refuses.
    const from = sql`(${range.start}::date)::timestamp at time zone 'UTC'`;
    const to = sql`(${range.end}::date + 1)::timestamp at time zone 'UTC'`;
    const where = and(eq(usageEvents.userId, actor.userId), gte(usageEvents.createdAt, from), lt(usageEvents.createdAt, to));
    const day = sql<string>`to_char(${usageEvents.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
    const [[overall], daily, byModel] = await Promise.all([
      this.db.select(totals).from(usageEvents).where(where),
      this.db.select({ date: day, ...totals }).from(usageEvents).where(where).groupBy(day).orderBy(day),
      this.db
        .select({ model: usageEvents.model, ...totals })
        .from(usageEvents)
        .where(where)
        .groupBy(usageEvents.model)
        .orderBy(usageEvents.model),
    ]);
    return { start_date: range.start, end_date: range.end, ...overall, daily, by_model: byModel };
  }

  /** Tokens the user's model calls used since the start of the current UTC day. */
  async tokensToday(userId: string): Promise<number> {
    const today = new Date();
    today.setUTCHours(0, 0, 0, 0);
    const [row] = await this.todayQuery.execute({ userId, since: today });
    return row.total;
  }
}
