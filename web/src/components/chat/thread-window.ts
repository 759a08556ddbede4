import type { Message } from '../../lib/types.ts';

/**
 * Which messages of a long conversation are in the page. Opening one shows its newest messages
 * at once; older ones are added a chunk at a time as the reader scrolls up. Chunks are cut at
 * fixed positions from the first message (0–19, 20–39, …), so adding older ones, or a new reply
 * at the end, never moves a message from one chunk to another.
 */

/** Messages per chunk: one chunk is added in well under a frame's time. */
export const CHUNK = 20;
/** At least this many of the newest messages are shown at once: several screens' worth. */
export const FIRST_SHOWN = 40;

/** The index of the first message shown when a conversation of `length` messages opens. */
export function firstShown(length: number): number {
  return Math.floor(Math.max(0, length - FIRST_SHOWN) / CHUNK) * CHUNK;
}

/**
 * The first shown message once the thread changed under the reader (a new reply, another
 * branch, a reply regenerated): where it was, as long as that still shows something; otherwise
 * as if the thread had just opened.
 */
export function keepShown(from: number, length: number): number {
  return from < length ? from : firstShown(length);
}

/** The first shown message after one more chunk is added above. */
export function showMore(from: number): number {
  return Math.max(0, from - CHUNK);
}

export interface Chunk {
  /** The index of its first message in the thread: a stable key. */
  start: number;
  messages: Message[];
  /** A guess of its height in pixels before it has been laid out. */
  estimate: number;
}

/** The shown messages, from `from` on, cut into chunks. */
export function chunksOf(messages: Message[], from: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let start = from; start < messages.length; start = (Math.floor(start / CHUNK) + 1) * CHUNK) {
    const end = Math.min(messages.length, (Math.floor(start / CHUNK) + 1) * CHUNK);
    const slice = messages.slice(start, end);
    chunks.push({ start, messages: slice, estimate: slice.reduce((sum, m) => sum + heightOf(m), 0) });
  }
  return chunks;
}

// Each message's guess, made once: the thread is cut again whenever a chunk is added.
const guesses = new WeakMap<Message, number>();
function heightOf(message: Message): number {
  let guess = guesses.get(message);
  if (guess === undefined) {
    guess = estimateHeight(message);
    guesses.set(message, guess);
  }
  return guess;
}

const LINE_PX = 26;
const CHARS_PER_LINE = 80;

/** A rough height for a message not laid out yet: its lines of text, its code blocks' chrome, its actions. */
export function estimateHeight(message: Pick<Message, 'role' | 'content'>): number {
  const text = message.content;
  let lines = 0;
  for (const line of text.split('\n')) lines += Math.max(1, Math.ceil(line.length / CHARS_PER_LINE));
  const blocks = text.split('```').length >> 1;
  const chrome = message.role === 'assistant' ? 48 + blocks * 64 : 40;
  return Math.round(16 + lines * LINE_PX + chrome);
}
