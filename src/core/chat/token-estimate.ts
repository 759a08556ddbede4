import { countTokens } from 'gpt-tokenizer';
import type { PromptMessage } from '../../providers/types.ts';

// Per-message framing tokens, as in OpenAI's chat format; an estimate for any provider.
const PER_MESSAGE = 4;

export const estimateTextTokens = (text: string) => (text ? countTokens(text) : 0);

export function estimatePromptTokens(messages: PromptMessage[]): number {
  let total = 3;
  for (const m of messages) total += PER_MESSAGE + estimateTextTokens(m.content);
  return total;
}
