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
  for (let k = Math.min(stored.length, incoming.length); k > 0; k--) {
    const offset = stored.length - k;
    let same = true;
    for (let i = 0; i < k && same; i++) {
      same = stored[offset + i].role === incoming[i].role && stored[offset + i].content === incoming[i].content;
    }
    if (same) return k;
  }
  return 0;
}

/** The conversation's system prompt, shown as the transcript's first message, then its messages. */
export function withSystemPrompt(conversation: Pick<Conversation, 'systemPrompt'>, entries: TranscriptEntry[]): TranscriptEntry[] {
  return conversation.systemPrompt ? [{ role: 'system', content: conversation.systemPrompt }, ...entries] : entries;
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
