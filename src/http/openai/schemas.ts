import { z } from 'zod';
import { positiveInt, probability, temperature } from '../schemas/bounded.ts';

// One message is at most 100,000 characters, its text parts together, as on every surface.
export const MAX_CONTENT_CHARS = 100_000;

const textPart = z.object({ type: z.literal('text'), text: z.string().max(MAX_CONTENT_CHARS) });

export const chatMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z
    .union([
      z.string().max(MAX_CONTENT_CHARS),
      z
        .array(textPart)
        .max(1000)
        .refine(
          (parts) => parts.reduce((sum, p) => sum + p.text.length, 0) <= MAX_CONTENT_CHARS,
          `Text parts together must be at most ${MAX_CONTENT_CHARS} characters`,
        ),
    ])
    .nullable(),
  name: z.string().max(256).optional(),
});

export const completionBody = z.looseObject({
  model: z.string().min(1).max(100),
  messages: z.array(chatMessage).min(1).max(1000),
  temperature: temperature().nullish(),
  top_p: probability().nullish(),
  max_tokens: positiveInt(1_000_000).nullish(),
  max_completion_tokens: positiveInt(1_000_000).nullish(),
  n: z.literal(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  store: z.boolean().nullish(),
  user: z.string().max(256).optional(),
});

export type CompletionBody = z.infer<typeof completionBody>;

export const sessionHeader = z.looseObject({ 'x-session-id': z.uuid().optional() });

export const openaiError = z.object({
  error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
});

const usage = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });

export const completionResponse = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal('assistant'), content: z.string() }),
      finish_reason: z.string(),
    }),
  ),
  usage,
});

export const modelObject = z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() });
export const modelList = z.object({ object: z.literal('list'), data: z.array(modelObject) });
export const modelParams = z.object({ model: z.string().min(1).max(100) });

/** Message content as plain text: text parts joined. */
export function contentText(content: z.infer<typeof chatMessage>['content']): string {
  if (content === null) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}
