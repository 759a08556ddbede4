import { eq, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../../db/client.ts';
import { budgetHolds, type Tier, usageEvents } from '../../db/schema.ts';
import { costUsd, type ResolvedModel } from '../../providers/catalog.ts';
import type { Actor } from '../actor.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Metrics } from '../metrics/metrics.ts';

const DAY_MS = 86_400_000;

/** What a model call may cost, known before the provider is called. */
export interface CallEstimate {
  model: ResolvedModel;
  promptTokens: number;
  /** The completion cap the call was given; the configured allowance when none. */
  maxTokens?: number | null;
}

/**
 * A call's hold on its caller's budgets: released once its real usage is recorded, best in the
 * same statement (`recordUsage`, or `holdRelease` in a statement of one's own).
 */
export interface BudgetHold {
  /** The hold's row; null when nothing is held (an anonymous call). */
  readonly id: string | null;
  /** Says a statement that recorded the call's usage deleted the hold too: nothing is left to release. */
  released(): void;
  /** Deletes the hold unless that is done already: for a call that ends without recording its usage. */
  release(): Promise<void>;
}

/** Admits model calls against their caller's budgets before the provider is called. */
export interface SpendGuard {
  /** Holds the call's cost, or refuses it with a 429 naming the budget it does not fit. */
  hold(actor: Actor | null, call: CallEstimate): Promise<BudgetHold>;
}

export type BudgetName = 'daily_tokens' | 'monthly_usd' | 'api_key_usd';

export interface BudgetSettings {
  tokensPerDay: Record<Tier, number>;
  monthlyUsd: Record<Tier, number | null>;
  completionAllowanceTokens: number;
  /** How long a hold lasts if its call never releases it (its process died): past the longest turn. */
  holdTtlMs: number;
}

const NO_HOLD: BudgetHold = { id: null, released: () => {}, release: async () => {} };

/**
 * Deletes a hold within another statement (a data-modifying CTE runs whether or not the
 * statement reads it): `db.with(holdRelease(db, id)).insert(...)`. The usage and the release
 * commit together, so `budget_reserve` sees the call as held or as spent, never as neither.
 */
export function holdRelease(db: Db, holdId: string) {
  return db.$with('released_hold').as(db.delete(budgetHolds).where(eq(budgetHolds.id, holdId)).returning({ id: budgetHolds.id }));
}

/** Records a call's usage event and releases its hold in one statement: one round trip, one commit. */
export async function recordUsage(db: Db, event: typeof usageEvents.$inferInsert, hold: BudgetHold | undefined): Promise<void> {
  if (!hold?.id) {
    await db.insert(usageEvents).values(event);
    return;
  }
  await db.with(holdRelease(db, hold.id)).insert(usageEvents).values(event);
  hold.released();
}

/** Where a user stands against one budget, as the usage endpoint reports it. */
export interface BudgetStanding {
  budget: BudgetName;
  unit: 'tokens' | 'usd';
  /** Null: no limit. */
  limit: number | null;
  /** Recorded usage in the budget's period. */
  used: number;
  /** Held by calls still running. */
  held: number;
  /** Null without a limit; never below zero. */
  remaining: number | null;
  /** When the period starts over (ISO 8601); null for a key's budget, which does not renew. */
  resets_at: string | null;
}

interface StandingRow {
  tier: Tier;
  monthly_limit: number | null;
  day_tokens: number;
  month_usd: number;
  held_tokens: number;
  held_usd: number;
  key_limit: number | null;
  key_usd: number | null;
  key_held: number | null;
}

/**
 * Every budget of a user, enforced with holds: before any model call (turns, titles, previews,
 * completions) its worst case is held against the user's daily tokens, monthly spend and, for
 * a call made with an API key, the key's spend, in one database statement that admits
 * concurrent calls of one user one at a time on every instance (`budget_reserve`). A call
 * whose worst case does not fit runs only alone, holding what is left, so at most that one call
 * ends past a budget. The usage events stay the record; the database keeps their running totals
 * per user and UTC day and month, and per key (a trigger on usage_events), which both the check
 * and the standing read, so neither grows with the usage. A hold only bridges the time until the
 * call's event is written.
 */
export class Budgets implements SpendGuard {
  private readonly deps: { db: Db; settings: BudgetSettings; metrics?: Pick<Metrics, 'refused'> };
  constructor(deps: { db: Db; settings: BudgetSettings; metrics?: Pick<Metrics, 'refused'> }) {
    this.deps = deps;
  }

  async hold(actor: Actor | null, call: CallEstimate): Promise<BudgetHold> {
    // Anonymous turns have no account to charge; the request rate still bounds them.
    if (!actor) return NO_HOLD;
    const { settings, db } = this.deps;
    const now = Date.now();
    const { dayStart, monthStart } = periods(now);
    const completion = call.maxTokens ?? settings.completionAllowanceTokens;
    const id = newId();
    const [verdict] = rowsOf<{ refused: BudgetName | null; used: number | null; limit_value: number | null }>(
      await db.execute(sql`select * from budget_reserve(
        ${id}::uuid, ${actor.userId}::uuid, ${actor.apiKeyId ?? null}::uuid,
        ${dayStart.toISOString()}::timestamptz, ${monthStart.toISOString()}::timestamptz,
        ${new Date(now + settings.holdTtlMs).toISOString()}::timestamptz,
        ${call.promptTokens + 1}::integer, ${call.promptTokens + completion}::integer,
        ${costUsd(call.model.entry, call.promptTokens, 1)}::float8, ${costUsd(call.model.entry, call.promptTokens, completion)}::float8,
        ${settings.tokensPerDay[actor.tier]}::bigint, ${settings.monthlyUsd[actor.tier]}::float8
      )`),
    );
    if (verdict?.refused) throw this.refusal(actor, verdict.refused, Number(verdict.used), Number(verdict.limit_value), call.promptTokens, now);
    let released = false;
    return {
      id,
      released: () => {
        released = true;
      },
      release: async () => {
        if (released) return;
        released = true;
        // A hold that cannot be deleted now expires on its own.
        await db.execute(sql`delete from budget_holds where id = ${id}::uuid`).catch(() => {});
      },
    };
  }

  /**
   * Where the user stands against each budget: daily tokens, monthly spend and, for a request
   * made with an API key, the key's spend. Empty for an unknown user.
   */
  async standing(userId: string, apiKeyId?: string): Promise<BudgetStanding[]> {
    const now = Date.now();
    const { dayStart, monthStart } = periods(now);
    // The same rows and the same reading as `budget_reserve`, so the standing says what it enforces.
    const [row] = rowsOf<StandingRow>(
      await this.deps.db.execute(sql`select u.tier, u.monthly_budget_usd as monthly_limit,
        (select coalesce(sum(t.tokens), 0)::float8 from usage_totals t
          where t.user_id = u.id and t.period = 'day' and t.starts_on >= ${isoDate(dayStart)}::date) as day_tokens,
        (select coalesce(sum(t.usd), 0)::float8 from usage_totals t
          where t.user_id = u.id and t.period = 'month' and t.starts_on >= ${isoDate(monthStart)}::date) as month_usd,
        held.tokens as held_tokens, held.usd as held_usd,
        k.budget_usd as key_limit, k.spent_usd as key_usd,
        (select coalesce(sum(h.usd), 0)::float8 from budget_holds h
          where h.user_id = u.id and h.api_key_id = k.id and h.expires_at > now()) as key_held
      from users u
      left join api_keys k on k.id = ${apiKeyId ?? null}::uuid and k.user_id = u.id
      cross join lateral (select coalesce(sum(h.tokens), 0)::float8 as tokens, coalesce(sum(h.usd), 0)::float8 as usd
        from budget_holds h where h.user_id = u.id and h.expires_at > now()) held
      where u.id = ${userId}::uuid`),
    );
    if (!row) return [];
    const monthlyLimit = row.monthly_limit ?? this.deps.settings.monthlyUsd[row.tier];
    const standing = (budget: BudgetName, unit: 'tokens' | 'usd', limit: number | null, used: number, held: number, resetsAt: Date | null) => ({
      budget,
      unit,
      limit,
      used: Number(used),
      held: Number(held),
      remaining: limit === null ? null : Math.max(0, limit - Number(used) - Number(held)),
      resets_at: resetsAt?.toISOString() ?? null,
    });
    const list: BudgetStanding[] = [
      standing('daily_tokens', 'tokens', this.deps.settings.tokensPerDay[row.tier], row.day_tokens, row.held_tokens, new Date(dayStart.getTime() + DAY_MS)),
      standing('monthly_usd', 'usd', monthlyLimit, row.month_usd, row.held_usd, nextMonth(now)),
    ];
    if (row.key_limit !== null) list.push(standing('api_key_usd', 'usd', row.key_limit, row.key_usd ?? 0, row.key_held ?? 0, null));
    return list;
  }

  private refusal(actor: Actor, budget: BudgetName, used: number, limit: number, promptTokens: number, now: number) {
    this.deps.metrics?.refused(budget);
    if (budget === 'daily_tokens') {
      const resetSeconds = secondsUntilUtcMidnight(now);
      return errors.rateLimited(
        `Daily token limit reached: ${used} of ${limit} tokens used or held today (${actor.tier} tier); this request needs about ${promptTokens + 1} more`,
        { retryAfterSeconds: resetSeconds, limit, remaining: Math.max(0, limit - used), resetSeconds, budget },
      );
    }
    // Cents, or tenths of a cent for the small limits of trial accounts.
    const dollars = (n: number) => `$${n.toFixed(n !== 0 && Math.abs(n) < 1 ? 4 : 2)}`;
    if (budget === 'monthly_usd') {
      const resetSeconds = secondsUntilNextUtcMonth(now);
      return errors.rateLimited(`Monthly spend limit reached: ${dollars(used)} of ${dollars(limit)} spent or held this month`, {
        retryAfterSeconds: resetSeconds,
        budget,
      });
    }
    // A key's budget does not renew: nothing to wait for.
    return errors.rateLimited(`API key spend limit reached: ${dollars(used)} of ${dollars(limit)} spent with this key`, { budget });
  }
}

/** The start of the current UTC day and month. */
function periods(now: number): { dayStart: Date; monthStart: Date } {
  const dayStart = new Date(now - (now % DAY_MS));
  return { dayStart, monthStart: new Date(Date.UTC(dayStart.getUTCFullYear(), dayStart.getUTCMonth(), 1)) };
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function nextMonth(now: number): Date {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

export function secondsUntilUtcMidnight(now: number): number {
  return Math.max(1, Math.ceil((DAY_MS - (now % DAY_MS)) / 1000));
}

export function secondsUntilNextUtcMonth(now: number): number {
  return Math.max(1, Math.ceil((nextMonth(now).getTime() - now) / 1000));
}
