import { createRequire } from 'node:module';
import type * as GptTokenizer from 'gpt-tokenizer';
import type { PromptMessage } from '../../providers/types.ts';

// Token counts for usage that a provider did not report, and for budget checks before a call.
//
// gpt-tokenizer's byte-pair merge is quadratic in the length of one pre-token (a run of
// letters, of punctuation or of spaces), and it counts between about one and ten million
// characters a second (random letters and CJK at the low end): a megabyte in one call would
// hold the event loop for a tenth of a second or more. So:
// - runs longer than MAX_RUN characters are counted in MAX_RUN slices (a cut costs at most
//   about one token of accuracy, and only text no one writes by hand has such runs);
// - texts up to EXACT_CHARS are counted whole, exactly as the tokenizer would;
// - longer ones are estimated from SAMPLE_WINDOWS evenly spaced windows of SAMPLE_CHARS:
//   their tokens per character, times the length. The tokenizer never sees more than about
//   EXACT_CHARS characters per estimate, whatever the size of the text.

/** Longest run of one kind of character the tokenizer is given in one piece. */
export const MAX_RUN = 64;
/** Texts (and prompts, all messages together) up to this length are counted exactly. */
export const EXACT_CHARS = 8_000;
export const SAMPLE_WINDOWS = 32;
export const SAMPLE_CHARS = 192;
/** How far a window's edges move to fall between words rather than inside one. */
const SNAP_CHARS = 32;

// Per-message framing tokens, as in OpenAI's chat format; an estimate for any provider.
const PER_MESSAGE = 4;
const PER_PROMPT = 3;

// The pre-tokens whose merge cost grows with their length: letters (with marks), other
// symbols, whitespace. Digits are split in threes by the tokenizer itself.
const LONG_RUN = new RegExp(`[\\p{L}\\p{M}]{${MAX_RUN + 1},}|[^\\s\\p{L}\\p{N}]{${MAX_RUN + 1},}|\\s{${MAX_RUN + 1},}`, 'gu');

// `<|endoftext|>` and the like in a user's text are plain text; by default the tokenizer throws.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export type TokenCounter = (text: string) => number;

// The tokenizer's tables (o200k_base) take about 60 MB of resident memory and up to a second
// of loading, which only exact counts need: the usage of a reply whose provider reported none,
// document passages, budget holds. They are loaded by
// `loadTokenizer()` or the first exact count: most of loading is evaluating the tables'
// module, which holds the event loop whether it is required or imported.
let counter: TokenCounter | undefined;

function tokenizer(): TokenCounter {
  if (counter) return counter;
  const api = createRequire(import.meta.url)('gpt-tokenizer') as typeof GptTokenizer;
  // The tokenizer's merge cache evicts its oldest entry by deleting the first key of a Map; once
  // it is full, finding that key skips every earlier deletion, so a stream of new words (a
  // document being indexed, random text) makes single calls take hundreds of milliseconds.
  // Without it, words outside the vocabulary are merged again each time: about twice as slow
  // on repetitive text, never slower than that.
  api.setMergeCacheSize(0);
  counter = (text) => api.countTokens(text, PLAIN_TEXT);
  return counter;
}

/**
 * Loads the tokenizer now rather than by the first exact count, whose request would wait for it
 * (up to a second, the event loop held). Budget holds count every prompt exactly.
 */
export function loadTokenizer(): void {
  tokenizer();
}

/** Estimates with a given tokenizer; tests pass one that records what it is asked to count. */
export class TokenEstimator {
  private readonly count: TokenCounter;
  constructor(count: TokenCounter = (text) => tokenizer()(text)) {
    this.count = count;
  }

  text(text: string): number {
    if (!text) return 0;
    return text.length <= EXACT_CHARS ? this.exact(text) : this.sampled([text], text.length);
  }

  prompt(messages: readonly PromptMessage[]): number {
    let chars = 0;
    for (const m of messages) chars += m.content.length;
    const framing = PER_PROMPT + PER_MESSAGE * messages.length;
    if (chars <= EXACT_CHARS) {
      let total = framing;
      for (const m of messages) total += m.content ? this.exact(m.content) : 0;
      return total;
    }
    return (
      framing +
      this.sampled(
        messages.map((m) => m.content),
        chars,
      )
    );
  }

  /** The tokenizer's count, with overlong runs cut into slices. */
  private exact(text: string): number {
    let total = 0;
    let from = 0;
    for (const run of text.matchAll(LONG_RUN)) {
      const start = run.index;
      const end = start + run[0].length;
      if (start > from) total += this.count(text.slice(from, start));
      for (let i = start; i < end; ) {
        let cut = Math.min(i + MAX_RUN, end);
        if (cut < end && isHighSurrogate(text.charCodeAt(cut - 1))) cut++;
        total += this.count(text.slice(i, cut));
        i = cut;
      }
      from = end;
    }
    if (from < text.length) total += this.count(from === 0 ? text : text.slice(from));
    return total;
  }

  /**
   * Tokens per character measured on windows spread evenly over the texts laid end to end,
   * times their length. `chars` is their total length, more than EXACT_CHARS.
   */
  private sampled(texts: readonly string[], chars: number): number {
    const step = chars / SAMPLE_WINDOWS;
    let sampledChars = 0;
    let sampledTokens = 0;
    let index = 0;
    let offset = 0; // where texts[index] starts in the whole
    for (let k = 0; k < SAMPLE_WINDOWS; k++) {
      const at = Math.floor(k * step + (step - SAMPLE_CHARS) / 2);
      while (index < texts.length - 1 && at >= offset + texts[index].length) offset += texts[index++].length;
      const text = texts[index];
      const window = wordWindow(text, Math.max(0, at - offset), SAMPLE_CHARS);
      if (!window) continue;
      sampledChars += window.length;
      sampledTokens += this.exact(window);
    }
    if (sampledChars === 0) return 0;
    return Math.max(1, Math.round((chars * sampledTokens) / sampledChars));
  }
}

/**
 * About `size` characters of `text` from `start`, with its edges moved to whitespace where
 * some is near: the window then holds whole words, as the tokenizer sees them in place.
 */
function wordWindow(text: string, start: number, size: number): string {
  let from = Math.min(start, Math.max(0, text.length - size));
  let to = Math.min(text.length, from + size);
  if (from > 0) {
    // Start at a space before a word: a word's token usually carries the space before it.
    const near = text.slice(from, from + SNAP_CHARS).search(/\s/);
    if (near >= 0) from += near;
    else if (isLowSurrogate(text.charCodeAt(from))) from++;
  }
  if (to < text.length) {
    const tail = text.slice(Math.max(from, to - SNAP_CHARS), to);
    const lastSpace = lastWhitespace(tail);
    if (lastSpace > 0) to = to - tail.length + lastSpace;
    else if (isHighSurrogate(text.charCodeAt(to - 1))) to++;
  }
  return text.slice(from, to);
}

function lastWhitespace(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (/\s/.test(text[i])) return i;
  return -1;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

const estimator = new TokenEstimator();

export const estimateTextTokens = (text: string): number => estimator.text(text);

export const estimatePromptTokens = (messages: readonly PromptMessage[]): number => estimator.prompt(messages);
