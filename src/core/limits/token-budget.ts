import type { Tier } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import type { TurnGuard } from '../chat/turn-engine.ts';
import { errors } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { UsageService } from '../usage/usage-service.ts';

const DAY_MS = 86_400_000;

interface TokenBudgetDeps {
  usage: UsageService;
  perDay: Record<Tier, number>;
  metrics?: Pick<Metrics, 'refused'>;
}

/**
 * Model tokens per UTC day by tier, checked before every model call. Today's total is read
 * from the usage events each time (an indexed sum), so every instance sees the same number
 * and no cache can drift from what was recorded.
 */
export class TokenBudget implements TurnGuard {
  private readonly deps: TokenBudgetDeps;
  constructor(deps: TokenBudgetDeps) {
    this.deps = deps;
  }

  /**
   * Reads today's usage; the returned check refuses the call when that plus the prompt's
   * estimate exceeds the budget. The reply's own tokens are not known in advance, so the
   * call that crosses the line completes and the next one is refused.
   */
  async prepare(actor: Actor | null): Promise<(estimatedTokens: number) => void> {
    // Anonymous turns have no account to charge; the request rate still bounds them.
    if (!actor) return () => {};
    const limit = this.deps.perDay[actor.tier];
    const used = await this.deps.usage.tokensToday(actor.userId);
    return (estimatedTokens) => {
      if (used + estimatedTokens <= limit) return;
      this.deps.metrics?.refused('daily_tokens');
      const resetSeconds = secondsUntilUtcMidnight(Date.now());
      throw errors.rateLimited(
        `Daily token limit reached: ${used} of ${limit} tokens used today (${actor.tier} tier); this request needs about ${estimatedTokens} more`,
        { retryAfterSeconds: resetSeconds, limit, remaining: Math.max(0, limit - used), resetSeconds },
      );
    };
  }
}

export function secondsUntilUtcMidnight(now: number): number {
  return Math.max(1, Math.ceil((DAY_MS - (now % DAY_MS)) / 1000));
}
