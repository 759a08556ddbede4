/** What `GET /api/v1/tokens/usage` answers, and the pure shaping of it into chart series. */
import type { BudgetStanding } from './budget-list.tsx';

export interface UsageTotals {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
  requests: number;
}

export interface ModelUsage extends UsageTotals {
  model: string;
}

export interface DailyUsage extends UsageTotals {
  /** YYYY-MM-DD, a UTC day. */
  date: string;
  /** Each model's share of the day, when the server breaks days down by model. */
  by_model?: ModelUsage[];
}

export interface UsageSummary extends UsageTotals {
  start_date: string;
  end_date: string;
  daily: DailyUsage[];
  by_model: ModelUsage[];
  /** Where the caller stands against each budget now (absent from servers before budgets). */
  budgets?: BudgetStanding[];
}

export type Metric = 'tokens' | 'cost';

export interface ChartSeries {
  label: string;
  /** One value per day of `ChartData.days`, this segment only (not stacked). */
  values: number[];
}

export interface ChartData {
  /** Every day of the range, oldest first (YYYY-MM-DD). */
  days: string[];
  /** The days as Unix seconds at UTC midnight: the chart's x values. */
  x: number[];
  /** The segments of each day's bar, bottom first. */
  series: ChartSeries[];
}

const DAY_MS = 86_400_000;
/** The longest range drawn day by day; longer ranges are clipped to their last days. */
export const MAX_CHART_DAYS = 731;

const toDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** Every UTC day from `start` to `end` inclusive (at most `max`, the latest ones). */
export function daysBetween(start: string, end: string, max = MAX_CHART_DAYS): string[] {
  const from = dayMs(start);
  const to = dayMs(end);
  if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) return [];
  const first = Math.max(from, to - (max - 1) * DAY_MS);
  const days: string[] = [];
  for (let t = first; t <= to; t += DAY_MS) days.push(toDay(t));
  return days;
}

/** The range of the last `days` UTC days ending today. */
export function lastDays(days: number, now = Date.now()): { start: string; end: string } {
  return { start: toDay(now - (days - 1) * DAY_MS), end: toDay(now) };
}

/** Today as the server counts days (UTC). */
export const utcToday = (now = Date.now()) => toDay(now);

const metricOf = (t: UsageTotals, metric: Metric) => (metric === 'tokens' ? t.total_tokens : t.cost_usd);

/**
 * The chart of a summary: one bar per day of the range (days without usage are zero), split by
 * model when the server breaks days down by model; otherwise tokens split into input and
 * output, and cost as one segment (the server does not split cost by direction).
 */
export function chartData(summary: UsageSummary, metric: Metric): ChartData {
  const days = daysBetween(summary.start_date, summary.end_date);
  const index = new Map(days.map((d, i) => [d, i]));
  const x = days.map((d) => dayMs(d) / 1000);
  const byModel = summary.daily.some((d) => d.by_model);
  const series: ChartSeries[] = [];
  const segment = (label: string) => {
    let s = series.find((x) => x.label === label);
    if (!s) {
      s = { label, values: days.map(() => 0) };
      series.push(s);
    }
    return s;
  };

  if (byModel) {
    // The legend follows the summary's model order (by name), so colours stay put across days.
    for (const m of summary.by_model) segment(m.model);
    for (const day of summary.daily) {
      const i = index.get(day.date);
      if (i === undefined) continue;
      for (const m of day.by_model ?? []) segment(m.model).values[i] += metricOf(m, metric);
    }
  } else if (metric === 'tokens') {
    const input = segment('Input tokens');
    const output = segment('Output tokens');
    for (const day of summary.daily) {
      const i = index.get(day.date);
      if (i === undefined) continue;
      input.values[i] += day.prompt_tokens;
      output.values[i] += day.completion_tokens;
    }
  } else {
    const cost = segment('Cost (USD)');
    for (const day of summary.daily) {
      const i = index.get(day.date);
      if (i !== undefined) cost.values[i] += day.cost_usd;
    }
  }
  return { days, x, series };
}

/** Running sums bottom up: row k is the top of segment k's bar (what a stacked bar chart draws). */
export function stack(series: number[][]): number[][] {
  const out: number[][] = [];
  for (const [k, values] of series.entries()) {
    out.push(values.map((v, i) => v + (k > 0 ? out[k - 1][i] : 0)));
  }
  return out;
}

/** One sentence for screen readers: what the chart shows and its notable numbers. */
export function describeChart(data: ChartData, metric: Metric): string {
  const what = metric === 'tokens' ? 'tokens' : 'cost';
  const n = data.days.length;
  if (n === 0) return `Daily ${what}: no days in range`;
  const totals = data.days.map((_, i) => data.series.reduce((sum, s) => sum + s.values[i], 0));
  const total = totals.reduce((a, b) => a + b, 0);
  const format = metric === 'tokens' ? formatTokens : formatUsd;
  const range = `${data.days[0]} to ${data.days[n - 1]}`;
  if (total === 0) return `Daily ${what} from ${range}: no usage`;
  const peak = totals.indexOf(Math.max(...totals));
  const active = totals.filter((t) => t > 0).length;
  const parts = data.series.length > 1 ? `, split into ${data.series.map((s) => s.label).join(', ')}` : '';
  return `Daily ${what} from ${range}${parts}: ${format(total)} in total over ${active} of ${n} days; highest ${format(totals[peak])} on ${data.days[peak]}`;
}

const integer = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const formatTokens = (n: number) => integer.format(n);
export const formatCompact = (n: number) => compact.format(n);

/** Dollars with cents, and more digits for the fractions of a cent model calls often cost. */
export function formatUsd(n: number): string {
  if (n === 0) return '$0.00';
  const abs = Math.abs(n);
  if (abs < 0.0001) return n < 0 ? '-<$0.0001' : '<$0.0001';
  const digits = abs < 0.01 ? 4 : abs < 1 ? 3 : 2;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** Axis labels in dollars, all with the same number of decimals: as many as the step between them needs. */
export function formatUsdTicks(values: number[]): string[] {
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < values.length; i++) step = Math.min(step, Math.abs(values[i] - values[i - 1]) || step);
  const digits = Number.isFinite(step) ? Math.min(6, Math.max(2, Math.ceil(-Math.log10(step) - 1e-9))) : 2;
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits });
  return values.map((v) => format.format(v));
}
