import { availableParallelism, hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ProviderSpecError, providerSpecs } from './providers/provider-specs.ts';

// The environment is read here, once, and nowhere else.

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(7001),
  HOST: z.string().min(1).default('127.0.0.1'),
  TRUST_PROXY: bool.default(false),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('parley:'),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MODELS_FILE: z.string().min(1).optional(),
  DEFAULT_MODEL: z.string().min(1).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url().optional(),
  OLLAMA_BASE_URL: z.url().optional(),
  PROVIDERS_FILE: z.string().min(1).optional(),
  MODEL_DISCOVERY_INTERVAL_SECONDS: positiveInt.default(300),
  CORS_ORIGINS: z
    .string()
    .default('*')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .refine((list) => list.length > 0 && (list.join() === '*' || list.every(isOrigin)), 'must be * or a comma-separated list of origins (scheme://host[:port])'),
  ALLOW_REGISTRATION: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.default(900),
  REFRESH_TOKEN_TTL_DAYS: positiveInt.default(30),
  PROVIDER_TIMEOUT_MS: positiveInt.default(60_000),
  TURN_TIMEOUT_MS: positiveInt.default(300_000),
  // A `streaming` reply whose heartbeat is older than this is taken for one whose process died.
  STALE_TURN_SECONDS: positiveInt.default(60),
  DELETE_RETENTION_DAYS: nonNegativeInt.default(30),
  PURGE_INTERVAL_MINUTES: positiveInt.default(60),
  RATE_LIMIT_FREE_RPM: positiveInt.default(60),
  RATE_LIMIT_PRO_RPM: positiveInt.default(600),
  RATE_LIMIT_ENTERPRISE_RPM: positiveInt.default(6000),
  TOKEN_BUDGET_FREE_DAILY: positiveInt.default(100_000),
  TOKEN_BUDGET_PRO_DAILY: positiveInt.default(2_000_000),
  TOKEN_BUDGET_ENTERPRISE_DAILY: positiveInt.default(50_000_000),
  // Spend per user per calendar month (UTC), in US dollars, by tier; unset: no limit.
  SPEND_LIMIT_FREE_MONTHLY_USD: z.coerce.number().positive().optional(),
  SPEND_LIMIT_PRO_MONTHLY_USD: z.coerce.number().positive().optional(),
  SPEND_LIMIT_ENTERPRISE_MONTHLY_USD: z.coerce.number().positive().optional(),
  // A call without max_tokens holds this many completion tokens against the budgets until it ends.
  BUDGET_COMPLETION_ALLOWANCE_TOKENS: positiveInt.default(4096),
  RATE_LIMIT_API_RPM: positiveInt.default(1200),
  THROTTLE_LOGIN_FAILURES: positiveInt.default(10),
  THROTTLE_REGISTRATIONS_PER_HOUR: positiveInt.default(30),
  THROTTLE_REFRESH_PER_MINUTE: positiveInt.default(30),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  INSTANCE_ID: z.string().min(1).max(200).optional(),
  // Processes serving one port on this machine (`auto`: one per core); more than one needs PostgreSQL and Redis.
  WORKERS: z.union([z.literal('auto'), positiveInt.max(256)]).default(1),
  WS_HEARTBEAT_SECONDS: positiveInt.default(30),
  FILE_CONTEXT_TOKENS: positiveInt.default(4000),
  FILE_CONTEXT_WHOLE_TOKENS: nonNegativeInt.default(2000),
  PDF_MAX_PAGES: positiveInt.default(500),
  PDF_PARSE_TIMEOUT_MS: positiveInt.default(30_000),
  PDF_PARSE_MEMORY_MB: positiveInt.min(32).default(256),
  // An import is parsed on the event loop: 10 MB keeps one request within the bounded-work rule.
  IMPORT_MAX_BYTES: positiveInt.default(10 * 1024 * 1024),
  IMPORT_MAX_MESSAGES: positiveInt.default(100_000),
  // The chat web app at `/`; off for API-only deployments. Its build is web/dist unless WEB_DIST_DIR says otherwise.
  WEB_APP: bool.default(true),
  WEB_DIST_DIR: z.string().min(1).optional(),
});

export type Tier = 'free' | 'pro' | 'enterprise';

export function parseConfig(env: Record<string, string | undefined>) {
  // Empty strings count as unset, as shells and compose files often export them that way.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${String(issue.path[0])}: ${issue.message}`);
  }
  const e = parsed.data;
  if (e.DATABASE_URL && !e.JWT_SECRET) {
    throw new ConfigError('JWT_SECRET: required when DATABASE_URL is set (instances must share it)');
  }
  let providers: ReturnType<typeof providerSpecs>;
  try {
    providers = providerSpecs({
      openaiApiKey: e.OPENAI_API_KEY,
      openaiBaseUrl: e.OPENAI_BASE_URL,
      anthropicApiKey: e.ANTHROPIC_API_KEY,
      anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
      ollamaBaseUrl: e.OLLAMA_BASE_URL,
      providersFile: e.PROVIDERS_FILE,
      lookup: (name) => cleaned[name],
    });
  } catch (err) {
    if (err instanceof ProviderSpecError) throw new ConfigError(`PROVIDERS_FILE: ${err.message}`);
    throw err;
  }
  return {
    server: { port: e.PORT, host: e.HOST, trustProxy: e.TRUST_PROXY },
    // Recorded on the turns this process runs, so a restart recovers its own dead turns at once.
    instanceId: e.INSTANCE_ID ?? `${hostname()}:${e.PORT}`,
    workers: e.WORKERS === 'auto' ? availableParallelism() : e.WORKERS,
    metricsToken: e.METRICS_TOKEN,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    jwtSecret: e.JWT_SECRET,
    // `*` (any origin: every route takes bearer tokens, never cookies) or the exact origins allowed.
    corsOrigins: e.CORS_ORIGINS.join() === '*' ? ('*' as const) : e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    auth: {
      allowRegistration: e.ALLOW_REGISTRATION,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    },
    models: {
      file: e.MODELS_FILE,
      defaultModel: e.DEFAULT_MODEL,
      providers,
      discoveryIntervalMs: e.MODEL_DISCOVERY_INTERVAL_SECONDS * 1000,
      providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
      turnTimeoutMs: e.TURN_TIMEOUT_MS,
      staleTurnSeconds: e.STALE_TURN_SECONDS,
    },
    retention: { deleteRetentionDays: e.DELETE_RETENTION_DAYS, purgeIntervalMinutes: e.PURGE_INTERVAL_MINUTES },
    limits: {
      requestsPerMinute: {
        free: e.RATE_LIMIT_FREE_RPM,
        pro: e.RATE_LIMIT_PRO_RPM,
        enterprise: e.RATE_LIMIT_ENTERPRISE_RPM,
      } satisfies Record<Tier, number>,
      tokensPerDay: {
        free: e.TOKEN_BUDGET_FREE_DAILY,
        pro: e.TOKEN_BUDGET_PRO_DAILY,
        enterprise: e.TOKEN_BUDGET_ENTERPRISE_DAILY,
      } satisfies Record<Tier, number>,
      // Null: no spend limit for the tier (an admin may still set one per user).
      monthlyUsd: {
        free: e.SPEND_LIMIT_FREE_MONTHLY_USD ?? null,
        pro: e.SPEND_LIMIT_PRO_MONTHLY_USD ?? null,
        enterprise: e.SPEND_LIMIT_ENTERPRISE_MONTHLY_USD ?? null,
      } satisfies Record<Tier, number | null>,
      completionAllowanceTokens: e.BUDGET_COMPLETION_ALLOWANCE_TOKENS,
      // Authenticated requests that call no model, per user per minute, whatever the tier.
      apiRequestsPerMinute: e.RATE_LIMIT_API_RPM,
    },
    throttle: {
      // Failed logins per account and per address in a 15-minute window.
      loginFailures: e.THROTTLE_LOGIN_FAILURES,
      registrationsPerHour: e.THROTTLE_REGISTRATIONS_PER_HOUR,
      refreshPerMinute: e.THROTTLE_REFRESH_PER_MINUTE,
    },
    realtime: { heartbeatSeconds: e.WS_HEARTBEAT_SECONDS },
    // Document passages per turn: at most this many tokens; documents this small go in whole.
    files: { contextTokens: e.FILE_CONTEXT_TOKENS, wholeDocumentTokens: e.FILE_CONTEXT_WHOLE_TOKENS },
    // PDF text is extracted in a worker thread within these bounds; a PDF beyond them is refused (422).
    pdf: { maxPages: e.PDF_MAX_PAGES, timeoutMs: e.PDF_PARSE_TIMEOUT_MS, memoryMb: e.PDF_PARSE_MEMORY_MB },
    // One import (a JSON body or an uploaded file) is refused past this size (413) or message count (422).
    transfer: { importMaxBytes: e.IMPORT_MAX_BYTES, importMaxMessages: e.IMPORT_MAX_MESSAGES },
    // The built web app (`npm run build:web`), served at `/` unless turned off.
    webApp: { enabled: e.WEB_APP, distDir: path.resolve(e.WEB_DIST_DIR ?? path.join(import.meta.dirname, '..', 'web', 'dist')) },
  };
}

export type Config = ReturnType<typeof parseConfig>;

export class ConfigError extends Error {}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
