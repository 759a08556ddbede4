import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, PoolUse, RefusedLimit, TurnOutcome, WatchedValue } from './metrics.ts';
import { registerProcessMetrics } from './process-metrics.ts';

// Requests include streams (a reply streamed for a minute is a one-minute request), hence the long tail.
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
const TURN_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];

const REFUSED_LIMITS: RefusedLimit[] = ['model', 'api', 'login', 'registration', 'refresh', 'daily_tokens', 'monthly_usd', 'api_key_usd'];

/** The label of requests no route matched (unknown paths, malformed ones): one value, whatever the path. */
export const UNMATCHED_ROUTE = 'unmatched';

const WATCHED: Record<WatchedValue, { name: string; help: string }> = {
  turns_in_flight: { name: 'parley_turns_in_flight', help: 'Conversation turns running on this instance.' },
  websocket_connections: { name: 'parley_websocket_connections', help: 'Open WebSocket connections on this instance.' },
};

/**
 * The metrics of one server, in a registry of its own (never prom-client's global one), so
 * several servers in one process (tests) each count only their own traffic.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: Histogram<'method' | 'route' | 'status_class'>;
  private readonly firstToken: Histogram<'model'>;
  private readonly turnSeconds: Histogram<'model' | 'status'>;
  private readonly tokens: Counter<'model' | 'provider' | 'type'>;
  private readonly cost: Counter<'model' | 'provider'>;
  private readonly providerErrors: Counter<'kind' | 'provider'>;
  private readonly refusals: Counter<'limit'>;
  private readonly readers = new Map<WatchedValue, () => number>();
  private pool: (() => PoolUse) | undefined;
  private readonly stopProcessMetrics: () => void;

  constructor(opts: { instanceId?: string } = {}) {
    const registers = [this.registry];
    // Which process answered: several instances (or WORKERS) behind one address tell themselves apart.
    new Gauge({ name: 'parley_instance_info', help: 'Always 1; labelled with the instance id and process id.', labelNames: ['instance_id', 'pid'], registers }).set(
      { instance_id: opts.instanceId ?? '', pid: String(process.pid) },
      1,
    );
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: L[], buckets: number[]) =>
      new Histogram<L>({ name, help, labelNames, buckets, registers });
    this.requests = counter('parley_http_requests_total', 'HTTP requests answered, by method, route pattern and status.', ['method', 'route', 'status']);
    this.requestSeconds = histogram(
      'parley_http_request_duration_seconds',
      'Time from request to the end of its response (streams included), by method, route pattern and status class.',
      ['method', 'route', 'status_class'],
      REQUEST_BUCKETS,
    );
    const readers = this.readers;
    for (const [value, { name, help }] of Object.entries(WATCHED) as Array<[WatchedValue, { name: string; help: string }]>) {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(readers.get(value)?.() ?? 0);
        },
      });
    }
    this.firstToken = histogram(
      'parley_turn_time_to_first_token_seconds',
      'Time from calling the model to its first token, by model.',
      ['model'],
      FIRST_TOKEN_BUCKETS,
    );
    this.turnSeconds = histogram(
      'parley_turn_duration_seconds',
      'Time from calling the model to the end of its reply, by model and outcome.',
      ['model', 'status'],
      TURN_BUCKETS,
    );
    this.tokens = counter(
      'parley_model_tokens_total',
      'Tokens recorded for model calls (turns, completions, previews, titles), by model, provider and type.',
      ['model', 'provider', 'type'],
    );
    this.cost = counter('parley_model_cost_usd_total', 'Cost in US dollars recorded for model calls, by model and provider.', ['model', 'provider']);
    this.providerErrors = counter('parley_provider_errors_total', 'Model provider calls that failed, by provider and kind of failure.', ['kind', 'provider']);
    this.refusals = counter(
      'parley_limit_refusals_total',
      'Requests refused with 429 by a rate limit, a login/registration/refresh throttle or the daily token budget.',
      ['limit'],
    );
    // Every limit printed from the start, at 0: an alert on its rate needs the series before the first refusal.
    for (const limit of REFUSED_LIMITS) this.refusals.inc({ limit }, 0);
    this.stopProcessMetrics = registerProcessMetrics(this.registry);
  }

  requestAnswered(request: { method: string; route: string | undefined; status: number; seconds: number }): void {
    const route = request.route ?? UNMATCHED_ROUTE;
    this.requests.inc({ method: request.method, route, status: String(request.status) });
    this.requestSeconds.observe(
      { method: request.method, route, status_class: `${Math.floor(request.status / 100)}xx` },
      request.seconds,
    );
  }

  turnFinished(turn: { model: string; status: TurnOutcome; ttftSeconds: number | null; seconds: number }): void {
    if (turn.ttftSeconds !== null) this.firstToken.observe({ model: turn.model }, turn.ttftSeconds);
    this.turnSeconds.observe({ model: turn.model, status: turn.status }, turn.seconds);
  }

  usageRecorded(call: { model: string; provider: string; promptTokens: number; completionTokens: number; costUsd: number }): void {
    // Zero too: a model's series exist from its first call, so rates over them start there.
    const { model, provider } = call;
    this.tokens.inc({ model, provider, type: 'prompt' }, call.promptTokens);
    this.tokens.inc({ model, provider, type: 'completion' }, call.completionTokens);
    this.cost.inc({ model, provider }, call.costUsd);
  }

  providerFailed(failure: { provider: string; kind: string }): void {
    this.providerErrors.inc({ kind: failure.kind, provider: failure.provider });
  }

  refused(limit: RefusedLimit): void {
    this.refusals.inc({ limit });
  }

  watch(name: WatchedValue, read: () => number): void {
    this.readers.set(name, read);
  }

  watchDatabasePool(read: () => PoolUse): void {
    if (!this.pool) this.registerPool();
    this.pool = read;
  }

  /** The text a scrape receives, and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.stopProcessMetrics();
  }

  /** The pool's gauges, made only once there is a pool to read: the embedded database has none. */
  private registerPool(): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, pick: (use: PoolUse) => number) => {
      const metrics = this;
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const use = metrics.pool?.();
          if (use) this.set(pick(use));
        },
      });
    };
    gauge('parley_db_pool_connections', 'Open connections in the PostgreSQL pool.', (use) => use.total);
    gauge('parley_db_pool_idle_connections', 'Idle connections in the PostgreSQL pool.', (use) => use.idle);
    gauge('parley_db_pool_waiting_queries', 'Queries waiting for a connection from the PostgreSQL pool.', (use) => use.waiting);
    gauge('parley_db_pool_max_connections', 'Size limit of the PostgreSQL pool.', (use) => use.max);
  }
}
