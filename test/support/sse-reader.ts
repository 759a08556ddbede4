export interface SseEvent {
  /** `message` unless the event named itself. */
  event: string;
  /** The `data:` lines joined with line feeds, as an EventSource delivers them. */
  data: string;
  id?: string;
  /** performance.now() when the event was complete on the client. */
  at: number;
}

export interface SseResponse {
  status: number;
  headers: Headers;
  /** The events as they arrive; ends with the response. */
  events(): AsyncGenerator<SseEvent>;
  /** Every event until the response ends. */
  all(): Promise<SseEvent[]>;
  /** The body as JSON, for a response that is not a stream (an error). */
  json(): Promise<any>;
  /** Closes the connection, as a client that goes away. */
  abort(): void;
}

/** POSTs JSON and reads the reply as Server-Sent Events, parsed by the format's rules. */
export async function postSse(url: string, body: unknown, opts: { token?: string; headers?: Record<string, string> } = {}): Promise<SseResponse> {
  const controller = new AbortController();
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal });
  async function* events(): AsyncGenerator<SseEvent> {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let data: string[] = [];
    let event = '';
    let id: string | undefined;
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        // A lone \r at the end may be the first half of \r\n: wait for more.
        const lines = buffer.split(/\r\n|\n|\r(?!$)/);
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line === '') {
            if (data.length) yield { event: event || 'message', data: data.join('\n'), id, at: performance.now() };
            data = [];
            event = '';
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          let value = colon === -1 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'data') data.push(value);
          else if (field === 'event') event = value;
          else if (field === 'id') id = value;
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
  }
  return {
    status: res.status,
    headers: res.headers,
    events,
    async all() {
      const out: SseEvent[] = [];
      for await (const e of events()) out.push(e);
      return out;
    },
    async json() {
      return JSON.parse(await res.text());
    },
    abort: () => controller.abort(),
  };
}

/** The tokens of a seed 002 stream: every plain event before `[DONE]`. */
export function tokensOf(events: SseEvent[]): string[] {
  const done = events.findIndex((e) => e.event === 'message' && e.data === '[DONE]');
  return events.slice(0, done === -1 ? events.length : done).filter((e) => e.event === 'message').map((e) => e.data);
}
