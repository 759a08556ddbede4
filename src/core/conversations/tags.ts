import { errors } from '../errors.ts';

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 50;

/**
 * A conversation's tags as stored: trimmed, case kept, exact duplicates dropped (first one wins),
 * in the order given. Tags compare exactly: `Work` and `work` are two tags.
 */
export function normalizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim();
    if (tag.length < 1 || tag.length > MAX_TAG_LENGTH) {
      throw errors.validation(`Each tag must be 1 to ${MAX_TAG_LENGTH} characters long`, { field: 'tags' });
    }
    if (!out.includes(tag)) out.push(tag);
  }
  if (out.length > MAX_TAGS) throw errors.validation(`At most ${MAX_TAGS} tags`, { field: 'tags' });
  return out;
}
