import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser } from '../../src/providers/sse-parser.ts';

/** Every event the parser dispatches for the stream fed in these pieces, as [event, data]. */
function parse(...pieces: string[]): [string, string][] {
  const events: [string, string][] = [];
  const parser = new SseParser((data, event) => events.push([event, data]));
  for (const piece of pieces) parser.push(piece);
  return events;
}

/** The stream cut in two at every position: each split must give the same events as the whole. */
function assertSplitAnywhere(stream: string, expected: [string, string][]) {
  assert.deepEqual(parse(stream), expected, 'whole');
  for (let i = 1; i < stream.length; i++) {
    assert.deepEqual(parse(stream.slice(0, i), stream.slice(i)), expected, `split at ${i}: ${JSON.stringify(stream.slice(0, i))}`);
  }
  assert.deepEqual(parse(...stream), expected, 'one character at a time');
}

describe('the SSE parser', () => {
  it('dispatches an event per blank line, with its data, however the text is split', () => {
    assertSplitAnywhere('data: {"a":1}\n\ndata: {"b":"é ✓"}\n\ndata: [DONE]\n\n', [
      ['', '{"a":1}'],
      ['', '{"b":"é ✓"}'],
      ['', '[DONE]'],
    ]);
  });

  it('takes \\r\\n and a lone \\r as line ends, also when a \\r\\n pair is split', () => {
    const expected: [string, string][] = [
      ['', 'one'],
      ['', 'two'],
      ['', 'three'],
    ];
    assertSplitAnywhere('data: one\r\n\r\ndata: two\r\rdata: three\n\r\n', expected);
    // A \r closing one piece and the \n opening the next are one line end, not an empty line.
    assert.deepEqual(parse('data: a\r', '\ndata: b\r', '\n\r', '\n'), [['', 'a\nb']]);
  });

  it('joins multi-line data with \\n and keeps the event type', () => {
    assertSplitAnywhere('event: error\ndata: {"error":\ndata:  {"message":"x"}}\n\ndata:no-space\n\n', [
      ['error', '{"error":\n {"message":"x"}}'],
      ['', 'no-space'],
    ]);
  });

  it('skips comments, id, retry and unknown fields, and blank lines without data', () => {
    assertSplitAnywhere(': keep-alive\n\n:another\nid: 7\nretry: 1000\nfoo: bar\ndata: kept\n\nevent: ping\n\n\n\ndata: after\n\n', [
      ['', 'kept'],
      ['', 'after'],
    ]);
  });

  it('drops an event left unfinished when the stream ends, and sends an empty data line as empty data', () => {
    assert.deepEqual(parse('data: whole\n\ndata: cut off'), [['', 'whole']]);
    assert.deepEqual(parse('data: whole\n\ndata: cut off\n'), [['', 'whole']]);
    assert.deepEqual(parse('data:\n\n'), [['', '']]);
  });
});
