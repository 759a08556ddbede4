import { formatTokens, formatUsd } from './usage-series.ts';

/** Where the user stands against one budget, as `GET /api/v1/tokens/usage` reports it. */
export interface BudgetStanding {
  budget: 'daily_tokens' | 'monthly_usd' | 'api_key_usd';
  unit: 'tokens' | 'usd';
  limit: number | null;
  used: number;
  held: number;
  remaining: number | null;
  resets_at: string | null;
}

const LABELS: Record<BudgetStanding['budget'], string> = {
  daily_tokens: 'Tokens today',
  monthly_usd: 'Spend this month',
  api_key_usd: 'This API key',
};

/** Each budget with a meter: used (and held by replies being written) against its limit. */
export function BudgetList(props: { budgets: BudgetStanding[] }) {
  return (
    <dl class="budget-list">
      {props.budgets.map((b) => {
        const format = b.unit === 'tokens' ? (n: number) => `${formatTokens(n)} tokens` : formatUsd;
        const spent = b.used + b.held;
        return (
          <div key={b.budget} class="budget">
            <dt>{LABELS[b.budget]}</dt>
            <dd>
              {b.limit === null ? (
                <span>{format(spent)} · no limit</span>
              ) : (
                <>
                  <span>
                    {format(spent)} of {format(b.limit)}
                  </span>
                  <meter min={0} max={b.limit} value={Math.min(spent, b.limit)} high={b.limit * 0.8} optimum={0} aria-label={`${LABELS[b.budget]} used`} />
                </>
              )}
              {b.resets_at ? <span class="field-hint"> Resets {new Date(b.resets_at).toLocaleString()}</span> : null}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
