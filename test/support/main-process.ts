import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unusedPort } from './ports.ts';
import { startFlags } from './start-flags.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A server running as `node src/main.ts` (with `npm start`'s Node flags) in its own process, so that it can be killed. */
export interface MainProcess {
  url: string;
  process: ChildProcess;
  output(): string;
}

/**
 * Starts `node src/main.ts` (with `npm start`'s Node flags) with exactly the given settings on a port of its own, resolved once
 * it answers /healthz: it listens only after its start-up recovery, so from then on it is ready.
 */
export async function startMainProcess(env: Record<string, string>): Promise<MainProcess> {
  const port = await unusedPort();
  const child = spawn(process.execPath, [...startFlags, 'src/main.ts'], { cwd: root, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (true) {
    if (child.exitCode !== null) assert.fail(`the server exited with ${child.exitCode}: ${output}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, process: child, output: () => output };
    if (Date.now() > deadline) assert.fail(`the server did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends a signal unless the process has ended, then waits for it to end. */
export async function killMainProcess(child: MainProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = once(child.process, 'exit');
  child.process.kill(signal);
  await exited;
}
