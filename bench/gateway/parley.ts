import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startFlags } from '../../test/support/start-flags.ts';
import { type Child, memoryOf, startNode, stopChild, waitForHttp } from './processes.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A Parley process on its own database, with the API key of one registered user. */
export interface ParleyTarget {
  child: Child;
  url: string;
  apiKey: string;
  /** VmHWM once it answered /healthz, before any request: the start-up peak. */
  startupPeakMb: number;
  stop(): Promise<void>;
}

/** Limits as the test servers raise them, so that nothing but the work itself is measured. */
const LIMITS_OUT_OF_THE_WAY: Record<string, string> = {
  RATE_LIMIT_FREE_RPM: '1000000',
  RATE_LIMIT_PRO_RPM: '1000000',
  RATE_LIMIT_ENTERPRISE_RPM: '1000000',
  RATE_LIMIT_API_RPM: '1000000',
  TOKEN_BUDGET_FREE_DAILY: '1000000000',
  TOKEN_BUDGET_PRO_DAILY: '1000000000',
  TOKEN_BUDGET_ENTERPRISE_DAILY: '1000000000',
  THROTTLE_REGISTRATIONS_PER_HOUR: '1000000',
  THROTTLE_REFRESH_PER_MINUTE: '1000000',
  THROTTLE_LOGIN_FAILURES: '1000000',
};

/**
 * Starts `node [nodeArgs] src/main.ts` on `port` against the OpenAI-compatible `upstreamUrl`:
 * on PGlite in a fresh DATA_DIR, or on `databaseUrl` (a database the caller created). Registers
 * a user and creates an API key for it.
 */
export async function startParley(opts: {
  name: string;
  port: number;
  upstreamUrl: string;
  databaseUrl?: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** The embedded database's folder (default: a fresh one, removed when Parley stops). */
  dataDir?: string;
  keepDataDir?: boolean;
}): Promise<ParleyTarget> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    HOST: '127.0.0.1',
    PORT: String(opts.port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: opts.upstreamUrl,
    ...LIMITS_OUT_OF_THE_WAY,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl, JWT_SECRET: `bench-${randomBytes(16).toString('hex')}` } : {}),
    ...opts.env,
  };
  const child = startNode(opts.name, [...(opts.nodeArgs ?? startFlags), 'src/main.ts'], { cwd: root, env });
  const url = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    await stopChild(child, 30_000);
    if (!opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(child, `${url}/healthz`, {}, 120_000);
    const startupPeakMb = memoryOf(child.pid).peakMb;
    const apiKey = await registerWithKey(url);
    return { child, url, apiKey, startupPeakMb, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function post(url: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function registerWithKey(url: string): Promise<string> {
  const suffix = randomBytes(5).toString('hex');
  const session = await post(`${url}/api/v1/auth/register`, { email: `bench-${suffix}@example.test`, password: `bench-pw-${suffix}-x` });
  const created = await post(`${url}/api/v1/auth/api-keys`, { name: 'gateway bench' }, session.access_token);
  return created.key;
}

/** A fresh database next to the one `baseUrl` names, or undefined (with the reason) when PostgreSQL does not answer. */
export async function createDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> } | { skipped: string }> {
  const name = `parley_gw_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
  } catch (err) {
    return { skipped: `PostgreSQL at ${new URL(baseUrl).host} is not reachable (${(err as Error).message})` };
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
