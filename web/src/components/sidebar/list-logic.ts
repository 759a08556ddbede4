/** The conversation list's bookkeeping, apart from the DOM so it can be tested on its own. */

export interface Listed {
  id: string;
  title: string | null;
  tags: string[];
}

export const PAGE_SIZE = 30;
/** The server's largest page: a reload fetches at most this many at once. */
export const MAX_PAGE_SIZE = 100;

/** What a conversation is called in the list: its title, or "New chat" until it has one. */
export const conversationTitle = (c: { title: string | null }): string => c.title?.trim() || 'New chat';

/**
 * Adds the next page to the list. Offset paging over a list that changes (a reply moves a
 * conversation to the top) may answer one already shown: it is kept once, where it was.
 */
export function mergePage<T extends { id: string }>(shown: readonly T[], page: readonly T[]): T[] {
  const seen = new Set(shown.map((c) => c.id));
  const merged = [...shown];
  for (const c of page) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    merged.push(c);
  }
  return merged;
}

/** How many to fetch when the list reloads in place: what is shown, so the scroll position holds. */
export const reloadLimit = (shown: number): number => Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, shown));

/** Whether another page may exist past what is shown. */
export const hasMore = (shown: number, total: number | null): boolean => total === null || shown < total;

/** The tags of the given conversations, each once, sorted the way people read them (case aside). */
export function tagsOf(conversations: readonly Listed[], keep: readonly string[] = []): string[] {
  const tags = new Set<string>(keep);
  for (const c of conversations) for (const tag of c.tags) tags.add(tag);
  return [...tags].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }) || (a < b ? -1 : 1));
}

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 50;

/**
 * Reads tags typed as a comma-separated list: trimmed, empty ones dropped, exact duplicates
 * dropped (the server compares tags exactly, so `Work` and `work` stay two). Answers the problem
 * instead when the server would refuse them.
 */
export function parseTags(text: string): { tags: string[] } | { error: string } {
  const tags: string[] = [];
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (!tag) continue;
    if (tag.length > MAX_TAG_LENGTH) return { error: `A tag can have at most ${MAX_TAG_LENGTH} characters` };
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length > MAX_TAGS) return { error: `At most ${MAX_TAGS} tags` };
  return { tags };
}

/**
 * The file name a download is saved as: the UTF-8 `filename*` of a Content-Disposition header,
 * else its plain `filename`, else the fallback. Path separators never survive.
 */
export function fileNameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback;
  let name: string | undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended) {
    try {
      name = decodeURIComponent(extended[1].trim());
    } catch {
      name = undefined;
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(header);
    name = plain ? (plain[1] ?? plain[2]).trim() : undefined;
  }
  const safe = name?.replace(/[/\\]/g, '_').trim();
  return safe || fallback;
}

/** "Imported 3 conversations (41 messages)" for an import's answer. */
export function importSummary(result: { imported: number; message_count: number }): string {
  const conversations = `${result.imported} conversation${result.imported === 1 ? '' : 's'}`;
  const messages = `${result.message_count} message${result.message_count === 1 ? '' : 's'}`;
  return `Imported ${conversations} (${messages})`;
}
