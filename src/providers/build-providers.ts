import { anthropicRefusal } from './anthropic-translate.ts';
import type { ConfiguredProvider } from './catalog.ts';
import { discoverModels } from './model-discovery.ts';
import { openaiProvider } from './openai.ts';
import type { ProviderSpec } from './provider-specs.ts';
import { type ProviderFailure, reportingFailures } from './reporting.ts';
import type { Provider, ProviderEvent, ProviderRequest } from './types.ts';

// Reading a model list is small: an upstream that takes longer is treated as down, so start-up waits at most this.
const DISCOVERY_TIMEOUT_MS = 5_000;

/** The configured providers, in order; with `onFailure`, each failed call is reported (logs, metrics) as it is thrown. */
export function buildProviders(
  config: { providers: ProviderSpec[]; providerTimeoutMs: number; turnTimeoutMs?: number },
  onFailure?: (failure: ProviderFailure) => void,
): ConfiguredProvider[] {
  // Only the stream is wrapped: everything else the provider offers stays as it is.
  const observe = (provider: Provider): Provider => (onFailure ? { ...provider, stream: reportingFailures(provider, onFailure).stream } : provider);
  const discoveryTimeoutMs = Math.min(DISCOVERY_TIMEOUT_MS, config.providerTimeoutMs);
  return config.providers.map((spec) => {
    const options = { name: spec.name, baseUrl: spec.baseUrl, timeoutMs: config.providerTimeoutMs };
    const provider =
      spec.kind === 'anthropic'
        ? lazyAnthropicProvider({ ...options, apiKey: spec.apiKey ?? '' })
        : openaiProvider({ ...options, apiKey: spec.apiKey, wholeReplyTimeoutMs: config.turnTimeoutMs });
    return {
      name: spec.name,
      kind: spec.kind,
      provider: observe(provider),
      discover: spec.discover ? () => discoverModels(spec, discoveryTimeoutMs) : undefined,
    };
  });
}

/**
 * Anthropic's provider, its SDK (about 25 MB resident) loaded by the first call: a configured
 * provider that is never called costs nothing. Its refusals need no SDK and are checked as before.
 */
function lazyAnthropicProvider(opts: { name: string; apiKey: string; baseUrl?: string; timeoutMs: number }): Provider {
  let loaded: Promise<Provider> | undefined;
  const load = () => {
    loaded ??= import('./anthropic.ts').then(({ anthropicProvider }) => anthropicProvider(opts));
    return loaded;
  };
  return {
    name: opts.name,
    refuse: anthropicRefusal,
    async *stream(request: ProviderRequest): AsyncIterable<ProviderEvent> {
      yield* (await load()).stream(request);
    },
  };
}
