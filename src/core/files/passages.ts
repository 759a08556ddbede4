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

/** Splits each page (numbered from 1) into passages of at most about `target` tokens, on sentence boundaries where possible. */
export function splitIntoPassages(pages: string[], target = PASSAGE_TOKENS): Passage[] {
  const passages: Passage[] = [];
  pages.forEach((text, index) => {
    let position = 0;
    for (const content of packPage(text, target)) {
      passages.push({ page: index + 1, position: position++, content, tokens: estimateTextTokens(content) });
    }
  });
  return passages;
}

function packPage(text: string, target: number): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let currentTokens = 0;
  const flush = () => {
    if (current.length) out.push(current.join(' '));
    current = [];
    currentTokens = 0;
  };
  for (const sentence of sentences(text)) {
    for (const piece of limitPiece(sentence, target)) {
      const tokens = estimateTextTokens(piece);
      if (currentTokens + tokens > target) flush();
      current.push(piece);
      currentTokens += tokens;
    }
  }
  flush();
  return out;
}

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?;:])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A sentence longer than a passage is cut between words (or, for one endless word, between characters). */
function limitPiece(sentence: string, target: number): string[] {
  if (estimateTextTokens(sentence) <= target) return [sentence];
  const pieces: string[] = [];
  let current: string[] = [];
  let currentTokens = 0;
  for (const word of sentence.split(/\s+/)) {
    for (const part of splitWord(word, target)) {
      const tokens = estimateTextTokens(part);
      if (currentTokens + tokens > target && current.length) {
        pieces.push(current.join(' '));
        current = [];
        currentTokens = 0;
      }
      current.push(part);
      currentTokens += tokens;
    }
  }
  if (current.length) pieces.push(current.join(' '));
  return pieces;
}

function splitWord(word: string, target: number): string[] {
  if (estimateTextTokens(word) <= target) return [word];
  // A character is at most four tokens (one per UTF-8 byte), so these slices never exceed the target.
  const size = Math.max(1, Math.floor(target / 4));
  const chars = Array.from(word);
  const parts: string[] = [];
  for (let i = 0; i < chars.length; i += size) parts.push(chars.slice(i, i + size).join(''));
  return parts;
}
