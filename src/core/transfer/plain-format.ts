import { z } from 'zod';
import { pathPart } from './parley-format.ts';
import { hasNul, type ImportedConversation, importedConversation, type IssueList, type Loc } from './types.ts';

const text = (max: number) => z.string().max(max).refine((v) => !hasNul(v), 'must not contain NUL (\\u0000) characters');

const plainSchema = z.object({
  title: text(200).nullish(),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: text(1_000_000) })),
});

/** Reads `{title?, messages: [{role, content}]}`: one path, oldest first, ending at the last message. */
export function readPlain(raw: unknown, loc: Loc, issues: IssueList, now: Date): ImportedConversation | undefined {
  const parsed = plainSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.add([...loc, ...issue.path.map(pathPart)], issue.message, issue.code);
    return undefined;
  }
  const { title, messages } = parsed.data;
  // A plain list has no times: the messages are stamped a millisecond apart, ending now, so they keep their order.
  const start = now.getTime() - messages.length;
  return importedConversation({
    title: title?.trim() || null,
    model: null,
    createdAt: new Date(start),
    updatedAt: now,
    activeLeafKey: messages.length > 0 ? String(messages.length - 1) : null,
    messages: messages.map((m, i) => ({
      key: String(i),
      parentKey: i === 0 ? null : String(i - 1),
      role: m.role,
      content: m.content,
      model: null,
      status: 'complete',
      promptTokens: 0,
      completionTokens: 0,
      costUsd: 0,
      ttftMs: null,
      metadata: {},
      createdAt: new Date(start + i),
      updatedAt: new Date(start + i),
    })),
  });
}
