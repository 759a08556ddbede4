import assert from 'node:assert/strict';
import { test } from 'node:test';
import { repeatedLead, type TranscriptEntry } from '../../../src/core/chat/transcript.ts';

const entry = (role: TranscriptEntry['role'], content: string): TranscriptEntry => ({ role, content });

/** The definition, tried overlap by overlap: the longest lead of `incoming` that ends `stored`. */
function byDefinition(stored: TranscriptEntry[], incoming: TranscriptEntry[]): number {
  for (let k = Math.min(stored.length, incoming.length); k > 0; k--) {
    const tail = stored.slice(stored.length - k);
    if (tail.every((e, i) => e.role === incoming[i].role && e.content === incoming[i].content)) return k;
  }
  return 0;
}

test('finds a resent history, a resent recent part, and nothing when nothing repeats', () => {
  const stored = [entry('user', 'a'), entry('assistant', 'b'), entry('user', 'c'), entry('assistant', 'd')];
  assert.equal(repeatedLead(stored, [...stored, entry('user', 'e')]), 4);
  assert.equal(repeatedLead(stored, [entry('user', 'c'), entry('assistant', 'd'), entry('user', 'e')]), 2);
  assert.equal(repeatedLead(stored, [entry('user', 'e')]), 0);
  assert.equal(repeatedLead([], [entry('user', 'e')]), 0);
  // The same text from another role is another message.
  assert.equal(repeatedLead(stored, [entry('user', 'd')]), 0);
});

test('agrees with the definition on many small random histories', () => {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const history = (n: number) =>
    Array.from({ length: n }, () => entry(random() < 0.5 ? 'user' : 'assistant', String(Math.floor(random() * 2))));
  for (let i = 0; i < 5000; i++) {
    const stored = history(Math.floor(random() * 8));
    const incoming = history(Math.floor(random() * 8));
    if (random() < 0.4) incoming.unshift(...stored.slice(Math.floor(random() * (stored.length + 1))));
    assert.equal(repeatedLead(stored, incoming), byDefinition(stored, incoming), JSON.stringify({ stored, incoming }));
  }
});
