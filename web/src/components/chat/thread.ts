import type { Message } from '../../lib/types.ts';

/**
 * The active path from `?branch=all` (every message of every branch): the messages that carry
 * `sibling_ids` are the ones on it. Ordered by following parents up from the path's leaf, so the
 * order holds even when timestamps tie.
 */
export function activePath(all: Message[]): Message[] {
  const onPath = all.filter((m) => m.sibling_ids !== undefined);
  if (onPath.length <= 1) return onPath;
  const byId = new Map(onPath.map((m) => [m.id, m]));
  const parents = new Set(onPath.map((m) => m.parent_id).filter((id): id is string => !!id));
  const leaves = onPath.filter((m) => !parents.has(m.id));
  // One leaf on a well-formed path; otherwise the newest.
  let node: Message | undefined = leaves.at(-1) ?? onPath.at(-1);
  const path: Message[] = [];
  const seen = new Set<string>();
  while (node && !seen.has(node.id)) {
    seen.add(node.id);
    path.push(node);
    node = node.parent_id ? byId.get(node.parent_id) : undefined;
  }
  return path.reverse();
}

/** Where a switcher is: "2 / 3", and the siblings before and after (undefined at either end). */
export function siblingNav(message: Pick<Message, 'sibling_ids' | 'sibling_index'>):
  | { label: string; previous?: string; next?: string }
  | undefined {
  const ids = message.sibling_ids;
  if (!ids || ids.length < 2) return undefined;
  const index = message.sibling_index ?? ids.indexOf((message as Message).id);
  if (index < 0) return undefined;
  return { label: `${index + 1} / ${ids.length}`, previous: ids[index - 1], next: ids[index + 1] };
}

/** A turn this page is running, as the thread shows it. */
export interface TurnView {
  kind: 'send' | 'regenerate' | 'edit' | 'attach';
  /** The last message of the path kept above the turn (null: none, the turn starts the conversation). */
  anchorId: string | null;
  /** The user message the turn sends, before the server has stored it (send and edit). */
  pendingContent?: string;
  /** The stored user message once the turn has started (send and edit). */
  userMessage?: Message;
}

/** A user message not yet stored, shown at once. */
export const PENDING_USER_ID = 'pending-user';

/**
 * The finished messages the thread shows: the path up to the turn's anchor, then the turn's user
 * message (stored, or pending). The reply being written is shown after them on its own.
 */
export function threadMessages(path: Message[], turn: TurnView | null, now = new Date().toISOString()): Message[] {
  if (!turn) return path;
  const anchor = turn.anchorId === null ? -1 : path.findIndex((m) => m.id === turn.anchorId);
  const kept = anchor === -1 && turn.anchorId !== null ? path : path.slice(0, anchor + 1);
  if (turn.kind === 'regenerate' || turn.kind === 'attach') return kept;
  if (turn.userMessage) return [...kept.filter((m) => m.id !== turn.userMessage!.id), turn.userMessage];
  if (turn.pendingContent === undefined) return kept;
  return [...kept, pendingUserMessage(turn.pendingContent, now)];
}

export function pendingUserMessage(content: string, now: string): Message {
  return {
    id: PENDING_USER_ID,
    conversation_id: '',
    role: 'user',
    content,
    model: null,
    status: 'complete',
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    metadata: {},
    created_at: now,
    updated_at: now,
  };
}

/** The anchor of a re-attach: the path above a reply that is still being written, if the path ends in one. */
export function streamingTail(path: Message[]): { reply: Message; anchorId: string | null } | undefined {
  const last = path.at(-1);
  if (last?.role !== 'assistant' || last.status !== 'streaming') return undefined;
  return { reply: last, anchorId: path.at(-2)?.id ?? null };
}

const STOP_REASONS: Record<string, string> = {
  stop: 'Stopped',
  timeout: 'Stopped: the reply took too long',
  shutdown: 'Stopped: the server restarted',
  deleted: 'Stopped',
};

/** The subtle note under a reply that did not finish on its own, if any. */
export function replyNote(message: Pick<Message, 'status' | 'metadata'>): string | undefined {
  if (message.status === 'incomplete') {
    const reason = message.metadata?.stop_reason;
    return (typeof reason === 'string' && STOP_REASONS[reason]) || 'Stopped';
  }
  const finish = message.metadata?.finish_reason;
  if (message.status === 'complete' && finish === 'length') return 'Cut short: the reply reached its length limit';
  return undefined;
}

/** The error of a failed reply, as stored. */
export function replyError(message: Pick<Message, 'status' | 'metadata'>): string | undefined {
  if (message.status !== 'error') return undefined;
  const error = message.metadata?.error;
  return typeof error === 'string' && error ? error : 'The reply failed';
}
