// Snippets are HTML-escaped text with each match inside <mark>...</mark>, so a web client can
// insert them as they are. The database marks English matches (stems) with the two control
// characters below, which cannot survive escaping by accident; CJK runs are marked here.

export const MARK_START = '\u0001';
export const MARK_END = '\u0002';
const MARK_SPLIT = new RegExp(`([${MARK_START}${MARK_END}])`);
const CONTEXT_CHARS = 60;
const PLAIN_LENGTH = 160;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/**
 * A window of `text` around the first occurrence of any of `runs`, for hits the database did not
 * mark (CJK-only queries): the English headline would not know where a CJK match is.
 */
export function windowAround(text: string, runs: string[]): string {
  const positions = runs.map((r) => text.indexOf(r)).filter((i) => i >= 0);
  if (positions.length === 0) return text.length > PLAIN_LENGTH ? `${text.slice(0, PLAIN_LENGTH)}…` : text;
  const at = Math.min(...positions);
  const start = Math.max(0, at - CONTEXT_CHARS);
  const end = Math.min(text.length, at + CONTEXT_CHARS * 2);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

/**
 * Marks every occurrence of `runs` in text that may already hold database marks, and escapes it
 * unless the database already did (the headline path escapes before marking).
 */
export function renderSnippet(text: string, runs: string[], escaped: boolean): string {
  let marked = text;
  // Longest first, so a run inside a longer one does not split the longer one's mark.
  for (const run of [...runs].sort((a, b) => b.length - a.length)) {
    marked = marked.split(run).join(`${MARK_START}${run}${MARK_END}`);
  }
  // Nested marks (a CJK run inside an English match) collapse to one level.
  let depth = 0;
  let out = '';
  for (const part of marked.split(MARK_SPLIT)) {
    if (part === MARK_START) {
      if (depth++ === 0) out += '<mark>';
    } else if (part === MARK_END) {
      if (depth > 0 && --depth === 0) out += '</mark>';
    } else out += escaped ? part : escapeHtml(part);
  }
  return depth > 0 ? `${out}</mark>` : out;
}
