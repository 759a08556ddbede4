import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../lib/api.ts';
import { api } from '../../lib/state.ts';
import type { DateRange } from './range-picker.tsx';
import type { UsageSummary } from './usage-series.ts';

export interface UsageState {
  summary?: UsageSummary;
  loading: boolean;
  error?: string;
  /** Requests per minute allowed for calls that do not run a model, from X-RateLimit-Limit. */
  apiPerMinute?: number;
}

const fetchSummary = (range: DateRange, signal: AbortSignal) =>
  api.send('GET', '/api/v1/tokens/usage', { query: { start_date: range.start, end_date: range.end }, signal });

/** The usage of a range, refetched when it changes; the last answer stays shown while loading. */
export function useUsage(range: DateRange | undefined): UsageState {
  const [state, setState] = useState<UsageState>({ loading: true });
  const start = range?.start;
  const end = range?.end;
  useEffect(() => {
    if (!start || !end) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    fetchSummary({ start, end }, controller.signal)
      .then(async (response) => {
        const summary = (await response.json()) as UsageSummary;
        const limit = Number(response.headers.get('x-ratelimit-limit'));
        setState({ summary, loading: false, apiPerMinute: Number.isFinite(limit) && limit > 0 ? limit : undefined });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, loading: false, error: err instanceof ApiError ? err.message : 'Usage could not be loaded' }));
      });
    return () => controller.abort();
  }, [start, end]);
  return state;
}
