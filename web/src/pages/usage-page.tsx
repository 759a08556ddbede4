import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { BudgetList } from '../components/usage/budget-list.tsx';
import { type DateRange, RangePicker } from '../components/usage/range-picker.tsx';
import { UsageChart } from '../components/usage/usage-chart.tsx';
import { formatTokens, formatUsd, lastDays, type Metric } from '../components/usage/usage-series.ts';
import { DailyTable, ModelTable } from '../components/usage/usage-tables.tsx';
import { useUsage } from '../components/usage/use-usage.ts';
import '../components/usage/usage.css';
import { onLinkClick } from '../lib/router.ts';
import { currentUser } from '../lib/state.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function rangeError(range: DateRange): string | undefined {
  if (!DAY.test(range.start) || !DAY.test(range.end)) return 'Choose both dates';
  if (range.start > range.end) return '“From” must not be after “To”';
  return undefined;
}

const TIER_NAMES = { free: 'Free', pro: 'Pro', enterprise: 'Enterprise' } as const;

/** Token usage and cost over a range of days: totals, a daily chart, and the per-model split. */
export function UsagePage() {
  const [draft, setDraft] = useState<DateRange>(() => lastDays(30));
  const [metric, setMetric] = useState<Metric>('tokens');
  const error = rangeError(draft);
  // A half-typed range keeps the last valid one shown.
  const [range, setRange] = useState<DateRange>(draft);
  const usage = useUsage(range);
  const user = currentUser.value;
  const summary = usage.summary;

  const change = (next: DateRange) => {
    setDraft(next);
    if (!rangeError(next)) setRange(next);
  };

  return (
    <section class="page usage-page" aria-labelledby="usage-heading">
      <header class="usage-header">
        <h1 id="usage-heading">Usage</h1>
        <RangePicker range={draft} onChange={change} error={error} />
      </header>

      {usage.error ? (
        <p class="error-text" role="alert">
          {usage.error}
        </p>
      ) : null}

      <div class="usage-cards" aria-busy={usage.loading}>
        <Stat label="Tokens" value={summary ? formatTokens(summary.total_tokens) : '—'}>
          {summary ? `${formatTokens(summary.prompt_tokens)} input · ${formatTokens(summary.completion_tokens)} output` : null}
        </Stat>
        <Stat label="Cost (USD)" value={summary ? formatUsd(summary.cost_usd) : '—'}>
          {summary ? `${formatTokens(summary.requests)} model ${summary.requests === 1 ? 'call' : 'calls'}` : null}
        </Stat>
        <div class="usage-card usage-limits">
          <h2 class="usage-card-label">Your plan</h2>
          <dl>
            <dt>Tier</dt>
            <dd>{user ? TIER_NAMES[user.tier] : '—'}</dd>
            {usage.apiPerMinute ? (
              <>
                <dt>API requests</dt>
                <dd>{formatTokens(usage.apiPerMinute)} per minute</dd>
              </>
            ) : null}
          </dl>
          {summary?.budgets ? <BudgetList budgets={summary.budgets} /> : null}
          <p class="field-hint">Daily limits count UTC days and reset at midnight UTC.</p>
        </div>
      </div>

      {summary && summary.requests === 0 ? (
        <div class="usage-empty">
          <h2>No usage in this period</h2>
          <p class="muted">
            Nothing was used from {summary.start_date} to {summary.end_date}. Tokens and cost appear here after a chat.
          </p>
          <a class="button primary" href="/" onClick={(e) => onLinkClick(e, '/')}>
            Start a chat
          </a>
        </div>
      ) : null}

      {summary && summary.requests > 0 ? (
        <>
          <section class="usage-section" aria-labelledby="usage-daily-heading">
            <div class="usage-section-head">
              <h2 id="usage-daily-heading">Daily {metric === 'tokens' ? 'tokens' : 'cost'}</h2>
              <fieldset class="usage-segmented">
                <legend class="visually-hidden">Chart shows</legend>
                <button type="button" aria-pressed={metric === 'tokens'} onClick={() => setMetric('tokens')}>
                  Tokens
                </button>
                <button type="button" aria-pressed={metric === 'cost'} onClick={() => setMetric('cost')}>
                  Cost
                </button>
              </fieldset>
            </div>
            <UsageChart summary={summary} metric={metric} />
            <details class="usage-details">
              <summary>Show as table</summary>
              <DailyTable summary={summary} />
            </details>
          </section>
          <section class="usage-section" aria-labelledby="usage-models-heading">
            <h2 id="usage-models-heading">By model</h2>
            <ModelTable models={summary.by_model} />
          </section>
        </>
      ) : null}
    </section>
  );
}

function Stat(props: { label: string; value: string; children?: ComponentChildren }) {
  return (
    <div class="usage-card">
      <h2 class="usage-card-label">{props.label}</h2>
      <p class="usage-card-value">{props.value}</p>
      {props.children ? <p class="usage-card-note">{props.children}</p> : null}
    </div>
  );
}
