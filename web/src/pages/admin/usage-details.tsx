import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../lib/error-text.ts';
import { api } from '../../lib/state.ts';
import { formatCost, formatTokens } from '../account-format.ts';

interface Totals {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
  requests: number;
}

interface UsageSummary extends Totals {
  start_date: string;
  end_date: string;
  by_model: (Totals & { model: string })[];
}

/** A user's tokens and cost over the last 30 days (the server's default range), by model. */
export function UsageDetails(props: { userId: string }) {
  const [usage, setUsage] = useState<UsageSummary | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    api
      .get<UsageSummary>(`/api/v1/admin/users/${props.userId}/usage`, { signal: controller.signal })
      .then(setUsage)
      .catch((err: Error) => err.name !== 'AbortError' && setError(errorText(err, 'Could not load the usage')));
    return () => controller.abort();
  }, [props.userId]);

  if (error)
    return (
      <p class="error-text" role="alert">
        {error}
      </p>
    );
  if (!usage)
    return (
      <p class="muted" role="status">
        Loading usage…
      </p>
    );
  return (
    <div class="usage-details">
      <h3 class="usage-range">
        Last 30 days <span class="muted">({usage.start_date} to {usage.end_date})</span>
      </h3>
      <dl class="usage-totals">
        <div>
          <dt>Tokens</dt>
          <dd>{formatTokens(usage.total_tokens)}</dd>
        </div>
        <div>
          <dt>Prompt / completion</dt>
          <dd>
            {formatTokens(usage.prompt_tokens)} / {formatTokens(usage.completion_tokens)}
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatCost(usage.cost_usd)}</dd>
        </div>
        <div>
          <dt>Requests</dt>
          <dd>{usage.requests}</dd>
        </div>
      </dl>
      {usage.by_model.length > 0 && (
        <ul class="usage-models">
          {usage.by_model.map((m) => (
            <li key={m.model}>
              <code>{m.model}</code> {formatTokens(m.total_tokens)} tokens, {formatCost(m.cost_usd)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
