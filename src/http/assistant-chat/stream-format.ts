import { sseEvent } from '../streaming/sse.ts';

export interface StreamFormat {
  contentType: string;
  /** One event, with the turn event's sequence number (an SSE id; NDJSON has no place for it). */
  encode(event: object, seq: number): string;
}

const ndjson: StreamFormat = {
  contentType: 'application/x-ndjson',
  encode: (event) => `${JSON.stringify(event)}\n`,
};

// Unnamed events, so EventSource-style clients receive them all as `message`; the type is in the data.
const sse: StreamFormat = {
  contentType: 'text/event-stream; charset=utf-8',
  encode: (event, seq) => sseEvent(JSON.stringify(event), { id: seq }),
};

/** NDJSON by default; SSE when the client accepts `text/event-stream`. */
export function streamFormatFor(accept: string | undefined): StreamFormat {
  return accept?.toLowerCase().includes('text/event-stream') ? sse : ndjson;
}
