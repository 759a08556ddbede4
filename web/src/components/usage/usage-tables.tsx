import type { ComponentChildren } from 'preact';
import { formatTokens, formatUsd, type ModelUsage, type UsageSummary, type UsageTotals } from './usage-series.ts';

/** Each model's share of the range, with a bar of its share of the tokens. */
export function ModelTable(props: { models: ModelUsage[] }) {
  const total = props.models.reduce((sum, m) => sum + m.total_tokens, 0);
  const rows = [...props.models].sort((a, b) => b.total_tokens - a.total_tokens);
  return (
    <UsageTable
      labelledBy="usage-models-heading"
      firstColumn="Model"
      rows={rows.map((m) => {
        const share = total > 0 ? m.total_tokens / total : 0;
        const head = (
          <>
            <span class="model-name">{m.model}</span>
            <span class="share-bar" aria-hidden="true">
              <span style={{ width: `${Math.max(share * 100, share > 0 ? 1 : 0)}%` }} />
            </span>
          </>
        );
        return { key: m.model, head, totals: m };
      })}
    />
  );
}

/** The chart's numbers as a table: the days that had usage, newest first. */
export function DailyTable(props: { summary: UsageSummary }) {
  const days = [...props.summary.daily].reverse();
  return (
    <UsageTable
      caption={`Daily usage from ${props.summary.start_date} to ${props.summary.end_date} (UTC days with usage)`}
      firstColumn="Day (UTC)"
      rows={days.map((d) => ({ key: d.date, head: d.date, totals: d }))}
    />
  );
}

interface UsageRow {
  key: string;
  /** The row's header cell: what the numbers are of. */
  head: ComponentChildren;
  totals: UsageTotals;
}

/** Requests, tokens and cost, one row each; named by a caption or by the heading with id `labelledBy`. */
function UsageTable(props: { caption?: string; labelledBy?: string; firstColumn: string; rows: UsageRow[] }) {
  return (
    <div class="usage-table-scroll">
      <table class="usage-table" aria-labelledby={props.labelledBy}>
        {props.caption && <caption class="visually-hidden">{props.caption}</caption>}
        <thead>
          <tr>
            <th scope="col">{props.firstColumn}</th>
            <th scope="col" class="num">
              Requests
            </th>
            <th scope="col" class="num">
              Input tokens
            </th>
            <th scope="col" class="num">
              Output tokens
            </th>
            <th scope="col" class="num">
              Total tokens
            </th>
            <th scope="col" class="num">
              Cost
            </th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.head}</th>
              <td class="num">{formatTokens(row.totals.requests)}</td>
              <td class="num">{formatTokens(row.totals.prompt_tokens)}</td>
              <td class="num">{formatTokens(row.totals.completion_tokens)}</td>
              <td class="num">{formatTokens(row.totals.total_tokens)}</td>
              <td class="num">{formatUsd(row.totals.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
