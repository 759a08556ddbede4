// Splits what the user typed into the part English full-text search understands and the runs of
// CJK characters, which it does not segment: those are matched as substrings instead.

// Kana, CJK ideographs (with extension A and compatibility forms) and Hangul syllables: the same
// ranges as search_cjk_bigrams in migration 0005, which indexes their character pairs.
const CJK_RUN = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+/g;

export interface ParsedQuery {
  /** The query without its CJK runs, for websearch_to_tsquery('english', ...): words, "phrases", -not, or. */
  english: string;
  /** Each run of CJK characters, in order, without repeats: every one must occur in a hit. */
  cjkRuns: string[];
  /** A tsquery (text form) of every pair of adjacent characters in the runs, or null when no run has two characters. */
  cjkPairs: string | null;
}

export function parseSearchQuery(q: string): ParsedQuery {
  const runs = [...new Set(q.match(CJK_RUN) ?? [])];
  // Runs become spaces so the words on either side stay apart; a quote left unmatched by this is
  // harmless to websearch_to_tsquery, which never fails on its input.
  const english = q.replace(CJK_RUN, ' ').replace(/\s+/g, ' ').trim();
  const pairs = new Set<string>();
  for (const run of runs) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i++) pairs.add(chars[i] + chars[i + 1]);
  }
  // Quoted lexemes: the pairs hold only CJK characters, so nothing in them needs escaping.
  const cjkPairs = pairs.size > 0 ? [...pairs].map((p) => `'${p}'`).join(' & ') : null;
  return { english, cjkRuns: runs, cjkPairs };
}

/** A LIKE pattern for a literal substring. */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
