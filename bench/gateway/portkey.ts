import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, startNode, waitForHttp } from './processes.ts';

/** The Portkey gateway release measured against; installed on first use, apart from the project's dependencies. */
export const PORTKEY_VERSION = '1.15.2';
// The versions of Portkey's own lockfile for this release. Its package.json allows any
// @hono/node-server 1.x; from 1.14 on, a streamed reply fails with `TypeError: immutable` (its
// Response keeps the upstream's immutable headers, which Portkey then appends to).
const PINNED = ['@hono/node-server@1.13.5', '@hono/node-ws@1.2.0', 'hono@4.9.7'];

const here = path.dirname(fileURLToPath(import.meta.url));
const installDir = path.resolve(here, '../.portkey');
const packageDir = path.join(installDir, 'node_modules/@portkey-ai/gateway');
const entry = path.join(packageDir, 'build/start-server.js');

/** Installs `@portkey-ai/gateway@PORTKEY_VERSION` (with its pinned HTTP server) into bench/.portkey unless they are there. */
export function ensurePortkey(log: (line: string) => void): void {
  const versionOf = (dir: string) => existsSync(path.join(dir, 'package.json')) && (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const server = versionOf(path.join(installDir, 'node_modules/@hono/node-server'));
  // Portkey must resolve the pinned server (no copy of its own nested under it).
  const nested = existsSync(path.join(packageDir, 'node_modules/@hono/node-server'));
  if (existsSync(entry) && versionOf(packageDir) === PORTKEY_VERSION && `@hono/node-server@${server}` === PINNED[0] && !nested) return;
  log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${path.relative(process.cwd(), installDir)} ...`);
  execFileSync('npm', ['install', '--prefix', installDir, '--no-audit', '--no-fund', '--loglevel=error', `@portkey-ai/gateway@${PORTKEY_VERSION}`, ...PINNED], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/**
 * Starts Portkey's Node server (headless: no console UI) on 127.0.0.1:port and resolves once it
 * answers. Requests name the provider and upstream in headers (see `portkeyHeaders`).
 */
export async function startPortkey(port: number): Promise<Child> {
  const child = startNode('portkey', ['--import', path.join(here, 'loopback-listen.ts'), entry, `--port=${port}`, '--headless'], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production' },
  });
  await waitForHttp(child, `http://127.0.0.1:${port}/`);
  return child;
}

/** Routes a request through Portkey to an OpenAI-compatible upstream at `upstreamUrl` (ending in /v1). */
export function portkeyHeaders(upstreamUrl: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstreamUrl, authorization: 'Bearer sk-bench' };
}
