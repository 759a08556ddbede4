export interface StreamedSseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface OpenStreamOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A streamed HTTP response read incrementally, pulled one line, JSON line or SSE event at a
 * time, so a test can stop part-way, act, and read on (or abort, as a client that goes away).
 */
export class StreamReader {
  readonly status: number;
  readonly headers: Headers;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readonly controller: AbortController;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private ended = false;

  constructor(res: Response, controller: AbortController) {
    this.status = res.status;
    this.headers = res.headers;
    this.reader = res.body?.getReader();
    this.controller = controller;
  }

  /** The next line (without its line feed), or undefined once the response has ended. */
  async nextLine(): Promise<string | undefined> {
    while (true) {
      const nl = this.buffer.indexOf('\n');
      if (nl !== -1) {
        const line = this.buffer.slice(0, nl).replace(/\r$/, '');
        this.buffer = this.buffer.slice(nl + 1);
        return line;
      }
      if (this.ended || !this.reader) {
        if (!this.buffer) return undefined;
        const last = this.buffer;
        this.buffer = '';
        return last;
      }
      let chunk: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;
      try {
        chunk = await this.reader.read();
      } catch (err) {
        if (this.controller.signal.aborted) {
          this.ended = true;
          continue;
        }
        throw err;
      }
      if (chunk.done) this.ended = true;
      else this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  /** The next NDJSON object (blank lines skipped), or undefined at the end. */
  async nextJson(): Promise<any> {
    while (true) {
      const line = await this.nextLine();
      if (line === undefined) return undefined;
      if (line.trim()) return JSON.parse(line);
    }
  }

  /** The next SSE event (comments skipped), or undefined at the end. */
  async nextEvent(): Promise<StreamedSseEvent | undefined> {
    let data: string[] = [];
    let event = '';
    let id: string | undefined;
    while (true) {
      const line = await this.nextLine();
      if (line === undefined) return data.length ? { event: event || 'message', data: data.join('\n'), id } : undefined;
      if (line === '') {
        if (data.length) return { event: event || 'message', data: data.join('\n'), id };
        data = [];
        event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
  }

  async allJson(): Promise<any[]> {
    const out: any[] = [];
    for (let o = await this.nextJson(); o !== undefined; o = await this.nextJson()) out.push(o);
    return out;
  }

  async allEvents(): Promise<StreamedSseEvent[]> {
    const out: StreamedSseEvent[] = [];
    for (let e = await this.nextEvent(); e !== undefined; e = await this.nextEvent()) out.push(e);
    return out;
  }

  /** Whatever is left, as text (for error bodies). */
  async text(): Promise<string> {
    let out = '';
    for (let l = await this.nextLine(); l !== undefined; l = await this.nextLine()) out += `${l}\n`;
    return out.trimEnd();
  }

  async json(): Promise<any> {
    return JSON.parse(await this.text());
  }

  /** Closes the connection, as a client that goes away. */
  abort(): void {
    this.controller.abort();
  }
}

export async function openStream(url: string, opts: OpenStreamOptions = {}): Promise<StreamReader> {
  const controller = new AbortController();
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(url, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body, signal: controller.signal });
  return new StreamReader(res, controller);
}

/** Polls until `check` answers a truthy value; fails the test after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 15));
  }
}
