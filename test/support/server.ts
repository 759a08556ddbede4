import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseConfig } from '../../src/config.ts';
import { type RunningServer, startServer } from '../../src/server.ts';

export interface TestServer extends RunningServer {
  dataDir: string;
  databaseUrl?: string;
  env: Record<string, string>;
  /** Stops the server, keeping its data (for restart tests). */
  stop(): Promise<void>;
  /** Stops the server and removes its data. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /** Reuse the data of an earlier server (restart tests). */
  reuse?: Pick<TestServer, 'dataDir' | 'databaseUrl' | 'env'>;
}

/**
 * A real server on a free port over a real database: PGlite in a fresh folder, or, when
 * DATABASE_URL is set, a fresh PostgreSQL database created for this server and dropped after.
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.reuse?.dataDir ?? mkdtempSync(path.join(tmpdir(), 'parley-test-'));
  const databaseUrl = opts.reuse?.databaseUrl ?? (process.env.DATABASE_URL ? await createDatabase(process.env.DATABASE_URL) : undefined);
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, JWT_SECRET: 'test-secret-for-postgres-runs-0123456789' } : {}),
    // Servers of other test files share the Redis: each data set counts and signals on its own keys.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `parley-test:${path.basename(dataDir)}:` } : {}),
    // Limits high enough never to interfere; rate-limit tests pass their own tiny ones.
    RATE_LIMIT_FREE_RPM: '1000000',
    TOKEN_BUDGET_FREE_DAILY: '1000000000',
    RATE_LIMIT_API_RPM: '1000000',
    // Every test user registers from 127.0.0.1; throttle tests pass their own small limits.
    THROTTLE_REGISTRATIONS_PER_HOUR: '1000000',
    THROTTLE_REFRESH_PER_MINUTE: '1000000',
    THROTTLE_LOGIN_FAILURES: '1000000',
    ...opts.reuse?.env,
    // Each server is its own instance (PORT=0 would give every one the same default id), so a
    // server started on another's data does not take that one's live replies for its own.
    INSTANCE_ID: `test-${randomBytes(6).toString('hex')}`,
    ...opts.env,
  };
  const server = await startServer(parseConfig(env));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  return {
    ...server,
    dataDir,
    databaseUrl,
    env,
    stop,
    async close() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (databaseUrl && process.env.DATABASE_URL) await dropDatabase(process.env.DATABASE_URL, databaseUrl);
    },
  };
}

async function createDatabase(baseUrl: string): Promise<string> {
  const name = `parley_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(baseUrl: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}
