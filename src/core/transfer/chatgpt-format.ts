import { z } from 'zod';
import type { MessageRole } from '../../db/schema.ts';
import { pathPart } from './parley-format.ts';
import { newestKey } from './tree.ts';
import { hasNul, type ImportedConversation, importedConversation, type ImportedMessage, type IssueList, type Loc } from './types.ts';

// ChatGPT's export is loose and changes over time: only the fields read here are checked.
const epochSeconds = z.number().finite().nullish();
const nodeSchema = z.looseObject({
  message: z
    .looseObject({
      author: z.looseObject({ role: z.string() }),
      content: z.looseObject({ content_type: z.string(), parts: z.array(z.unknown()).optional() }).nullish(),
      create_time: epochSeconds,
      update_time: epochSeconds,
      recipient: z.string().nullish(),
      metadata: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  parent: z.string().nullish(),
  children: z.array(z.string()).optional(),
});
const conversationSchema = z.looseObject({
  title: z.string().nullish(),
  create_time: epochSeconds,
  update_time: epochSeconds,
  mapping: z.record(z.string(), nodeSchema),
  current_node: z.string().nullish(),
  default_model_slug: z.string().nullish(),
});
type Node = z.infer<typeof nodeSchema>;

const KEPT_ROLES = new Set<string>(['user', 'assistant']);
const TEXT_TYPES = new Set(['text', 'multimodal_text']);

/** The text a node shows the reader, or null for a node Parley does not keep (system, tool, hidden, empty). */
function visibleText(node: Node): { role: MessageRole; text: string } | null {
  const m = node.message;
  if (!m || !KEPT_ROLES.has(m.author.role)) return null;
  // Assistant messages addressed to a tool (code, browsing) are steps, not replies.
  if (m.recipient && m.recipient !== 'all') return null;
  if (!m.content || !TEXT_TYPES.has(m.content.content_type)) return null;
  const text = (m.content.parts ?? []).filter((p): p is string => typeof p === 'string').join('\n');
  if (text.trim() === '' || hasNul(text)) return null;
  return { role: m.author.role as MessageRole, text };
}

const fromEpoch = (s: number | null | undefined) => (typeof s === 'number' ? new Date(Math.round(s * 1000)) : undefined);

/**
 * Reads one conversation of ChatGPT's `conversations.json`: its `mapping` tree becomes parent
 * links and `current_node` the active leaf. Nodes Parley does not keep are dropped and their
 * children re-linked to the nearest kept ancestor.
 */
export function readChatgpt(raw: unknown, loc: Loc, issues: IssueList, now: Date): ImportedConversation | undefined {
  const parsed = conversationSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.add([...loc, ...issue.path.map(pathPart)], issue.message, issue.code);
    return undefined;
  }
  const c = parsed.data;
  const mapping = c.mapping;
  const before = issues.items.length;
  for (const [key, node] of Object.entries(mapping)) {
    if (node.parent != null && !Object.hasOwn(mapping, node.parent)) {
      issues.add([...loc, 'mapping', key, 'parent'], `No node '${node.parent}' in the mapping`);
    }
  }
  if (c.current_node != null && !Object.hasOwn(mapping, c.current_node)) {
    issues.add([...loc, 'current_node'], `No node '${c.current_node}' in the mapping`);
  }
  if (issues.items.length > before) return undefined;

  const kept = new Map<string, { role: MessageRole; text: string }>();
  for (const [key, node] of Object.entries(mapping)) {
    const visible = visibleText(node);
    if (visible) kept.set(key, visible);
  }
  // The nearest kept node at or above `key`, memoised: long chains of dropped nodes are walked once.
  const nearest = new Map<string, string | null>();
  const keptAtOrAbove = (key: string | null | undefined): string | null | undefined => {
    const walked = new Set<string>();
    let found: string | null = null;
    for (let at = key ?? null; at !== null; at = mapping[at].parent ?? null) {
      if (nearest.has(at)) {
        found = nearest.get(at) ?? null;
        break;
      }
      if (walked.has(at)) return undefined;
      walked.add(at);
      if (kept.has(at)) {
        found = at;
        break;
      }
    }
    for (const w of walked) nearest.set(w, found);
    return found;
  };

  const created = fromEpoch(c.create_time) ?? now;
  const messages: ImportedMessage[] = [];
  for (const [key, visible] of kept) {
    const node = mapping[key];
    const parentKey = keptAtOrAbove(node.parent);
    if (parentKey === undefined) {
      issues.add([...loc, 'mapping', key, 'parent'], 'Nodes form a cycle through their parent');
      return undefined;
    }
    const at = fromEpoch(node.message?.create_time) ?? created;
    const slug = node.message?.metadata?.model_slug;
    messages.push({
      key,
      parentKey,
      role: visible.role,
      content: visible.text,
      model: visible.role === 'assistant' && typeof slug === 'string' ? slug.slice(0, 200) : null,
      status: 'complete',
      promptTokens: 0,
      completionTokens: 0,
      costUsd: 0,
      ttftMs: null,
      metadata: {},
      createdAt: at,
      updatedAt: fromEpoch(node.message?.update_time) ?? at,
    });
  }
  const conversation = importedConversation({
    title: c.title?.split('\u0000').join('').trim().slice(0, 200) || null,
    model: c.default_model_slug ?? null,
    createdAt: created,
    updatedAt: fromEpoch(c.update_time) ?? created,
    activeLeafKey: null,
    messages,
  });
  const current = keptAtOrAbove(c.current_node);
  conversation.activeLeafKey = current ?? newestKey(conversation);
  return conversation;
}
