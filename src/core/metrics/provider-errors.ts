import type { ProviderFailure } from '../../providers/reporting.ts';
import type { Metrics } from './metrics.ts';

/** The logging the core needs: pino's call shape, without depending on it. */
export interface WarnLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Counts a failure by provider and kind, and logs it at warn with its provider, model and kind. */
export function providerFailureReporter(metrics: Pick<Metrics, 'providerFailed'>, log?: WarnLog) {
  return (failure: ProviderFailure): void => {
    metrics.providerFailed({ provider: failure.provider, kind: failure.kind });
    log?.warn(
      { provider: failure.provider, model: failure.model, kind: failure.kind, upstreamStatus: failure.upstreamStatus },
      failure.message,
    );
  };
}
