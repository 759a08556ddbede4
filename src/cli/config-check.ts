import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { maskUrl, probeRedis } from '../dependency-checks.ts';
import { buildProviders } from '../providers/build-providers.ts';
import { ModelRegistry } from '../providers/catalog.ts';
import { workersRefusal } from '../workers.ts';
import type { Command } from './command.ts';
import { count, table, usd } from './format.ts';
import { CliError } from './io.ts';
import { databaseLabel, holdDataDir } from './runtime.ts';
import { readSchemaState } from './schema-state.ts';

type Finding = [setting: string, summary: string];

const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];
const onOff = (on: boolean) => (on ? 'on' : 'off');
const byTier = (values: Record<string, number | null>, show: (n: number) => string) =>
  Object.entries(values)
    .map(([tier, n]) => `${tier} ${n === null ? 'none' : show(n)}`)
    .join(', ');

/** Whether the database answers and how far its schema is from this version's; nothing is changed. */
async function checkDatabase(config: Config): Promise<string> {
  const lock = holdDataDir(config);
  try {
    const state = await readSchemaState(config);
    if (!state.exists) return `${databaseLabel(config)}: not created yet (the first start creates it)`;
    const schema =
      state.pending.length === 0
        ? `schema up to date (${count(state.known, 'migration')})`
        : `${count(state.pending.length, 'migration')} to apply at the next start or \`parley migrate\``;
    return `${databaseLabel(config)}: reachable, ${schema}`;
  } finally {
    lock?.release();
  }
}

/** The model catalog and default model, as a server reads them at start (provider lists are not read). */
function checkModels(config: Config): string {
  const registry = new ModelRegistry({
    file: config.models.file,
    defaultModel: config.models.defaultModel,
    providers: buildProviders(config.models),
  });
  const catalog = config.models.file ? `MODELS_FILE ${config.models.file}` : 'the built-in catalog';
  return `default ${registry.defaultModel}; ${count(registry.list().length, 'model')} from ${catalog}`;
}

const configCheck: Command = {
  name: 'config check',
  usage: '',
  summary: 'read the settings, probe the database and Redis, and print what is in effect (secrets masked)',
  details: ['Exits non-zero, naming what is wrong, when a setting is invalid or a dependency cannot be reached.'],
  args: [],
  async run(ctx) {
    const { config } = ctx;
    const problems: string[] = [];
    const findings: Finding[] = [];
    const check = async (setting: string, probe: () => Promise<string> | string) => {
      try {
        findings.push([setting, await probe()]);
      } catch (err) {
        findings.push([setting, 'FAILED']);
        problems.push(err instanceof CliError ? err.message : oneLine(err));
      }
    };
    const refusal = config.workers > 1 ? workersRefusal(config) : undefined;
    if (refusal) problems.push(refusal);
    await check('database', () => checkDatabase(config));
    await check('redis', async () => {
      if (!config.redisUrl) return 'not used: limits, events and live turns stay in this process';
      await probeRedis(config.redisUrl);
      return `${maskUrl(config.redisUrl)} (key prefix ${config.redisKeyPrefix}): reachable`;
    });
    await check('models', () => checkModels(config));
    const providers = config.models.providers.map(
      (p) => `${p.name} (${p.kind}${p.baseUrl ? `, ${maskUrl(p.baseUrl)}` : ''}${p.apiKey ? ', key set' : ''})`,
    );
    const { server, limits, retention, auth } = config;
    findings.push(
      ['providers', [...providers, 'echo'].join(', ')],
      ['listen', `${server.host}:${server.port}, ${count(config.workers, 'worker')}, TRUST_PROXY ${onOff(server.trustProxy)}`],
      ['instance', config.instanceId],
      ['signing', config.jwtSecret ? 'JWT_SECRET set' : `a secret generated once in ${path.join(config.dataDir, 'jwt-secret')}`],
      ['accounts', `registration ${auth.allowRegistration ? 'open' : 'closed'}; access tokens ${auth.accessTokenTtlSeconds} s, refresh tokens ${auth.refreshTokenTtlDays} days`],
      ['cors', config.corsOrigins === '*' ? 'any origin' : config.corsOrigins.join(', ')],
      ['rate limits', `per minute: ${byTier(limits.requestsPerMinute, String)}; other API requests ${limits.apiRequestsPerMinute}`],
      ['budgets', `tokens a day: ${byTier(limits.tokensPerDay, String)}; spend a month: ${byTier(limits.monthlyUsd, usd)}`],
      ['retention', `deleted data kept ${count(retention.deleteRetentionDays, 'day')}, purged every ${count(retention.purgeIntervalMinutes, 'minute')}`],
      ['metrics', config.metricsToken ? 'GET /metrics needs METRICS_TOKEN (set)' : 'GET /metrics open (METRICS_TOKEN not set)'],
      ['web app', webApp(config)],
      ['log level', config.logLevel],
    );
    for (const line of table([['SETTING', 'IN EFFECT'], ...findings])) ctx.io.out(line);
    if (problems.length > 0) throw new CliError(`${count(problems.length, 'problem')}: ${problems.join('; ')}`);
    ctx.io.out('Configuration OK.');
  },
};

function webApp(config: Config): string {
  if (!config.webApp.enabled) return 'off (WEB_APP)';
  const built = existsSync(path.join(config.webApp.distDir, 'index.html'));
  return `on, from ${config.webApp.distDir}${built ? '' : ' (not built: run `npm run build:web`)'}`;
}

export const configCommands: Command[] = [configCheck];
