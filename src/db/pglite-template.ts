import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';

// A fresh data folder starts as a copy of one PGlite initialized before, instead of running
// initdb: initdb starts a second PostgreSQL beside the first (the largest memory peak of a first
// start) and is most of its time. The copy is made once per PGlite version, the first time a
// folder is initialized, and kept with the installed packages.

/** Where the initialized folder of this PGlite version is kept, in node_modules/.cache beside PGlite. */
function templateFile(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const packageDir = entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`));
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const nodeModules = path.resolve(packageDir, '..', '..');
  return path.join(nodeModules, '.cache', 'parley', `pglite-${version}-initialized.tar.gz`);
}

/** Whether PGlite's folder `dir` holds no database yet. */
export const isEmptyDataDir = (dir: string) => !existsSync(path.join(dir, 'PG_VERSION'));

/**
 * The initialized folder to start a fresh one from, if one was kept and is whole: a damaged copy
 * (its gzip does not unpack) is dropped here, as PGlite's loader would fail on it out of reach
 * of any catch.
 */
export function readTemplate(): Blob | undefined {
  let kept: Buffer;
  try {
    kept = readFileSync(templateFile());
  } catch {
    return undefined;
  }
  try {
    gunzipSync(kept);
  } catch {
    discardTemplate();
    return undefined;
  }
  return new Blob([new Uint8Array(kept)]);
}

/** Forgets the kept copy (it could not be loaded); the next fresh folder runs initdb and keeps a new one. */
export function discardTemplate(): void {
  try {
    rmSync(templateFile(), { force: true });
  } catch {
    // Nothing kept, or not removable: the next start tries it again and falls back again.
  }
}

/**
 * Keeps a copy of `db`'s folder, which initdb has just made, for the next fresh folders. Checkpointed
 * first, so a copy needs no recovery; written under a name of its own and renamed into place, so a
 * reader never sees half of it. Failing (a read-only install) only costs later starts their initdb.
 */
export async function saveTemplate(db: PGlite): Promise<void> {
  let file: string;
  try {
    file = templateFile();
  } catch {
    return;
  }
  const draft = `${file}.${randomUUID()}.tmp`;
  try {
    await db.exec('CHECKPOINT');
    const dump = await db.dumpDataDir('gzip');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(draft, new Uint8Array(await dump.arrayBuffer()), { flag: 'wx' });
    renameSync(draft, file);
  } catch {
    rmSync(draft, { force: true });
  }
}
