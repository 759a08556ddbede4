import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// PGlite has no lock of its own: two processes writing one data folder corrupt it silently.
// A lock file names the holder; it is created atomically (`wx`) and removed on clean shutdown.

const LOCK_FILE = 'parley.lock';

interface Holder {
  pid: number;
  /** When the holder process started (Linux clock ticks since boot), to tell a reused pid apart. */
  started?: string;
  /** Unique per acquisition: a lock is only ever removed by the acquisition that wrote it. */
  token: string;
}

export interface DataDirLock {
  release(): void;
}

/** Locks this process's acquisitions hold, so a second open in the same process is refused too. */
const heldTokens = new Set<string>();

export class DataDirInUseError extends Error {}

/**
 * Takes the embedded database's folder for this process, or throws a one-line error naming
 * `DATA_DIR` and the process holding it. A lock left by a process that is gone (or whose pid
 * now belongs to another program) is taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new Error(`DATA_DIR ${dataDir} cannot be used as a data folder (${reason(err)})`);
  }
  const file = path.resolve(dataDir, LOCK_FILE);
  const me: Holder = { pid: process.pid, started: processStartTime(process.pid), token: randomUUID() };
  // Written in full under a name of its own, then linked into place: link() fails if a lock exists,
  // like the `wx` flag, and nobody can ever read a half-written lock.
  const draft = `${file}.${me.token}.tmp`;
  try {
    writeFileSync(draft, JSON.stringify(me), { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw new Error(`DATA_DIR ${dataDir} cannot be used as a data folder (${reason(err)})`);
  }
  try {
    return takeLock(dataDir, file, draft, me);
  } finally {
    try {
      unlinkSync(draft);
    } catch {}
  }
}

function takeLock(dataDir: string, file: string, draft: string, me: Holder): DataDirLock {
  // A few rounds at most: each one either takes the lock, meets a live holder, or removes a dead one.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      linkTo(draft, file, me);
      heldTokens.add(me.token);
      return { release: () => release(file, me.token) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`DATA_DIR ${dataDir} cannot be used as a data folder (${reason(err)})`);
      }
    }
    const raw = readOrUndefined(file);
    if (raw === undefined) continue; // released between our attempt and the read: try again
    const holder = parseHolder(raw);
    if (holder && isAlive(holder)) throw new DataDirInUseError(`DATA_DIR ${dataDir} is in use by process ${holder.pid}`);
    removeIfUnchanged(file, raw, me.token);
  }
  throw new DataDirInUseError(`DATA_DIR ${dataDir} is in use: its lock file ${file} keeps changing`);
}

function linkTo(draft: string, file: string, me: Holder): void {
  try {
    linkSync(draft, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Filesystems without hard links: exclusive creation, at the cost of a short window with an empty file.
    if (code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EPERM') writeFileSync(file, JSON.stringify(me), { flag: 'wx', mode: 0o644 });
    else throw err;
  }
}

/**
 * Moves the stale lock aside (atomic: of processes racing for it, one moves it) and checks that
 * what was moved is the stale lock that was inspected; a fresh lock moved by mistake is put back.
 */
function removeIfUnchanged(file: string, inspected: string, token: string): void {
  const aside = `${file}.${token}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else moved or released it; the next round sees what is there now
  }
  const moved = readOrUndefined(aside);
  if (moved !== inspected) {
    // Another process took the lock after our inspection: give it back (link fails if yet another has one now).
    try {
      linkSync(aside, file);
    } catch {}
  }
  try {
    unlinkSync(aside);
  } catch {}
}

function release(file: string, token: string): void {
  if (!heldTokens.delete(token)) return;
  const holder = parseHolder(readOrUndefined(file) ?? '');
  // Only the lock this acquisition wrote is removed, never one another process took over.
  if (holder?.token !== token) return;
  try {
    unlinkSync(file);
  } catch {}
}

function isAlive(holder: Holder): boolean {
  if (holder.pid === process.pid) return heldTokens.has(holder.token);
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (holder.started === undefined) return true;
  const started = processStartTime(holder.pid);
  // Where start times cannot be read, a live pid is taken for the holder.
  return started === undefined || started === holder.started;
}

/** The start time of a process (field 22 of /proc/<pid>/stat); undefined where /proc is absent. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function parseHolder(raw: string): Holder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<Holder>;
    if (!Number.isInteger(value.pid) || typeof value.token !== 'string') return undefined;
    return { pid: value.pid as number, started: typeof value.started === 'string' ? value.started : undefined, token: value.token };
  } catch {
    // Empty or torn (a crash while writing it): nobody can be holding it.
    return undefined;
  }
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
