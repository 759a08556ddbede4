/**
 * What the core and its adapters report for `/metrics`. Each call is one cheap observation
 * (a counter or histogram update); values that already exist elsewhere (turns in flight, open
 * sockets, the database pool) are read only when metrics are scraped, through `watch`.
 */
export interface Metrics {
  /** An answered HTTP request. `route` is the matched route's pattern, undefined when none matched. */
  requestAnswered(request: { method: string; route: string | undefined; status: number; seconds: number }): void;
  /** A conversation turn or a stateless completion ended; `ttftSeconds` is null when no token came. */
  turnFinished(turn: { model: string; status: TurnOutcome; ttftSeconds: number | null; seconds: number }): void;
  /** The usage recorded for one model call (turn, completion, preview, title). */
  usageRecorded(call: { model: string; provider: string; promptTokens: number; completionTokens: number; costUsd: number }): void;
  /** A failed provider call, by provider and kind of failure. */
  providerFailed(failure: { provider: string; kind: string }): void;
  /** A request refused (429) by one of Parley's own limits. */
  refused(limit: RefusedLimit): void;
  /** A current value, read at each scrape. A later call for the same name replaces the reader. */
  watch(name: WatchedValue, read: () => number): void;
  /** The database pool's use, read at each scrape (PostgreSQL only). */
  watchDatabasePool(read: () => PoolUse): void;
}

export type TurnOutcome = 'complete' | 'incomplete' | 'error';

/**
 * `model` and `api`: the per-minute request limits; `login`, `registration`, `refresh`: the
 * throttles of the unauthenticated doors; `daily_tokens`: the tier's daily token budget.
 */
export type RefusedLimit = 'model' | 'api' | 'login' | 'registration' | 'refresh' | 'daily_tokens' | 'monthly_usd' | 'api_key_usd';

export type WatchedValue = 'turns_in_flight' | 'websocket_connections';

/** node-postgres pool counts: open connections, idle ones, queries waiting for one, and the cap. */
export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}
