// The messages between the embedded database's worker thread and the client that forwards to it.
// Values cross as structured clones (one copy each way): rows as plain objects or arrays, Dates,
// bigints, Uint8Arrays and parsed JSON arrive as PGlite made them.

export interface PgliteWorkerData {
  /** The folder PGlite keeps its files in. */
  dir: string;
  /** V8 flags set in the worker before PGlite's WebAssembly module is compiled (they are process-wide). */
  v8Flags: string[];
}

export type PgliteRequest =
  | {
      id: number;
      op: 'query';
      sql: string;
      params: unknown[];
      rowMode: 'array' | 'object' | undefined;
      /** Column types the caller parses itself: the worker leaves their values as PostgreSQL's text. */
      rawTypes: number[];
    }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'close' };

export type PgliteReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

/** What the worker says once, before any reply: PGlite is open, or why it is not. */
export type PgliteStartup = { op: 'ready' } | { op: 'failed'; error: SerializedError };

/** An error's message and its own primitive fields (a PostgreSQL error's `code`, `constraint`, `detail`...). */
export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, string | number | boolean>;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: SerializedError['fields'] = {};
  for (const [key, value] of Object.entries(err)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { name: err.name, message: err.message, fields };
}

/** The database error as the caller's thread sees it: its fields on an Error made here, with this thread's stack. */
export function deserializeError(serialized: SerializedError): Error {
  const err = Object.assign(new Error(serialized.message), serialized.fields);
  Object.defineProperty(err, 'name', { value: serialized.name, enumerable: false, configurable: true, writable: true });
  return err;
}
