import type { Message } from '../conversations/messages-service.ts';

/** A cited passage as a share shows it: where it comes from and the quoted words, never the file itself. */
export interface SharedSource {
  filename: string;
  page: number | null;
  snippet: string;
}

export interface SharedMessage {
  role: 'user' | 'assistant';
  content: string;
  created_at: string;
  sources: SharedSource[];
}

/** What a share link shows, frozen when it was made: no owner, system prompt, model, usage or cost. */
export interface ShareSnapshot {
  title: string | null;
  messages: SharedMessage[];
}

/** A conversation longer than this is refused rather than shared in part. */
export const SHARE_MAX_MESSAGES = 2000;
/** The most text (message contents and snippets, in UTF-8 bytes) one snapshot may hold. */
export const SHARE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The active path as a share shows it. System messages are left out (they are the owner's
 * instructions), as are replies still being generated and messages with nothing in them.
 * Cited sources keep only file name, page and snippet; anything else in `metadata` stays private.
 */
export function buildSnapshot(title: string | null, path: Message[]): { snapshot: ShareSnapshot; bytes: number } {
  const messages: SharedMessage[] = [];
  let bytes = Buffer.byteLength(title ?? '');
  for (const m of path) {
    if (m.role === 'system' || m.status === 'streaming' || m.content === '') continue;
    const sources = citedSources(m.metadata);
    bytes += Buffer.byteLength(m.content) + sources.reduce((n, s) => n + Buffer.byteLength(s.snippet) + Buffer.byteLength(s.filename), 0);
    messages.push({ role: m.role, content: m.content, created_at: m.createdAt.toISOString(), sources });
  }
  return { snapshot: { title, messages }, bytes };
}

// `metadata` is free JSON (some surfaces let clients write it): only well-formed citations pass.
function citedSources(metadata: Record<string, unknown>): SharedSource[] {
  const raw = metadata.sources;
  if (!Array.isArray(raw)) return [];
  const out: SharedSource[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object') continue;
    const { filename, page, snippet } = item as Record<string, unknown>;
    if (typeof snippet !== 'string') continue;
    out.push({
      filename: typeof filename === 'string' ? filename : '',
      page: typeof page === 'number' && Number.isInteger(page) ? page : null,
      snippet,
    });
  }
  return out;
}
