import { z } from 'zod';
import { positiveInt, temperature } from '../schemas/bounded.ts';
import {
  type PriorMessage,
  SESSION_KEY_CHARS,
  SESSION_KEY_MAX,
  SESSION_KEY_MIN,
} from '../../core/assistants/assistant-sessions.ts';

// Seed 001: /api/v1/chat and /api/v1/assistants. FastAPI-shaped like seed 000, so its
// error schemas are shared. Optional fields also accept null: Python clients often send None.
export { detailSchema, messageOnlySchema, withErrors } from '../api-v1/schemas.ts';

/** A UUID, or a client-chosen key long enough not to be guessed (an anonymous session's only lock). */
export const sessionIdField = z
  .string()
  .min(SESSION_KEY_MIN)
  .max(SESSION_KEY_MAX)
  .regex(SESSION_KEY_CHARS, 'Only letters, digits and ._:~@+=- are allowed');

/** A message the client had before this session existed, as a chat API or seed 001's history shows it. */
const priorMessage = z.union([
  z.object({ role: z.enum(['user', 'assistant']), content: z.string().max(100_000) }),
  z.object({ sender: z.enum(['user', 'bot']), text: z.string().max(100_000) }),
]);

export const chatStreamBody = z.object({
  assistant_id: z.uuid(),
  session_id: sessionIdField.nullish().describe('A UUID or a key of 16+ characters; a new session (with a new UUID) when absent'),
  message: z.string().trim().min(1).max(100_000),
  language: z.string().trim().max(50).nullish().describe('The language replies are written in, kept for the session'),
  history: z
    .array(priorMessage)
    .max(200)
    .nullish()
    .describe('Earlier messages: stored as the first messages of a new session; ignored for an existing one'),
});

export const normalizeHistory = (items: z.infer<typeof priorMessage>[] | null | undefined): PriorMessage[] =>
  (items ?? []).map((m) =>
    'role' in m ? { role: m.role, content: m.content } : { role: m.sender === 'user' ? 'user' : 'assistant', content: m.text },
  );

export const sessionParams = z.object({ session_id: z.string().min(1).max(200) });

export const historyMessageSchema = z
  .looseObject({ id: z.string(), text: z.string(), sender: z.enum(['user', 'bot']) })
  .describe('A message, with its metadata (sources, error, ...) as further fields');
export const historySchema = z.object({ messages: z.array(historyMessageSchema) });

const assistantFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullish(),
  system_prompt: z.string().max(20_000).nullish(),
  temperature: temperature().nullish(),
  max_tokens: positiveInt(1_000_000).nullish(),
  user_authentication: z.boolean().describe('True: only signed-in users may chat with it; false: anyone may'),
};

export const assistantCreateBody = z.object({
  ...assistantFields,
  model: z.string().min(1).max(100).nullish().describe('Default: the server’s default model'),
  user_authentication: assistantFields.user_authentication.default(true),
});

export const assistantUpdateBody = z.object({
  name: assistantFields.name.optional(),
  description: assistantFields.description,
  system_prompt: assistantFields.system_prompt,
  temperature: assistantFields.temperature,
  max_tokens: assistantFields.max_tokens,
  model: z.string().min(1).max(100).optional(),
  user_authentication: assistantFields.user_authentication.optional(),
});

export const assistantIdParams = z.object({ id: z.uuid() });

export const assistantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    model: z.string(),
    user_authentication: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    owner_id: z.string().optional(),
    system_prompt: z.string().nullable().optional(),
    temperature: z.number().nullable().optional(),
    max_tokens: z.number().int().nullable().optional(),
  })
  .describe('owner_id, system_prompt, temperature and max_tokens are shown to the owner only');

export const assistantListQuery = z.object({
  skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const assistantListSchema = z.object({
  items: z.array(assistantSchema),
  total: z.number().int(),
  skip: z.number().int(),
  limit: z.number().int(),
});
