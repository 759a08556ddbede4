import { z } from 'zod';
import { numericId, positiveInt, temperature } from '../schemas/bounded.ts';

// The /v1/chat surface. Optional fields also accept null: Python clients often send None.

export const detailSchema = z
  .object({ detail: z.unknown() })
  .describe('Error: {"detail": message}; for bad parameters (400) a list of {loc, msg, type}');

const errorResponses = {
  400: detailSchema.describe('A parameter or a field of the body is missing or malformed, or the model is not available'),
  401: detailSchema.describe('Not authenticated: no bearer token, or an invalid, expired or revoked one'),
  403: detailSchema.describe('Not allowed: the session is another user’s'),
  404: detailSchema.describe('No such session'),
  429: detailSchema.describe('Too many requests, or a budget is used up: `Retry-After` says when to try again'),
};
/** The error statuses every route of this surface may answer, for the OpenAPI document. */
export const withErrors = <T extends Record<number, z.ZodType>>(ok: T) => ({ ...errorResponses, ...ok });

const role = z.enum(['system', 'user', 'assistant']);

export const chatMessageSchema = z.object({ role, content: z.string() });

/** Seed 002 shows integer ids; ids are UUID strings, and a number is accepted (it matches no session). */
const sessionId = z.union([z.string().min(1).max(100), numericId()]).transform(String);

export const MAX_MESSAGES = 1000;
/** Seed 002 documents 0.7 as the temperature when a request names none. */
export const DEFAULT_TEMPERATURE = 0.7;
export const MAX_TOKENS_LIMIT = 128_000;

export const streamBody = z
  .object({
    model: z.string().min(1).max(100).nullish().describe('Required for a new session; defaults to the session’s model'),
    messages: z.array(z.object({ role, content: z.string().max(100_000) })).min(1).max(MAX_MESSAGES),
    temperature: temperature().nullish().describe('Default 0.7'),
    max_tokens: positiveInt(MAX_TOKENS_LIMIT).nullish(),
    stream: z.boolean().nullish().describe('Default true: text/event-stream of `data: <token>` events, then `data: [DONE]`'),
    session_id: sessionId.nullish().describe('The session to continue; a new session when absent'),
  })
  .superRefine((body, ctx) => {
    // Runs even when a length check failed, so it must not assume a message is there.
    const last = body.messages.length - 1;
    if (last < 0) return;
    if (body.messages[last].role !== 'user') {
      ctx.addIssue({ code: 'custom', path: ['messages', last, 'role'], message: 'The last message must be a user message' });
    } else if (!body.messages[last].content.trim()) {
      ctx.addIssue({ code: 'custom', path: ['messages', last, 'content'], message: 'The user message must not be empty' });
    }
    if (!body.model && body.session_id == null) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'Field required when no session_id is given' });
    }
  })
  // Named examples: zod leaves plain `examples` out of the input schema of a body that transforms (session_id).
  .meta({
    'x-examples': {
      newSession: {
        summary: 'Start a session',
        value: { model: 'echo', messages: [{ role: 'user', content: 'Tell me a story about a lighthouse' }], temperature: 0.7 },
      },
    },
  });

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

export const completionSchema = z
  .object({
    session_id: z.string(),
    model: z.string(),
    message: z.object({ id: z.string(), role: z.literal('assistant'), content: z.string() }),
    usage: usageSchema,
    cost_usd: z.number(),
  })
  .describe('With `stream: false`. With `stream: true` the reply is text/event-stream; see the route description.');

export const switchModelBody = z.object({ session_id: sessionId, model: z.string().min(1).max(100) });

export const switchModelSchema = z.object({
  session_id: z.string(),
  model: z.string(),
  messages: z.array(chatMessageSchema),
  title: z.string().nullable(),
});

/** An ISO 8601 date or date-time; one without an offset is taken as UTC. */
const isoInstant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true, local: true })], { error: 'Expected an ISO 8601 date or date-time' })
  .transform((value) => new Date(/^\d{4}-\d\d-\d\d$|[zZ]$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`));

export const historyQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    page_size: z.coerce.number().int().min(1).max(100).default(10),
    start_date: isoInstant.optional(),
    end_date: isoInstant.optional(),
    model: z.string().min(1).max(100).optional(),
  })
  .refine((q) => !q.start_date || !q.end_date || q.start_date <= q.end_date, {
    message: 'start_date must not be after end_date',
    path: ['start_date'],
  });

export const sessionSchema = z.object({
  id: z.string(),
  user_id: z.string().nullable(),
  application_id: z.string().nullable().describe('The API key the session was created with, if any'),
  model: z.string(),
  title: z.string().nullable(),
  messages: z.array(chatMessageSchema),
  created_at: z.string(),
  updated_at: z.string(),
});

export const historySchema = z.object({
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  sessions: z.array(sessionSchema),
});

export const sessionParams = z.object({ session_id: z.string().min(1).max(100) });
export const deletedSchema = z.object({ message: z.string() });
