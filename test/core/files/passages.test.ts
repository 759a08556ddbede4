import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import { PASSAGE_TOKENS, splitIntoPassages } from '../../../src/core/files/passages.ts';

const words = (s: string) => s.split(/\s+/).filter(Boolean);

describe('splitting pages into passages', () => {
  it('keeps a short page whole and numbers pages from 1', async () => {
    const passages = await splitIntoPassages(['One short page.', '', 'Third page.']);
    assert.deepEqual(
      passages.map((p) => [p.page, p.position, p.content]),
      [
        [1, 0, 'One short page.'],
        [3, 0, 'Third page.'],
      ],
    );
    assert.equal(passages[0].tokens, countTokens('One short page.'));
  });

  it('cuts a long page on sentence boundaries into passages within the target, losing no word', async () => {
    const sentences = Array.from({ length: 120 }, (_, i) => `Sentence number ${i} talks about the harbour, the ships and the tides.`);
    const page = sentences.join(' ');
    const passages = await splitIntoPassages([page]);
    assert.ok(passages.length > 3);
    for (const p of passages) {
      assert.ok(countTokens(p.content) <= PASSAGE_TOKENS, `${countTokens(p.content)} tokens`);
      assert.match(p.content, /^Sentence number \d+ .*tides\.$/);
    }
    assert.deepEqual(
      passages.map((p) => p.position),
      passages.map((_, i) => i),
    );
    assert.deepEqual(words(passages.map((p) => p.content).join(' ')), words(page));
  });

  it('cuts a sentence longer than a passage, and a word longer than one', async () => {
    const endless = 'word '.repeat(1000).trim();
    const blob = 'x'.repeat(5000);
    for (const text of [endless, blob]) {
      const passages = await splitIntoPassages([text], 100);
      assert.ok(passages.length > 1);
      for (const p of passages) assert.ok(countTokens(p.content) <= 100, `${countTokens(p.content)} tokens`);
      assert.equal(passages.map((p) => p.content).join('').replace(/\s+/g, ''), text.replace(/\s+/g, ''));
    }
  });
});
