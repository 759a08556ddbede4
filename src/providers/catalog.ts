import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { errors } from '../core/errors.ts';
import { echoProvider } from './echo.ts';
import type { DiscoveryResult } from './model-discovery.ts';
import type { ProviderKind } from './provider-specs.ts';
import type { Provider } from './types.ts';

const catalogSchema = z.object({
  models: z.array(
    z.object({
      id: z.string().min(1),
      // A configured provider's name or kind (`openai` matches the provider named `openai`, else
      // the first of kind `openai`), or `echo`.
      provider: z.string().min(1),
      upstream: z.string().min(1),
      context_window: z.number().int().positive().nullable().optional(),
      // null (or absent): the price is unknown, the model is charged 0 and listed as such.
      input_per_million: z.number().min(0).nullable().optional(),
      output_per_million: z.number().min(0).nullable().optional(),
    }),
  ),
});

/** A model Parley offers, from the catalog or from its provider's own list. */
export interface ModelEntry {
  /** What clients send: the catalog's id, or `provider/upstream` for a discovered model. */
  id: string;
  /** The configured provider's name (`echo` for the built-in model). */
  provider: string;
  /** The provider's own name for the model. */
  upstream: string;
  context_window: number | null;
  input_per_million: number | null;
  output_per_million: number | null;
  source: 'catalog' | 'discovered';
}

export interface ResolvedModel {
  entry: ModelEntry;
  provider: Provider;
}

/** A provider ready to serve, as the registry sees it. */
export interface ConfiguredProvider {
  name: string;
  kind: ProviderKind;
  provider: Provider;
  /** Reads the provider's model list; absent when the provider's models come from the catalog only. */
  discover?: () => Promise<DiscoveryResult>;
}

export interface DiscoveryLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface ModelRegistryOptions {
  file?: string;
  defaultModel?: string;
  /** In order: an unqualified model id that is not in the catalog goes to the first that lists it. */
  providers: ConfiguredProvider[];
  /** How often model lists are read again. */
  discoveryIntervalMs?: number;
  log?: DiscoveryLog;
}

// A request for an unknown model reads a provider's list again at most this often, so a client
// naming models that do not exist cannot make Parley hammer its upstreams.
const MISS_REFRESH_COOLDOWN_MS = 10_000;
// A provider that could not be reached is tried again this often (or at the interval, if shorter).
const RETRY_DOWN_MS = 30_000;

interface ProviderState {
  configured: ConfiguredProvider;
  /** Models from its last successful list that the catalog does not already offer, by upstream name. */
  models: Map<string, ResolvedModel>;
  /** False once the provider answered that it has no model list. */
  lists: boolean;
  down: boolean;
  lastSuccess: number;
  lastMissRefresh: number;
  inFlight?: Promise<void>;
}

export function priceKnown(entry: ModelEntry): boolean {
  return entry.input_per_million !== null && entry.output_per_million !== null;
}

/**
 * The catalog joined with the configured providers, plus the models each provider lists:
 * only models some configured provider serves are offered.
 */
export class ModelRegistry {
  private readonly catalog = new Map<string, ResolvedModel>();
  private readonly states: ProviderState[];
  private readonly byName = new Map<string, ProviderState>();
  private readonly explicitDefault?: string;
  private readonly intervalMs: number;
  private readonly log?: DiscoveryLog;
  private timer?: NodeJS.Timeout;

  constructor(opts: ModelRegistryOptions) {
    this.intervalMs = opts.discoveryIntervalMs ?? 300_000;
    this.log = opts.log;
    this.states = opts.providers.map((configured) => ({
      configured,
      models: new Map(),
      lists: Boolean(configured.discover),
      down: false,
      lastSuccess: 0,
      lastMissRefresh: 0,
    }));
    for (const state of this.states) this.byName.set(state.configured.name, state);
    for (const raw of loadCatalog(opts.file).models) {
      const configured =
        raw.provider === 'echo'
          ? { name: 'echo', provider: echoProvider }
          : (this.byName.get(raw.provider)?.configured ?? opts.providers.find((p) => p.kind === raw.provider));
      if (!configured) continue;
      const entry: ModelEntry = {
        id: raw.id,
        provider: configured.name,
        upstream: raw.upstream,
        context_window: raw.context_window ?? null,
        input_per_million: raw.input_per_million ?? null,
        output_per_million: raw.output_per_million ?? null,
        source: 'catalog',
      };
      this.catalog.set(raw.id, { entry, provider: configured.provider });
    }
    this.explicitDefault = opts.defaultModel;
    // A default that only a provider's list can confirm is checked once the lists are read (start).
    if (opts.defaultModel && !this.find(opts.defaultModel) && !this.couldBeListed(opts.defaultModel)) {
      throw new Error(`DEFAULT_MODEL: model '${opts.defaultModel}' is not in the catalog or its provider is not configured`);
    }
  }

  /** DEFAULT_MODEL, else the first catalog model of a configured provider, else the first listed, else echo. */
  get defaultModel(): string {
    if (this.explicitDefault) return this.explicitDefault;
    const catalogReal = [...this.catalog.values()].find((m) => m.entry.provider !== 'echo');
    if (catalogReal) return catalogReal.entry.id;
    for (const state of this.states) {
      const first = state.models.values().next().value;
      if (first) return first.entry.id;
    }
    return 'echo';
  }

  list(): ModelEntry[] {
    const listed = [...this.catalog.values()].map((m) => m.entry);
    for (const state of this.states) for (const m of state.models.values()) listed.push(m.entry);
    return listed;
  }

  /** The model by id, or a 400 naming it when no configured provider offers it (as last known). */
  resolve(id: string | undefined | null): ResolvedModel {
    const wanted = id ?? this.defaultModel;
    const model = this.find(wanted);
    if (!model) {
      // Too late for this call, which must answer now, but the next one will see what the lists say.
      this.refreshForMiss(wanted).catch(() => {});
      throw errors.unknownModel(String(wanted));
    }
    return model;
  }

  /**
   * Like `resolve`, but a model nobody is known to offer first makes the providers that list
   * their models read their lists again (at most once per provider every few seconds), so a
   * model added upstream since the last read is found.
   */
  async lookup(id: string | undefined | null): Promise<ResolvedModel> {
    const wanted = id ?? this.defaultModel;
    if (!this.find(wanted)) await this.refreshForMiss(wanted);
    return this.resolve(wanted);
  }

  has(id: string): boolean {
    return this.find(id) !== undefined;
  }

  /** Reads every provider's model list (bounded by each provider's timeout), then keeps them fresh. */
  async start(): Promise<void> {
    await Promise.all(this.states.filter((s) => s.lists).map((s) => this.refresh(s)));
    const wanted = this.explicitDefault;
    if (wanted && !this.find(wanted)) {
      // A provider that is down may still serve it once it is back: not a reason to refuse to start.
      if (!this.states.some((s) => s.down)) {
        throw new Error(`DEFAULT_MODEL: model '${wanted}' is not in the catalog or offered by a configured provider`);
      }
      this.log?.warn({ model: wanted }, 'DEFAULT_MODEL is not offered by any provider reached so far');
    }
    if (!this.states.some((s) => s.lists)) return;
    const tick = Math.min(this.intervalMs, RETRY_DOWN_MS);
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const state of this.states) {
        if (state.lists && !state.inFlight && (state.down || now - state.lastSuccess >= this.intervalMs)) void this.refresh(state);
      }
    }, tick);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private find(id: string): ResolvedModel | undefined {
    const fromCatalog = this.catalog.get(id);
    if (fromCatalog) return fromCatalog;
    const slash = id.indexOf('/');
    const named = slash > 0 ? this.byName.get(id.slice(0, slash)) : undefined;
    if (named) {
      const name = id.slice(slash + 1);
      // `openai/gpt-4o` is the catalog's `gpt-4o` when that is served by the provider named `openai`.
      for (const m of this.catalog.values()) {
        if (m.entry.provider === named.configured.name && (m.entry.upstream === name || m.entry.id === name)) return m;
      }
      const listed = named.models.get(name);
      if (listed) return listed;
    }
    for (const state of this.states) {
      const listed = state.models.get(id);
      if (listed) return listed;
    }
    return undefined;
  }

  private async refreshForMiss(id: string): Promise<void> {
    const named = this.byName.get(id.slice(0, id.indexOf('/')));
    const now = Date.now();
    const refreshes: Promise<void>[] = [];
    for (const state of named ? [named] : this.states) {
      if (!state.lists) continue;
      if (state.inFlight) refreshes.push(state.inFlight);
      else if (now - state.lastMissRefresh >= MISS_REFRESH_COOLDOWN_MS) {
        state.lastMissRefresh = now;
        refreshes.push(this.refresh(state));
      }
    }
    await Promise.all(refreshes);
  }

  private couldBeListed(id: string): boolean {
    const slash = id.indexOf('/');
    const named = slash > 0 ? this.byName.get(id.slice(0, slash)) : undefined;
    return named ? named.lists : this.states.some((s) => s.lists);
  }

  private refresh(state: ProviderState): Promise<void> {
    state.inFlight ??= this.read(state).finally(() => {
      state.inFlight = undefined;
    });
    return state.inFlight;
  }

  private async read(state: ProviderState): Promise<void> {
    const { configured } = state;
    let result: DiscoveryResult;
    try {
      result = await (configured.discover as () => Promise<DiscoveryResult>)();
    } catch (err) {
      // The last list read stays in use: an upstream that blinks does not take its models away.
      if (!state.down) {
        this.log?.warn(
          { provider: configured.name, reason: (err as Error).message },
          'cannot read the provider\'s model list; its listed models stay as last read, and it is tried again later',
        );
      }
      state.down = true;
      return;
    }
    state.down = false;
    state.lastSuccess = Date.now();
    if ('unsupported' in result) {
      state.lists = false;
      return;
    }
    const models = new Map<string, ResolvedModel>();
    for (const upstream of result.models) {
      const inCatalog = [...this.catalog.values()].some((m) => m.entry.provider === configured.name && m.entry.upstream === upstream);
      if (inCatalog || models.has(upstream)) continue;
      models.set(upstream, {
        provider: configured.provider,
        entry: {
          id: `${configured.name}/${upstream}`,
          provider: configured.name,
          upstream,
          context_window: null,
          input_per_million: null,
          output_per_million: null,
          source: 'discovered',
        },
      });
    }
    state.models = models;
  }
}

/** Tokens times the catalog's prices; 0 when the price is unknown (see `priceKnown`). */
export function costUsd(entry: ModelEntry, promptTokens: number, completionTokens: number): number {
  const cost = (promptTokens * (entry.input_per_million ?? 0) + completionTokens * (entry.output_per_million ?? 0)) / 1_000_000;
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
