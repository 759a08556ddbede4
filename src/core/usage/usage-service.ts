import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { usageEvents, users } from '../../db/schema.ts';
import { type Actor, isAdmin } from '../actor.ts';
import { errors } from '../errors.ts';

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
  /** Each day with usage, and its split by model. */
  daily: Array<UsageTotals & { date: string; by_model: Array<UsageTotals & { model: string }> }>;
  by_model: Array<UsageTotals & { model: string }>;
}

const totals = {
  prompt_tokens: sql<number>`coalesce(sum(${usageEvents.promptTokens}), 0)::int`,
  completion_tokens: sql<number>`coalesce(sum(${usageEvents.completionTokens}), 0)::int`,
  total_tokens: sql<number>`coalesce(sum(${usageEvents.promptTokens} + ${usageEvents.completionTokens}), 0)::int`,
  cost_usd: sql<number>`coalesce(sum(${usageEvents.costUsd}), 0)::float8`,
  requests: sql<number>`count(*)::int`,
};

const zeroTotals = (): UsageTotals => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, requests: 0 });

function addTotals(into: UsageTotals, add: UsageTotals): void {
  into.prompt_tokens += add.prompt_tokens;
  into.completion_tokens += add.completion_tokens;
  into.total_tokens += add.total_tokens;
  into.cost_usd += add.cost_usd;
  into.requests += add.requests;
}

export class UsageService {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** The actor's usage over [start, end] (whole UTC days), with daily and per-model breakdowns. */
  async summary(actor: Actor, range: { start: string; end: string }): Promise<UsageSummary> {
    return this.summarize(actor.userId, range);
  }

  /** Another user's usage, as `summary` gives the user their own. Admins only; 404 for an unknown user. */
  async summaryOf(actor: Actor, userId: string, range: { start: string; end: string }): Promise<UsageSummary> {
    if (!isAdmin(actor)) throw errors.forbidden();
    const [user] = await this.db.select({ id: users.id }).from(users).where(eq(users.id, userId));
    if (!user) throw errors.notFound('User');
    return this.summarize(user.id, range);
  }

  private async summarize(userId: string, range: { start: string; end: string }): Promise<UsageSummary> {
    // The day bounds are computed by the database: the day after 9999-12-31 is a valid PostgreSQL
    // timestamp, but a JavaScript Date that far out serializes in a form PostgreSQL refuses.
    const from = sql`(${range.start}::date)::timestamp at time zone 'UTC'`;
    const to = sql`(${range.end}::date + 1)::timestamp at time zone 'UTC'`;
    const where = and(eq(usageEvents.userId, userId), gte(usageEvents.createdAt, from), lt(usageEvents.createdAt, to));
    const day = sql<string>`to_char(${usageEvents.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
    // One read, by day and model; the day totals, model totals and overall totals are its sums.
    const rows = await this.db
      .select({ date: day, model: usageEvents.model, ...totals })
      .from(usageEvents)
      .where(where)
      .groupBy(day, usageEvents.model)
      .orderBy(day, usageEvents.model);
    const days = new Map<string, UsageTotals & { date: string; by_model: Array<UsageTotals & { model: string }> }>();
    const models = new Map<string, UsageTotals & { model: string }>();
    const overall = zeroTotals();
    for (const { date, model, ...row } of rows) {
      const d = days.get(date) ?? { date, ...zeroTotals(), by_model: [] };
      days.set(date, d);
      d.by_model.push({ model, ...row });
      addTotals(d, row);
      const m = models.get(model) ?? { model, ...zeroTotals() };
      models.set(model, m);
      addTotals(m, row);
      addTotals(overall, row);
    }
    const byModel = [...models.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
    return { start_date: range.start, end_date: range.end, ...overall, daily: [...days.values()], by_model: byModel };
  }
}
