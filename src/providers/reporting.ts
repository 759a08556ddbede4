import { ProviderError, type Provider, type ProviderErrorKind } from './types.ts';

/** One failed provider call, as operators see it: no prompt, no key. */
export interface ProviderFailure {
  provider: string;
  /** The provider's own name for the model. */
  model: string;
  kind: ProviderErrorKind;
  upstreamStatus?: number;
  message: string;
}

/** The provider, with each failure of its calls reported before it is thrown on. */
export function reportingFailures(provider: Provider, report: (failure: ProviderFailure) => void): Provider {
  return {
    name: provider.name,
    async *stream(request) {
      try {
        yield* provider.stream(request);
      } catch (err) {
        if (err instanceof ProviderError) {
          report({ provider: err.provider, model: request.model, kind: err.kind, upstreamStatus: err.upstreamStatus, message: err.message });
        }
        throw err;
      }
    },
  };
}
