import { setImmediate as nextTurn } from 'node:timers/promises';
import { estimateTextTokens } from '../chat/token-estimate.ts';

/** A searchable piece of a document: what goes into a prompt and what a reply cites. */
export interface Passage {
  page: number;
  /** Order within its page, from 0. */
  position: number;
  content: string;
  tokens: number;
}

/** Small enough that a few fit any budget, large enough to keep a thought together. */
export const PASSAGE_TOKENS = 300;

// A document's text can run to many megabytes: it is split in steps of about this long, with
// the event loop free between them, so other requests are served while an upload is indexed.
const SLICE_MS = 10;

const SENTENCE_END = /(?<=[.!?;:])\s+|\n+/g;
const WORD = /\S+/g;

interface Piece {
  text: string;
  tokens: number;
}

/**
 * Splits each page (numbered from 1) into passages of at most about `target` tokens, on sentence
 * boundaries where possible. Linear in the text's length; yields to the event loop as it goes.
 */
export async function splitIntoPassages(pages: string[], target = PASSAGE_TOKENS): Promise<Passage[]> {
  const passages: Passage[] = [];
  let sliceStart = performance.now();
  for (let index = 0; index < pages.length; index++) {
    let position = 0;
    let current: string[] = [];
    let currentTokens = 0;
    const flush = () => {
      if (!current.length) return;
      const content = current.join(' ');
      passages.push({ page: index + 1, position: position++, content, tokens: estimateTextTokens(content) });
      current = [];
      currentTokens = 0;
    };
    for (const piece of pieces(pages[index], target)) {
      if (currentTokens + piece.tokens > target) flush();
      current.push(piece.text);
      currentTokens += piece.tokens;
      if (performance.now() - sliceStart >= SLICE_MS) {
        await nextTurn();
        sliceStart = performance.now();
      }
    }
    flush();
  }
  return passages;
}

/** The page's sentences, each cut to fit a passage when it is longer than one. */
function* pieces(text: string, target: number): Generator<Piece> {
  for (const sentence of sentences(text)) {
    const tokens = estimateTextTokens(sentence);
    if (tokens <= target) yield { text: sentence, tokens };
    else yield* cutSentence(sentence, target);
  }
}

/** Found one at a time: a page's whole list of sentences is never built at once. */
function* sentences(text: string): Generator<string> {
  let from = 0;
  for (const end of text.matchAll(SENTENCE_END)) {
    const sentence = text.slice(from, end.index).trim();
    if (sentence) yield sentence;
    from = end.index + end[0].length;
  }
  const last = text.slice(from).trim();
  if (last) yield last;
}

/** A sentence longer than a passage is cut between words (or, for one endless word, between characters). */
function* cutSentence(sentence: string, target: number): Generator<Piece> {
  let current: string[] = [];
  let currentTokens = 0;
  const piece = (): Piece => {
    const text = current.join(' ');
    current = [];
    currentTokens = 0;
    return { text, tokens: estimateTextTokens(text) };
  };
  for (const [word] of sentence.matchAll(WORD)) {
    for (const part of splitWord(word, target)) {
      const tokens = estimateTextTokens(part);
      if (currentTokens + tokens > target && current.length) yield piece();
      current.push(part);
      currentTokens += tokens;
    }
  }
  if (current.length) yield piece();
}

function* splitWord(word: string, target: number): Generator<string> {
  if (estimateTextTokens(word) <= target) {
    yield word;
    return;
  }
  // A character is at most four tokens (one per UTF-8 byte), so these slices never exceed the
  // target; a slice never ends between the two halves of a surrogate pair.
  const size = Math.max(1, Math.floor(target / 4));
  for (let i = 0; i < word.length; ) {
    let end = Math.min(word.length, i + size);
    if (end < word.length && isLowSurrogate(word.charCodeAt(end))) end++;
    yield word.slice(i, end);
    i = end;
  }
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
