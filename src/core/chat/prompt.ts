import type { PromptMessage } from '../../providers/types.ts';

/** The messages sent to the model: system prompt first, then the stored history, then the new message. */
export function buildPrompt(input: {
  systemPrompt: string | null;
  language: string | null;
  context?: string;
  history: PromptMessage[];
  userContent: string;
}): PromptMessage[] {
  const system: string[] = [];
  if (input.systemPrompt) system.push(input.systemPrompt);
  if (input.language) system.push(`Always answer in this language: ${input.language}.`);
  if (input.context) system.push(input.context);
  const prompt: PromptMessage[] = [];
  if (system.length) prompt.push({ role: 'system', content: system.join('\n\n') });
  // Stored system messages (seed 003 lets clients write them) stay where they were written.
  prompt.push(...input.history);
  prompt.push({ role: 'user', content: input.userContent });
  return prompt;
}
