import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { errors } from '../core/errors.ts';
import { anthropicProvider } from './anthropic.ts';
import { echoProvider } from './echo.ts';
import { openaiProvider } from './openai.ts';
import { type ProviderFailure, reportingFailures } from './reporting.ts';
import type { Provider } from './types.ts';

const catalogSchema = z.object({
  models: z.array(
    z.object({
      id: z.string().min(1),
      provider: z.enum(['echo', 'openai', 'anthropic']),
      upstream: z.string().min(1),
      context_window: z.number().int().positive(),
      input_per_million: z.number().min(0),
      output_per_million: z.number().min(0),
    }),
  ),
});

export type ModelEntry = z.infer<typeof catalogSchema>['models'][number];

export interface ResolvedModel {
  entry: ModelEntry;
  provider: Provider;
}

export interface ModelRegistryOptions {
  file?: string;
  defaultModel?: string;
  providers: Partial<Record<ModelEntry['provider'], Provider>>;
}

/** The model catalog joined with the providers that are configured: only those models are offered. */
export class ModelRegistry {
  readonly defaultModel: string;
  private readonly available = new Map<string, ResolvedModel>();

  constructor(opts: ModelRegistryOptions) {
    const catalog = loadCatalog(opts.file);
    for (const entry of catalog.models) {
      const provider = entry.provider === 'echo' ? echoProvider : opts.providers[entry.provider];
      if (provider) this.available.set(entry.id, { entry, provider });
    }
    const firstReal = [...this.available.values()].find((m) => m.entry.provider !== 'echo');
    const fallback = firstReal?.entry.id ?? 'echo';
    if (opts.defaultModel && !this.available.has(opts.defaultModel)) {
      throw new Error(`DEFAULT_MODEL: model '${opts.defaultModel}' is not in the catalog or its provider is not configured`);
    }
    this.defaultModel = opts.defaultModel ?? fallback;
  }

  list(): ModelEntry[] {
    return [...this.available.values()].map((m) => m.entry);
  }

  /** The model by id, or a 400 naming it when it is unknown or its provider is not configured. */
  resolve(id: string | undefined | null): ResolvedModel {
    const model = this.available.get(id ?? this.defaultModel);
    if (!model) throw errors.unknownModel(String(id));
    return model;
  }

  has(id: string): boolean {
    return this.available.has(id);
  }
}

export function costUsd(entry: ModelEntry, promptTokens: number, completionTokens: number): number {
  const cost = (promptTokens * entry.input_per_million + completionTokens * entry.output_per_million) / 1_000_000;
  return Math.round(cost * 1e10) / 1e10;
}

function loadCatalog(file?: string) {
  const source = file ?? new URL('./models.json', import.meta.url);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(source, 'utf8'));
  } catch (err) {
    throw new Error(`MODELS_FILE: cannot read ${String(source)}: ${(err as Error).message}`);
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`MODELS_FILE: ${parsed.error.issues[0].message} at ${parsed.error.issues[0].path.join('.')}`);
  return parsed.data;
}

/** The configured providers; with `onFailure`, each failed call is reported (logs, metrics) as it is thrown. */
export function buildProviders(
  config: {
    openai?: { apiKey: string; baseUrl?: string };
    anthropic?: { apiKey: string; baseUrl?: string };
    providerTimeoutMs: number;
  },
  onFailure?: (failure: ProviderFailure) => void,
): ModelRegistryOptions['providers'] {
  const observe = (provider: Provider) => (onFailure ? reportingFailures(provider, onFailure) : provider);
  const providers: ModelRegistryOptions['providers'] = {};
  if (config.openai) providers.openai = observe(openaiProvider({ ...config.openai, timeoutMs: config.providerTimeoutMs }));
  if (config.anthropic) providers.anthropic = observe(anthropicProvider({ ...config.anthropic, timeoutMs: config.providerTimeoutMs }));
  return providers;
}
