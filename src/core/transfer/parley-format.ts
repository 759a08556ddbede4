import { z } from 'zod';
import type { conversations, messages } from '../../db/schema.ts';
import { MAX_TAG_LENGTH, MAX_TAGS } from '../conversations/tags.ts';
import { checkTree, newestKey } from './tree.ts';
import { hasNul, type ImportedConversation, type IssueList, type Loc } from './types.ts';

type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

/** Marks a Parley export, so an import knows it from the other formats. */
export const PARLEY_FORMAT = 'parley' as const;
export const PARLEY_VERSION = 1 as const;

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? iso(d) : null);

/**
 * One conversation as Parley exports it: every field a round trip needs, every live message of
 * every branch with its parent, and the active leaf. The owner is left out: an import belongs
 * to whoever imports it.
 */
export function parleyDocument(conversation: ConversationRow, rows: MessageRow[], opts: { showSystemPrompt: boolean }) {
  const { live, parentOf, leaf } = liveTree(rows, conversation.activeLeafId);
  return {
    format: PARLEY_FORMAT,
    version: PARLEY_VERSION,
    id: conversation.id,
    title: conversation.title,
    model: conversation.model,
    system_prompt: opts.showSystemPrompt ? conversation.systemPrompt : null,
    temperature: conversation.temperature,
    max_tokens: conversation.maxTokens,
    language: conversation.language,
    archived_at: isoOrNull(conversation.archivedAt),
    pinned_at: isoOrNull(conversation.pinnedAt),
    tags: conversation.tags,
    created_at: iso(conversation.createdAt),
    updated_at: iso(conversation.updatedAt),
    active_leaf_id: leaf,
    messages: live.map((m) => ({
      id: m.id,
      parent_id: parentOf(m),
      role: m.role,
      content: m.content,
      model: m.model,
      status: m.status,
      prompt_tokens: m.promptTokens,
      completion_tokens: m.completionTokens,
      cost_usd: m.costUsd,
      ttft_ms: m.ttftMs,
      metadata: m.metadata,
      created_at: iso(m.createdAt),
      updated_at: iso(m.updatedAt),
    })),
  };
}

export type ParleyDocument = ReturnType<typeof parleyDocument>;

/**
 * The live messages, each linked to its nearest live ancestor (a deleted message's children
 * stay attached to the tree), and the active leaf likewise moved up to a live message.
 */
export function liveTree(rows: MessageRow[], activeLeafId: string | null) {
  const byId = new Map(rows.map((m) => [m.id, m]));
  const liveAncestor = (id: string | null): string | null => {
    const seen = new Set<string>();
    for (let at = id; at !== null && !seen.has(at); ) {
      seen.add(at);
      const m = byId.get(at);
      if (!m) return null;
      if (m.deletedAt === null) return m.id;
      at = m.parentId;
    }
    return null;
  };
  const live = rows.filter((m) => m.deletedAt === null);
  return { live, parentOf: (m: MessageRow) => liveAncestor(m.parentId), leaf: liveAncestor(activeLeafId) };
}

const text = (max: number) => z.string().max(max).refine((v) => !hasNul(v), 'must not contain NUL (\\u0000) characters');
const dateTime = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
const noNulJson = (v: unknown) => !hasNul(JSON.stringify(v) ?? '');

const messageSchema = z.object({
  id: z.string().min(1).max(200),
  parent_id: z.string().min(1).max(200).nullable(),
  role: z.enum(['system', 'user', 'assistant']),
  content: text(1_000_000),
  model: z.string().max(200).nullish(),
  status: z.enum(['complete', 'streaming', 'incomplete', 'error']).default('complete'),
  prompt_tokens: z.number().int().min(0).max(2_147_483_647).default(0),
  completion_tokens: z.number().int().min(0).max(2_147_483_647).default(0),
  cost_usd: z.number().min(0).default(0),
  ttft_ms: z.number().int().min(0).max(2_147_483_647).nullish(),
  metadata: z.record(z.string(), z.unknown()).refine(noNulJson, 'must not contain NUL (\\u0000) characters').default({}),
  created_at: dateTime,
  updated_at: dateTime.optional(),
});

const conversationSchema = z.object({
  format: z.literal(PARLEY_FORMAT),
  version: z.literal(PARLEY_VERSION),
  title: text(200).nullish(),
  model: z.string().min(1).max(200).nullish(),
  system_prompt: text(100_000).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  max_tokens: z.number().int().min(1).max(2_147_483_647).nullish(),
  language: z.string().max(50).nullish(),
  archived_at: dateTime.nullish(),
  pinned_at: dateTime.nullish(),
  tags: z.array(text(MAX_TAG_LENGTH * 4).pipe(z.string().trim().min(1).max(MAX_TAG_LENGTH))).max(MAX_TAGS).default([]),
  created_at: dateTime,
  updated_at: dateTime.optional(),
  active_leaf_id: z.string().min(1).max(200).nullish(),
  messages: z.array(messageSchema),
});

/** Reads one Parley conversation; problems are added to `issues` with their place under `loc`. */
export function readParley(raw: unknown, loc: Loc, issues: IssueList): ImportedConversation | undefined {
  const parsed = conversationSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.add([...loc, ...issue.path.map(pathPart)], issue.message, issue.code);
    return undefined;
  }
  const c = parsed.data;
  const conversation: ImportedConversation = {
    title: c.title ?? null,
    model: c.model ?? null,
    systemPrompt: c.system_prompt ?? null,
    temperature: c.temperature ?? null,
    maxTokens: c.max_tokens ?? null,
    language: c.language ?? null,
    archivedAt: c.archived_at ?? null,
    pinnedAt: c.pinned_at ?? null,
    tags: [...new Set(c.tags)],
    createdAt: c.created_at,
    updatedAt: c.updated_at ?? c.created_at,
    activeLeafKey: c.active_leaf_id ?? null,
    messages: c.messages.map((m) => ({
      key: m.id,
      parentKey: m.parent_id,
      role: m.role,
      content: m.content,
      model: m.model ?? null,
      // Nothing generates an imported reply any more: one caught mid-stream is incomplete.
      status: m.status === 'streaming' ? 'incomplete' : m.status,
      promptTokens: m.prompt_tokens,
      completionTokens: m.completion_tokens,
      costUsd: m.cost_usd,
      ttftMs: m.ttft_ms ?? null,
      metadata: m.metadata,
      createdAt: m.created_at,
      updatedAt: m.updated_at ?? m.created_at,
    })),
  };
  checkTree(conversation, loc, (i) => [...loc, 'messages', i], issues);
  conversation.activeLeafKey ??= newestKey(conversation);
  return conversation;
}

export const pathPart = (p: PropertyKey): string | number => (typeof p === 'number' ? p : String(p));
