import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHUNK, chunksOf, estimateHeight, FIRST_SHOWN, firstShown, keepShown, showMore } from '../../web/src/components/chat/thread-window.ts';
import type { Message } from '../../web/src/lib/types.ts';

function thread(length: number): Message[] {
  return Array.from({ length }, (_, i) => ({
    id: `m${i}`,
    conversation_id: 'c',
    role: i % 2 ? 'assistant' : 'user',
    content: i % 2 ? `Answer ${i}\n\n\`\`\`python\nprint(${i})\n\`\`\`` : `Question ${i}`,
    model: null,
    status: 'complete',
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    metadata: {},
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
  }));
}

describe('which messages of a long thread are in the page', () => {
  it('opens a short thread whole, and a long one on its newest messages, cut at a chunk boundary', () => {
    assert.equal(firstShown(0), 0);
    assert.equal(firstShown(FIRST_SHOWN), 0);
    assert.equal(firstShown(1000), 960);
    // 1001 messages: 961 would cut a chunk, so one more shows.
    assert.equal(firstShown(1001), 960);
    for (const length of [41, 59, 60, 61, 999, 1000, 1019]) {
      const from = firstShown(length);
      assert.equal(from % CHUNK, 0, `${length}: a chunk boundary`);
      assert.ok(length - from >= FIRST_SHOWN && length - from < FIRST_SHOWN + CHUNK, `${length}: ${length - from} shown`);
    }
  });

  it('adds a chunk at a time above, down to the first message', () => {
    assert.equal(showMore(960), 940);
    assert.equal(showMore(20), 0);
    assert.equal(showMore(0), 0);
  });

  it('keeps what the reader has opened when the thread changes, unless nothing of it would show', () => {
    // A reply regenerated: the thread is one shorter for a while; no chunk comes and goes.
    assert.equal(keepShown(960, 999), 960);
    // A new reply, or older chunks opened before: kept.
    assert.equal(keepShown(960, 1002), 960);
    assert.equal(keepShown(100, 1000), 100);
    // Another branch, much shorter: as if it had just opened.
    assert.equal(keepShown(960, 102), 60);
    assert.equal(keepShown(960, 960), 920);
  });

  it('cuts the shown messages into chunks at fixed positions, each with a height guess', () => {
    const messages = thread(1001);
    const chunks = chunksOf(messages, 960);
    assert.deepEqual(
      chunks.map((c) => [c.start, c.messages.length]),
      [
        [960, 20],
        [980, 20],
        [1000, 1],
      ],
    );
    assert.equal(chunks[0].messages[0].id, 'm960');
    assert.equal(chunks[2].messages[0].id, 'm1000');
    // Adding a chunk above leaves the others as they were.
    assert.deepEqual(
      chunksOf(messages, 940).slice(1).map((c) => c.start),
      chunks.map((c) => c.start),
    );
    assert.deepEqual(chunksOf([], 0), []);
    for (const chunk of chunks) assert.equal(chunk.estimate, chunk.messages.reduce((sum, m) => sum + estimateHeight(m), 0));
  });

  it('guesses taller heights for longer messages and for code blocks', () => {
    const short = estimateHeight({ role: 'user', content: 'Hi' });
    const long = estimateHeight({ role: 'user', content: 'word '.repeat(200) });
    const code = estimateHeight({ role: 'assistant', content: '```js\nlet a = 1;\n```' });
    const prose = estimateHeight({ role: 'assistant', content: 'x\nlet a = 1;\nx' });
    assert.ok(short > 40 && short < 120, `${short}`);
    assert.ok(long > short * 4, `${long}`);
    assert.ok(code > prose, `${code} > ${prose}`);
  });
});
