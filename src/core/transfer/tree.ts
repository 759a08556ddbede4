import type { ImportedConversation, IssueList, Loc } from './types.ts';

/**
 * Checks that a conversation's messages form a tree: unique keys, parents that exist, no cycles,
 * and an active leaf among them. `at(i)` is the location of message i in the file.
 */
export function checkTree(conversation: ImportedConversation, loc: Loc, at: (i: number) => Loc, issues: IssueList): void {
  const byKey = new Map<string, number>();
  conversation.messages.forEach((m, i) => {
    if (byKey.has(m.key)) issues.add([...at(i), 'id'], `Duplicate message id '${m.key}'`);
    else byKey.set(m.key, i);
  });
  const parentOf = (i: number) => {
    const key = conversation.messages[i].parentKey;
    return key === null ? undefined : byKey.get(key);
  };
  conversation.messages.forEach((m, i) => {
    if (m.parentKey !== null && !byKey.has(m.parentKey)) {
      issues.add([...at(i), 'parent_id'], `No message with id '${m.parentKey}' in this conversation`);
    }
  });
  // Walks up from each message once; a message met twice on one walk is on a cycle.
  const settled = new Set<number>();
  for (let i = 0; i < conversation.messages.length; i++) {
    const walk = new Set<number>();
    for (let j: number | undefined = i; j !== undefined && !settled.has(j); j = parentOf(j)) {
      if (walk.has(j)) {
        issues.add([...at(j), 'parent_id'], 'Messages form a cycle through their parent_id');
        break;
      }
      walk.add(j);
    }
    for (const j of walk) settled.add(j);
  }
  if (conversation.activeLeafKey !== null && !byKey.has(conversation.activeLeafKey)) {
    issues.add([...loc, 'active_leaf_id'], `No message with id '${conversation.activeLeafKey}' in this conversation`);
  }
}

/** The newest message, for a file that names no active leaf. */
export function newestKey(conversation: ImportedConversation): string | null {
  let newest: ImportedConversation['messages'][number] | undefined;
  for (const m of conversation.messages) if (!newest || m.createdAt >= newest.createdAt) newest = m;
  return newest?.key ?? null;
}
