import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Client, client } from '../support/http.ts';
import { dropDatabase, startTestServer, type TestServer } from '../support/server.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  env: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** The Node.js to run the launcher with, and arguments before it. */
  node?: string;
  nodeArgs?: string[];
}

/** Runs `bin/parley.mjs` as an operator does, with exactly the given settings (nothing of the test runner's leaks in). */
export function parley(args: string[], run: CliRun): Promise<CliResult> {
  const child = spawn(run.node ?? process.execPath, [...(run.nodeArgs ?? []), 'bin/parley.mjs', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...run.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(run.input ?? '');
  // A command that hangs fails its test instead of the whole run.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** The stderr of a failed command: exactly one line, returned. */
export function oneLine(result: CliResult, exitCode = 1): string {
  assert.equal(result.code, exitCode, `exit code; stdout: ${result.stdout}; stderr: ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`);
  return lines[0];
}

/** The stdout of a command that succeeded, its lines. */
export function succeeded(result: CliResult): string[] {
  assert.equal(result.code, 0, `stdout: ${result.stdout}; stderr: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line !== '');
}

/** Storage no server has used yet: a fresh DATA_DIR, and with DATABASE_URL a fresh PostgreSQL database. */
export interface DataSet {
  dataDir: string;
  databaseUrl?: string;
  /** The settings a server and the command line share over this storage. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function emptyDataSet(): Promise<DataSet> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
  const base = process.env.DATABASE_URL;
  const databaseUrl = base ? await createDatabase(base) : undefined;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, JWT_SECRET: 'test-secret-for-postgres-runs-0123456789' } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `parley-test:${path.basename(dataDir)}:` } : {}),
  };
  return {
    dataDir,
    databaseUrl,
    env,
    async remove() {
      rmSync(dataDir, { recursive: true, force: true });
      if (base && databaseUrl) await dropDatabase(base, databaseUrl);
    },
  };
}

async function createDatabase(baseUrl: string): Promise<string> {
  const name = `parley_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface CliFixture {
  /** The data set, once the `before` hook has made it. */
  data(): DataSet;
  /** Runs a command over the data set, with more settings if given. */
  cli(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<CliResult>;
  /** Starts a server on the data set for the length of `use`, then stops it (the embedded database serves one process). */
  withServer<T>(use: (api: Client, server: TestServer) => Promise<T>): Promise<T>;
}

/** Hooks giving a describe block an empty data set, removed at the end. */
export function useCliData(): CliFixture {
  let data: DataSet | undefined;
  before(async () => {
    data = await emptyDataSet();
  });
  after(async () => {
    await data?.remove();
  });
  const handle: CliFixture = {
    data: () => data as DataSet,
    cli: (args, opts = {}) => parley(args, { env: { ...handle.data().env, ...opts.env }, input: opts.input }),
    async withServer(use) {
      const server = await startTestServer({ reuse: handle.data() });
      try {
        return await use(client(server.url), server);
      } finally {
        await server.stop();
      }
    },
  };
  return handle;
}

export const randomEmail = (name = 'user') => `${name}-${randomBytes(5).toString('hex')}@example.test`;
export const randomPassword = () => `pw-${randomBytes(8).toString('hex')}`;
