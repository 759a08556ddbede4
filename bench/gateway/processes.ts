import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

/** A process the benchmark started, known by its pid, with what it printed. */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  output(): string;
}

/** Starts `node <args>` (this same Node) with exactly the given environment. */
export function startNode(name: string, args: string[], opts: { env: Record<string, string>; cwd?: string }): Child {
  const child = spawn(process.execPath, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  let output = '';
  const keep = (d: Buffer) => {
    // The last few kilobytes are enough to explain a failure.
    output = (output + d.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, pid: child.pid, process: child, output: () => output };
}

/** Resolves once `url` answers (any status below 500), failing when the process exits or after the deadline. */
export async function waitForHttp(child: Child, url: string, init: RequestInit = {}, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited with ${child.process.exitCode}: ${child.output()}`);
    const ok = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status < 500;
      },
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${child.name} did not answer ${url}: ${child.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a child by its pid: SIGTERM, then SIGKILL if it has not ended after `graceMs`. */
export async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = once(p, 'exit');
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (p.exitCode === null && p.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Resident memory now (VmRSS) and its peak so far (VmHWM), in MB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU time the process has used so far (user + system), in milliseconds, from /proc/<pid>/stat. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), counted from field 3: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const USER_HZ = 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}
