import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSse, SseParser, type SseEvent } from '../../web/src/lib/sse.ts';

/** A response body delivering `bytes` in chunks cut at the given offsets. */
function body(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const bounds = [0, ...cuts, bytes.length];
  const chunks = bounds.slice(1).map((end, i) => bytes.slice(bounds[i], end));
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(stream)) events.push(event);
  return events;
}

const STREAM = [
  ': connected',
  'id: 1',
  'event: delta',
  'data: {"text":"héllo 你好 👋"}',
  '',
  ': heartbeat',
  '',
  'id: 2',
  'data: first line',
  'data:second line',
  'data:  indented',
  '',
  'event: done',
  'data',
  '',
];
const EXPECTED: SseEvent[] = [
  { id: '1', event: 'delta', data: '{"text":"héllo 你好 👋"}' },
  { id: '2', event: 'message', data: 'first line\nsecond line\n indented' },
  { id: undefined, event: 'done', data: '' },
];

describe('readSse', () => {
  it('reads the same events wherever the chunks are cut, even inside a character', async () => {
    const bytes = new TextEncoder().encode(STREAM.join('\n'));
    assert.deepEqual(await collect(body(bytes, [])), EXPECTED);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(await collect(body(bytes, [cut])), EXPECTED, `cut at ${cut}`);
    }
    // Every byte on its own.
    assert.deepEqual(await collect(body(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))), EXPECTED);
  });

  it('reads CRLF and CR line endings like LF, cut anywhere', async () => {
    for (const eol of ['\r\n', '\r']) {
      const bytes = new TextEncoder().encode(STREAM.join(eol));
      for (let cut = 1; cut < bytes.length; cut++) {
        assert.deepEqual(await collect(body(bytes, [cut])), EXPECTED, `${JSON.stringify(eol)} cut at ${cut}`);
      }
    }
  });

  it('delivers a last event the stream ends without a blank line after', async () => {
    const bytes = new TextEncoder().encode('data: a\n\ndata: b');
    assert.deepEqual(await collect(body(bytes, [3])), [
      { id: undefined, event: 'message', data: 'a' },
      { id: undefined, event: 'message', data: 'b' },
    ]);
  });
});

describe('SseParser', () => {
  it('keeps an unfinished event for the next chunk', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('event: delta\ndata: one\n'), []);
    assert.deepEqual(parser.push('data: two\n'), []);
    assert.deepEqual(parser.push('\n'), [{ id: undefined, event: 'delta', data: 'one\ntwo' }]);
  });

  it('drops comments and blocks without data, and ignores unknown fields', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push(': ping\n\n:\n\nevent: lonely\n\nretry: 1000\nfoo: bar\ndata: x\n\n'), [{ id: undefined, event: 'message', data: 'x' }]);
  });

  it('answers every event a chunk completes, in order', () => {
    const parser = new SseParser();
    const events = parser.push('data: 1\n\ndata: 2\r\n\r\ndata: 3\r\rdata: 4');
    assert.deepEqual(
      events.map((e) => e.data),
      ['1', '2', '3'],
    );
    assert.deepEqual(parser.push('\n\n'), [{ id: undefined, event: 'message', data: '4' }]);
  });
});
