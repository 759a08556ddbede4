import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { type MessageRole, messages } from '../../db/schema.ts';
import type { PromptMessage, ToolCall } from '../../providers/types.ts';
import { activePaths } from '../conversations/active-path.ts';
import type { Conversation } from '../conversations/conversations-service.ts';

/** A message as a client holding the whole chat sees it: who said what. */
export interface TranscriptEntry {
  role: MessageRole;
  content: string;
  /** On an assistant message: the tool calls it made (stored in its metadata as `tool_calls`). */
  toolCalls?: ToolCall[];
  /**
   * On a tool result: the call it answers. A tool result is stored as a `user` row with
   * `tool_call_id` in its metadata, so surfaces that show only text show its text.
   */
  toolCallId?: string;
}

/** A stored message as the model sees it, or null when it says nothing (a reply that failed before its first token). */
export function promptMessageOf(row: { role: MessageRole; content: string; metadata: Record<string, unknown> }): PromptMessage | null {
  const entry = transcriptEntryOf(row);
  if (!entry) return null;
  if (entry.toolCallId !== undefined) return { role: 'tool', content: entry.content, toolCallId: entry.toolCallId };
  return entry.toolCalls ? { role: entry.role, content: entry.content, toolCalls: entry.toolCalls } : { role: entry.role, content: entry.content };
}

/** Stored messages as the model reads them, in order: those that say nothing are left out. */
export function toPrompt(rows: { role: MessageRole; content: string; metadata: Record<string, unknown> }[]): PromptMessage[] {
  const prompt: PromptMessage[] = [];
  for (const row of rows) {
    const entry = promptMessageOf(row);
    if (entry) prompt.push(entry);
  }
  return prompt;
}

function transcriptEntryOf(row: { role: MessageRole; content: string; metadata: Record<string, unknown> }): TranscriptEntry | null {
  const calls = row.role === 'assistant' ? row.metadata?.tool_calls : undefined;
  const toolCalls = Array.isArray(calls) && calls.length ? (calls as ToolCall[]) : undefined;
  const toolCallId = row.role === 'user' && typeof row.metadata?.tool_call_id === 'string' ? row.metadata.tool_call_id : undefined;
  if (row.content === '' && !toolCalls && toolCallId === undefined) return null;
  const entry: TranscriptEntry = { role: row.role, content: row.content };
  if (toolCalls) entry.toolCalls = toolCalls;
  if (toolCallId !== undefined) entry.toolCallId = toolCallId;
  return entry;
}

/** The metadata a transcript entry is stored with. */
export function entryMetadata(entry: TranscriptEntry): Record<string, unknown> {
  if (entry.toolCallId !== undefined) return { tool_call_id: entry.toolCallId };
  if (entry.toolCalls?.length) return { tool_calls: entry.toolCalls };
  return {};
}

const entryKey = (e: TranscriptEntry) =>
  `${e.role}\u0000${e.content}\u0000${e.toolCallId ?? ''}\u0000${e.toolCalls?.map((c) => c.id).join(',') ?? ''}`;

export interface StoredTranscript {
  /** What the model sees as history: the active path's messages with content, oldest first. */
  entries: TranscriptEntry[];
  /** Creation time (ms) of the newest message on the active path, empty ones included; 0 when there is none. */
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
    const key = entryKey(e);
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
    const id = ids.get(entryKey(entry)) ?? -1;
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

/** The transcripts (active paths) of several conversations in one query (a page of chat history). */
export async function loadTranscripts(db: Db, conversationIds: string[]): Promise<Map<string, StoredTranscript>> {
  const result = new Map<string, StoredTranscript>();
  if (conversationIds.length === 0) return result;
  const rows = await db
    .select({
      conversationId: messages.conversationId,
      role: messages.role,
      content: messages.content,
      metadata: messages.metadata,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .innerJoin(activePaths(sql.join(conversationIds.map((id) => sql`${id}::uuid`), sql`, `)), sql`path.id = ${messages.id}`)
    .where(sql`${messages.deletedAt} is null`)
    .orderBy(sql`path.conversation_id`, sql`path.depth desc`);
  for (const row of rows) {
    let transcript = result.get(row.conversationId);
    if (!transcript) {
      transcript = { entries: [], lastCreatedAt: 0 };
      result.set(row.conversationId, transcript);
    }
    // A reply that failed before its first token has no content: the model never sees it either.
    // A reply made only of tool calls is kept: the next request carries its results.
    const entry = transcriptEntryOf(row);
    if (entry) transcript.entries.push(entry);
    transcript.lastCreatedAt = Math.max(transcript.lastCreatedAt, row.createdAt.getTime());
  }
  return result;
}
