import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import {
  EXACT_CHARS,
  estimatePromptTokens,
  estimateTextTokens,
  MAX_RUN,
  SAMPLE_CHARS,
  SAMPLE_WINDOWS,
  TokenEstimator,
} from '../../../src/core/chat/token-estimate.ts';

const plain = (text: string) => countTokens(text, { disallowedSpecial: new Set() });

/** A pseudo-random generator with a seed, so every run checks the same texts. */
function seeded(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

function prose(chars: number, seed = 1): string {
  const random = seeded(seed);
  const vocabulary = ['harbour', 'ship', 'tide', 'moon', 'the', 'a', 'of', 'sailors', 'rope', 'navigation', 'lighthouse', 'storm'];
  let text = '';
  while (text.length < chars) {
    const word = vocabulary[Math.floor(random() * vocabulary.length)];
    const letters = Array.from({ length: 1 + Math.floor(random() * 7) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
    text += `${random() < 0.3 ? letters : word}${random() < 0.08 ? '. ' : random() < 0.05 ? ', ' : ' '}`;
  }
  return text.slice(0, chars);
}

function chinese(chars: number): string {
  const random = seeded(7);
  return Array.from({ length: chars }, (_, i) => (i % 24 === 23 ? '。' : String.fromCharCode(0x4e00 + Math.floor(random() * 3000)))).join('');
}

/** An estimator whose tokenizer calls are recorded: the texts it was given, by length. */
function spied() {
  const calls: number[] = [];
  const estimator = new TokenEstimator((text) => {
    calls.push(text.length);
    return plain(text);
  });
  return { estimator, calls, chars: () => calls.reduce((sum, n) => sum + n, 0) };
}

describe('token estimates', () => {
  it('count ordinary text exactly as the tokenizer does, up to the exact limit', () => {
    for (const text of ['Hello, world!', 'Tides follow the moon.', prose(2_000, 3), prose(EXACT_CHARS, 4), chinese(3_000)]) {
      assert.equal(estimateTextTokens(text), plain(text), `${text.length} characters`);
    }
    assert.equal(estimateTextTokens(''), 0);
  });

  it('count special-token markers in a user’s text as plain text instead of throwing', () => {
    const text = 'please ignore <|endoftext|> and <|im_start|>system';
    assert.equal(estimateTextTokens(text), plain(text));
    assert.ok(estimateTextTokens(text) > 5);
  });

  it('estimate longer text within a few percent of the tokenizer’s count', () => {
    const cases = [prose(50_000, 5), prose(100_000, 6), chinese(60_000), 'function add(a, b) {\n  return a + b;\n}\n'.repeat(2_000)];
    for (const text of cases) {
      const estimate = estimateTextTokens(text);
      const real = plain(text);
      assert.ok(Math.abs(estimate / real - 1) < 0.03, `${text.length} characters: ${estimate} estimated, ${real} counted`);
    }
  });

  it('estimate a prompt as framing plus its messages, exactly when it is short', () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'What makes the tides?' },
    ];
    assert.equal(estimatePromptTokens(messages), 3 + 4 * 2 + plain('Be brief.') + plain('What makes the tides?'));
    const long = Array.from({ length: 400 }, (_, i) => ({ role: 'user' as const, content: prose(1_000, 10 + i) }));
    const real = 3 + long.reduce((sum, m) => sum + 4 + plain(m.content), 0);
    const estimate = estimatePromptTokens(long);
    assert.ok(Math.abs(estimate / real - 1) < 0.03, `${estimate} estimated, ${real} counted`);
  });

  it('estimate a 1,000,000-character word within a sane factor of its length', () => {
    const word = 'a'.repeat(1_000_000);
    const estimate = estimateTextTokens(word);
    // The tokenizer itself gives one token per eight `a`s on long runs.
    assert.ok(estimate >= word.length / 16 && estimate <= word.length, `${estimate}`);
    const random = seeded(11);
    const noise = Array.from({ length: 1_000_000 }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
    const noisy = estimateTextTokens(noise);
    assert.ok(noisy >= noise.length / 8 && noisy <= noise.length, `${noisy}`);
  });

  it('hand the tokenizer a bounded amount of text in bounded pieces, whatever the input', () => {
    const budget = SAMPLE_WINDOWS * SAMPLE_CHARS;
    for (const text of ['x'.repeat(1_000_000), ' '.repeat(1_000_000), prose(1_048_576, 2), chinese(100_000), `${'!'.repeat(500_000)}y`]) {
      const spy = spied();
      spy.estimator.text(text);
      assert.ok(spy.chars() <= budget, `${spy.chars()} characters tokenized for ${text.length}`);
      assert.ok(spy.calls.length > 0);
    }
    // At the exact limit, runs of one kind are still cut: no piece the tokenizer sees is long.
    const spy = spied();
    spy.estimator.text(`${'b'.repeat(EXACT_CHARS - 10)} tail`);
    assert.ok(Math.max(...spy.calls) <= MAX_RUN, `longest piece ${Math.max(...spy.calls)}`);
    assert.ok(spy.chars() <= EXACT_CHARS);
  });

  it('hand the tokenizer a bounded amount of a prompt of many messages', () => {
    const spy = spied();
    const messages = Array.from({ length: 1000 }, (_, i) => ({ role: 'user' as const, content: prose(1_000, i) }));
    const estimate = spy.estimator.prompt(messages);
    assert.ok(spy.chars() <= SAMPLE_WINDOWS * SAMPLE_CHARS, `${spy.chars()} characters tokenized`);
    assert.ok(estimate > 1000 * 4);
  });

  it('grow linearly: ten times the text, ten times the estimate and the same tokenizer work', () => {
    const word = 'qz'.repeat(50_000);
    const small = spied();
    const large = spied();
    const a = small.estimator.text(word);
    const b = large.estimator.text(word.repeat(10));
    assert.ok(Math.abs(b / a - 10) < 0.5, `${a} then ${b}`);
    assert.ok(large.chars() <= small.chars() * 1.1, `${small.chars()} then ${large.chars()} characters tokenized`);
  });
});
