import { Worker } from 'node:worker_threads';
import type { QueryOptions, Results } from '@electric-sql/pglite';
import { deserializeError, type PgliteReply, type PgliteRequest, type PgliteStartup, type PgliteWorkerData } from './pglite-protocol.ts';

type Parsers = NonNullable<QueryOptions['parsers']>;
type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };
/** A request before the client numbers it. */
type Outgoing<R = PgliteRequest> = R extends unknown ? Omit<R, 'id'> : never;

/** What drizzle-orm/pglite calls on its client: queries, and interactive transactions. */
export interface PgliteQueryable {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
}

/**
 * PGlite in a worker thread, behind the part of PGlite's interface Drizzle uses. Queries go to the
 * worker in the order they are made and PGlite runs them one at a time, as in-process. An open
 * transaction pins the one connection: queries made outside it wait until it ends.
 */
export class PgliteWorkerClient implements PgliteQueryable {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Why the worker stopped, once it has: every later call fails with it. */
  #stopped: Error | undefined;
  /** Settles when the open transaction ends; undefined while none is open. */
  #transaction: Promise<void> | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts the worker and resolves once PGlite in it has opened `dir` (created if missing). */
  static async open(dir: string, opts: { v8Flags?: string[] } = {}): Promise<PgliteWorkerClient> {
    const workerData: PgliteWorkerData = { dir, v8Flags: opts.v8Flags ?? [] };
    const worker = new Worker(new URL('./pglite-worker.ts', import.meta.url), { workerData });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: PgliteStartup) => {
        cleanup();
        if (message.op === 'ready') resolve();
        else reject(deserializeError(message.error));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number) => onError(new Error(`the embedded database's thread exited with code ${code}`));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    const client = new PgliteWorkerClient(worker);
    worker.on('message', (reply: PgliteReply) => client.#settle(reply));
    worker.on('error', (err) => client.#stop(err));
    worker.on('exit', (code) => client.#stop(new Error(`the embedded database's thread exited with code ${code}`)));
    // Idle, the thread keeps nothing alive; a request in flight keeps the process up until answered.
    worker.unref();
    return client;
  }

  async query<T>(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<Results<T>> {
    while (this.#transaction) await this.#transaction;
    return this.#query<T>(sql, params, options);
  }

  async exec(sql: string): Promise<Results[]> {
    while (this.#transaction) await this.#transaction;
    return (await this.#call({ op: 'exec', sql })) as Results[];
  }

  /** Runs `fn` in a transaction: committed if it resolves, rolled back if it throws. */
  async transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T> {
    while (this.#transaction) await this.#transaction;
    let end = () => {};
    this.#transaction = new Promise<void>((resolve) => {
      end = resolve;
    });
    let open = true;
    const tx: PgliteQueryable = {
      query: <R>(sql: string, params: unknown[] = [], options: QueryOptions = {}) => {
        if (!open) return Promise.reject(new Error('Transaction is closed'));
        return this.#query<R>(sql, params, options);
      },
      exec: (sql: string) => {
        if (!open) return Promise.reject(new Error('Transaction is closed'));
        return this.#call({ op: 'exec', sql }) as Promise<Results[]>;
      },
    };
    try {
      await this.#call({ op: 'exec', sql: 'BEGIN' });
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        open = false;
        await this.#call({ op: 'exec', sql: 'ROLLBACK' }).catch(() => {});
        throw err;
      }
      open = false;
      await this.#call({ op: 'exec', sql: 'COMMIT' });
      return result;
    } finally {
      open = false;
      this.#transaction = undefined;
      end();
    }
  }

  /** Closes PGlite (its files written and closed), then ends the thread. */
  async close(): Promise<void> {
    while (this.#transaction) await this.#transaction;
    if (!this.#stopped) await this.#call({ op: 'close' });
    this.#stop(new Error('The embedded database is closed'));
    await this.#worker.terminate();
  }

  async #query<T>(sql: string, params: unknown[], options: QueryOptions): Promise<Results<T>> {
    const parsers = options.parsers;
    // The caller's parsers are functions and stay here: the worker leaves those types as text.
    const rawTypes = parsers ? Object.keys(parsers).map(Number) : [];
    const result = (await this.#call({ op: 'query', sql, params, rowMode: options.rowMode, rawTypes })) as Results<T>;
    if (parsers && rawTypes.length > 0) applyParsers(result, parsers);
    return result;
  }

  #call(body: Outgoing): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      // Throws (and so rejects) if a parameter cannot be copied to the thread, before anything waits for it.
      this.#worker.postMessage({ ...body, id } as PgliteRequest);
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
    });
  }

  #settle(reply: PgliteReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(deserializeError(reply.error));
  }

  #stop(reason: Error): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    for (const pending of this.#pending.values()) pending.reject(reason);
    this.#pending.clear();
    this.#worker.unref();
  }
}

/** Runs the caller's parsers on the columns of the types they name (null stays null, as PGlite does). */
function applyParsers(result: Results<unknown>, parsers: Parsers): void {
  const columns: Array<{ index: number; name: string; type: number; parse: (value: string, type: number) => unknown }> = [];
  result.fields.forEach((field, index) => {
    const parse = parsers[field.dataTypeID] as Parsers[number] | undefined;
    if (parse) columns.push({ index, name: field.name, type: field.dataTypeID, parse });
  });
  if (columns.length === 0) return;
  for (const row of result.rows as Array<Record<string | number, unknown>>) {
    const arrayMode = Array.isArray(row);
    for (const column of columns) {
      const key = arrayMode ? column.index : column.name;
      const value = row[key];
      if (value !== null && value !== undefined) row[key] = column.parse(value as string, column.type);
    }
  }
}
