/**
 * One "word" of pseudo-random lowercase letters, the same for the same seed: a tokenizer's worst
 * case, and no cache helps it.
 */
export function randomWord(length: number, seed: number): string {
  let state = seed;
  const chars = new Array<string>(length);
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    chars[i] = String.fromCharCode(97 + (state % 26));
  }
  return chars.join('');
}
