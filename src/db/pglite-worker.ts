// The embedded database's thread: PGlite (its WebAssembly, its JavaScript, its synchronous file
// writes) runs here, so HTTP and the database use a core each. Started by pglite-client.ts.
import { mkdirSync, rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { ParserOptions, PGlite } from '@electric-sql/pglite';
import { discardTemplate, isEmptyDataDir, readTemplate, saveTemplate } from './pglite-template.ts';
import { type PgliteReply, type PgliteRequest, type PgliteStartup, type PgliteWorkerData, serializeError } from './pglite-protocol.ts';

const port = parentPort;
if (!port) throw new Error('pglite-worker.ts runs as a worker thread');
const { dir, v8Flags } = workerData as PgliteWorkerData;

// Before PGlite's module is imported: its WebAssembly is compiled as it loads.
for (const flag of v8Flags) setFlagsFromString(flag);

const keepText = (value: string) => value;
const rawParsers = new Map<string, ParserOptions>();
/** PGlite parsers that leave these column types as text (the caller's own parsers run on them). */
function parsersKeeping(types: number[]): ParserOptions | undefined {
  if (types.length === 0) return undefined;
  const key = types.join(',');
  let parsers = rawParsers.get(key);
  if (!parsers) {
    parsers = Object.fromEntries(types.map((type) => [type, keepText]));
    rawParsers.set(key, parsers);
  }
  return parsers;
}

let db: PGlite;
try {
  const { PGlite } = await import('@electric-sql/pglite');
  mkdirSync(dir, { recursive: true });
  const fresh = isEmptyDataDir(dir);
  const template = fresh ? readTemplate() : undefined;
  db = await PGlite.create(dir, template ? { loadDataDir: template } : {}).catch(async (err: unknown) => {
    if (!template) throw err;
    // A kept copy that cannot be loaded (damaged) is dropped, and the folder initialized afresh.
    discardTemplate();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return PGlite.create(dir);
  });
  if (fresh && !template) await saveTemplate(db);
} catch (err) {
  port.postMessage({ op: 'failed', error: serializeError(err) } satisfies PgliteStartup);
  port.close();
  throw err;
}

function run(request: PgliteRequest): Promise<unknown> {
  switch (request.op) {
    case 'query':
      return db.query(request.sql, request.params, { rowMode: request.rowMode, parsers: parsersKeeping(request.rawTypes) });
    case 'exec':
      return db.exec(request.sql);
    case 'close':
      return db.close();
  }
}

// Each request starts at once, in arrival order: PGlite runs them one at a time in that order.
port.on('message', (request: PgliteRequest) => {
  run(request).then(
    (result) => {
      try {
        port.postMessage({ id: request.id, ok: true, result } satisfies PgliteReply);
      } catch (err) {
        // A value the structured clone cannot copy: the caller gets the reason instead of no answer.
        port.postMessage({ id: request.id, ok: false, error: serializeError(err) } satisfies PgliteReply);
      }
      if (request.op === 'close') port.close();
    },
    (err: unknown) => port.postMessage({ id: request.id, ok: false, error: serializeError(err) } satisfies PgliteReply),
  );
});
port.postMessage({ op: 'ready' } satisfies PgliteStartup);
