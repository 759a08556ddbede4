/**
 * An incremental parser of server-sent events (the WHATWG event-stream format) over decoded text.
 * Text may be split anywhere, also between a `\r` and its `\n`; lines end with `\n`, `\r\n` or `\r`.
 * Comments (`:` lines), `id`, `retry` and unknown fields are skipped. An event is dispatched at a blank
 * line when it has data; its `data:` lines are joined with `\n`. An event left unfinished when the
 * stream ends is dropped, as the format says.
 */
export class SseParser {
  private pending = '';
  private data: string[] = [];
  private event = '';
  // A chunk ended on `\r`: a `\n` opening the next one belongs to the same line end.
  private afterCr = false;
  private readonly onEvent: (data: string, event: string) => void;

  /** `onEvent` gets each event's data and its type (`''` when the event named none). */
  constructor(onEvent: (data: string, event: string) => void) {
    this.onEvent = onEvent;
  }

  /** Feeds the next piece of the stream, already decoded from UTF-8. */
  push(text: string): void {
    if (!text) return;
    let start = 0;
    if (this.afterCr) {
      this.afterCr = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    const length = text.length;
    let i = start;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) {
        i++;
        continue;
      }
      const piece = text.slice(start, i);
      const line = this.pending ? this.pending + piece : piece;
      this.pending = '';
      this.line(line);
      i++;
      if (c === 13) {
        if (i === length) this.afterCr = true;
        else if (text.charCodeAt(i) === 10) i++;
      }
      start = i;
    }
    if (start < length) this.pending += text.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length) {
        const data = this.data.length === 1 ? this.data[0] : this.data.join('\n');
        const event = this.event;
        this.data = [];
        this.event = '';
        this.onEvent(data, event);
      } else this.event = '';
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' starts a comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}
