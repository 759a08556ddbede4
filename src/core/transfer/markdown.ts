import type { messages } from '../../db/schema.ts';

type MessageRow = typeof messages.$inferSelect;

const ROLE_TITLE = { user: 'User', assistant: 'Assistant', system: 'System' } as const;

/**
 * The active path as a readable Markdown document: a heading per message, its content as
 * written (replies are Markdown already), and the model under each reply.
 */
export function markdownDocument(
  conversation: { title: string | null; model: string; systemPrompt: string | null; createdAt: Date; tags: string[] },
  path: MessageRow[],
): string {
  const lines = [`# ${oneLine(conversation.title) || 'Untitled conversation'}`, ''];
  lines.push(`- Created: ${conversation.createdAt.toISOString()}`, `- Model: ${conversation.model}`);
  if (conversation.tags.length > 0) lines.push(`- Tags: ${conversation.tags.join(', ')}`);
  lines.push('');
  if (conversation.systemPrompt) lines.push('## System prompt', '', conversation.systemPrompt.trim(), '');
  for (const m of path) {
    const model = m.role === 'assistant' && m.model ? ` (${m.model})` : '';
    lines.push(`## ${ROLE_TITLE[m.role]}${model}`, '', m.content.trim(), '');
    if (m.status !== 'complete') lines.push(`_This reply is ${m.status}._`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

// A title with line breaks would end its heading early.
const oneLine = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
