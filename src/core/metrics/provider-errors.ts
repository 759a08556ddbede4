import type { ProviderFailure } from '../../providers/reporting.ts';
import { Counter } from './counter.ts';

/** The logging the core needs: pino's call shape, without depending on it. */
export interface WarnLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Failed provider calls by provider and kind, for /metrics. */
export const providerErrors = new Counter<'provider' | 'kind'>(
  'parley_provider_errors_total',
  'Model provider calls that failed, by provider and kind of failure.',
);

/** Counts a failure and logs it at warn with its provider, model and kind. */
export function providerFailureReporter(log?: WarnLog) {
  return (failure: ProviderFailure): void => {
    providerErrors.inc({ provider: failure.provider, kind: failure.kind });
    log?.warn(
      { provider: failure.provider, model: failure.model, kind: failure.kind, upstreamStatus: failure.upstreamStatus },
      failure.message,
    );
  };
}

/** The counter's lines in the Prometheus text format, for the metrics route. */
export function renderProviderErrorMetrics(): string[] {
  return providerErrors.render();
}
