import { and, asc, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { type MessageRole, messages } from '../../db/schema.ts';
import type { Conversation } from '../conversations/conversations-service.ts';

/** A message as a client holding the whole chat sees it: who said what. */
export interface TranscriptEntry {
  role: MessageRole;
  content: string;
}

export interface StoredTranscript {
  /** What the model sees as history: live messages with content, oldest first. */
  entries: TranscriptEntry[];
  /** Creation time (ms) of the newest live message, empty ones included; 0 when there is none. */
  lastCreatedAt: number;
}

/**
 * How many messages at the start of `incoming` repeat the end of `stored`: a client that
 * resends the whole chat (or its most recent part) before the new message. Those are not
 * stored a second time.
 */
export function repeatedLead(stored: TranscriptEntry[], incoming: TranscriptEntry[]): number {
  // Entries become small integers (equal entries, equal numbers), then the longest prefix of
  // `incoming` that ends `stored` is found with the KMP failure function: linear in both
  // lengths, where trying every overlap would be quadratic for a long, repetitive history.
  const ids = new Map<string, number>();
  const idOf = (e: TranscriptEntry) => {
    const key = `${e.role}\u0000${e.content}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    return id;
  };
  const pattern = incoming.slice(0, stored.length).map(idOf);
  if (pattern.length === 0) return 0;
  const failure = new Array<number>(pattern.length).fill(0);
  for (let i = 1, k = 0; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = failure[k - 1];
    if (pattern[i] === pattern[k]) k++;
    failure[i] = k;
  }
  let matched = 0;
  for (const entry of stored) {
    // An entry `incoming` does not hold cannot match any of it.
    const id = ids.get(`${entry.role}\u0000${entry.content}`) ?? -1;
    while (matched > 0 && (matched === pattern.length || pattern[matched] !== id)) matched = failure[matched - 1];
    if (pattern[matched] === id) matched++;
  }
  return matched;
}

/**
 * The conversation's system prompt, shown as the transcript's first message, then its messages.
 * Left out when the reader may not see it (another owner's assistant prompt).
 */
export function withSystemPrompt(
  conversation: Pick<Conversation, 'systemPrompt' | 'systemPromptHidden'>,
  entries: TranscriptEntry[],
): TranscriptEntry[] {
  if (!conversation.systemPrompt || conversation.systemPromptHidden) return entries;
  return [{ role: 'system', content: conversation.systemPrompt }, ...entries];
}

export async function loadTranscript(db: Db, conversationId: string): Promise<StoredTranscript> {
  return (await loadTranscripts(db, [conversationId])).get(conversationId) ?? { entries: [], lastCreatedAt: 0 };
}

/** The transcripts of several conversations in one query (a page of chat history). */
export async function loadTranscripts(db: Db, conversationIds: string[]): Promise<Map<string, StoredTranscript>> {
  const result = new Map<string, StoredTranscript>();
  if (conversationIds.length === 0) return result;
  const rows = await db
    .select({ conversationId: messages.conversationId, role: messages.role, content: messages.content, createdAt: messages.createdAt })
    .from(messages)
    .where(and(inArray(messages.conversationId, conversationIds), isNull(messages.deletedAt)))
    .orderBy(asc(messages.conversationId), asc(messages.createdAt), asc(messages.id));
  for (const row of rows) {
    let transcript = result.get(row.conversationId);
    if (!transcript) {
      transcript = { entries: [], lastCreatedAt: 0 };
      result.set(row.conversationId, transcript);
    }
    // A reply that failed before its first token has no content: the model never sees it either.
    if (row.content !== '') transcript.entries.push({ role: row.role, content: row.content });
    transcript.lastCreatedAt = Math.max(transcript.lastCreatedAt, row.createdAt.getTime());
  }
  return result;
}
