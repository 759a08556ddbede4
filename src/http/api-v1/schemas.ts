import { z } from 'zod';
import { MAX_TAG_LENGTH, MAX_TAGS } from '../../core/conversations/tags.ts';

export const detailSchema = z.object({ detail: z.unknown() }).describe('Error: {"detail": message} or, for 422, a list of field errors');
export const messageOnlySchema = z.object({ message: z.string() });

const errorResponses = {
  401: detailSchema.describe('Not authenticated: no bearer token, or an invalid, expired or revoked one'),
  403: detailSchema.describe('Not allowed: the resource is another user’s, the action needs an admin, or the account is deactivated'),
  404: detailSchema.describe('Not found, or deleted'),
  422: detailSchema.describe('A parameter or a field of the body is missing or malformed: `detail` lists each problem with its place'),
  429: detailSchema.describe('Too many requests, or a budget is used up: `Retry-After` says when to try again'),
};
/** The error statuses every authenticated route may answer, for the OpenAPI document. */
export const withErrors = <T extends Record<number, z.ZodType>>(ok: T) => ({ ...errorResponses, ...ok });

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  display_name: z.string().nullable(),
  role: z.enum(['user', 'admin']),
  tier: z.enum(['free', 'pro', 'enterprise']),
  is_active: z.boolean(),
  monthly_budget_usd: z.number().nullable().describe('Spend limit per calendar month set for this user; null: the tier’s default'),
  created_at: z.string(),
});

export const tokenResponseSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
  user: userSchema,
});

export const registerBody = z
  .object({
    email: z.email().max(254),
    password: z.string().min(8).max(256).describe('At least 8 characters; not the email address, nor one of the most common passwords'),
    display_name: z.string().trim().min(1).max(100).nullish(),
  })
  .meta({ examples: [{ email: 'ada@example.com', password: 'correct horse battery staple', display_name: 'Ada' }] });
export const loginBody = z
  .object({ email: z.string().min(1).max(254), password: z.string().min(1).max(256) })
  .meta({ examples: [{ email: 'ada@example.com', password: 'correct horse battery staple' }] });
export const refreshBody = z.object({ refresh_token: z.string().min(1).max(512) });
// A client may log out with no body at all (only the bearer token), which Fastify passes on as null.
export const logoutBody = z.object({ refresh_token: z.string().min(1).max(512).optional() }).nullish();

export const profilePatchBody = z.object({
  display_name: z.string().trim().min(1).max(100).nullable().describe('1 to 100 characters, trimmed; null clears it'),
});
export const passwordChangeBody = z.object({
  current_password: z.string().min(1).max(256),
  new_password: z.string().min(8).max(256).describe('Must pass the password policy, as at registration'),
});

export const apiKeyCreateBody = z.object({
  name: z.string().trim().min(1).max(100),
  expires_at: z.iso
    .datetime({ offset: true })
    .refine((value) => Date.parse(value) > Date.now(), 'must be in the future')
    .nullish()
    .describe('When the key stops working (ISO 8601 date-time); never when absent'),
  budget_usd: z
    .number()
    .positive()
    .max(1_000_000)
    .nullish()
    .describe('What calls made with this key may spend in all, in US dollars; no limit when absent'),
});
export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  budget_usd: z.number().nullable().describe('The key’s spend limit in US dollars; null for none'),
});
export const apiKeyCreatedSchema = apiKeySchema.extend({ key: z.string().describe('The key itself: shown this once') });

export const idParams = z.object({ id: z.uuid() });

export const conversationSchema = z.object({
  id: z.string(),
  user_id: z.string().nullable(),
  title: z.string().nullable(),
  model: z.string(),
  system_prompt: z.string().nullable(),
  message_count: z.number().int(),
  archived: z.boolean(),
  archived_at: z.string().nullable(),
  pinned: z.boolean(),
  pinned_at: z.string().nullable().describe('When it was pinned; pinned conversations are listed first, most recently pinned first'),
  tags: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});

export const conversationCreateBody = z
  .object({
    title: z.string().trim().min(1).max(200).nullish(),
    model: z.string().min(1).max(100).nullish().describe('A model id from `GET /api/v1/models`; the server’s default model when absent'),
    system_prompt: z.string().max(20_000).nullish(),
  })
  .meta({ examples: [{ title: 'Trip to Lisbon', model: 'echo', system_prompt: 'You are a concise travel planner.' }] });
export const conversationUpdateBody = z.object({
  title: z.string().trim().min(1).max(200),
});

export const queryBool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** One tag as a client sends it: trimmed, 1 to 50 characters, case kept. */
const tagValue = z.string().trim().min(1).max(MAX_TAG_LENGTH);

export const conversationListQuery = z.object({
  skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  archived: queryBool.default(false),
  // Repeatable (`?tag=a&tag=b`): conversations carrying all of them.
  tag: z
    .union([tagValue, z.array(tagValue).max(MAX_TAGS)])
    .optional()
    .transform((v) => (v === undefined ? undefined : typeof v === 'string' ? [v] : v))
    .describe('Only conversations with this tag; repeat for all of several tags'),
  pinned: queryBool.optional().describe('Only pinned (true) or only unpinned (false) conversations'),
});

export const conversationPatchBody = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    pinned: z.boolean().optional(),
    tags: z
      .array(tagValue)
      .max(MAX_TAGS)
      .optional()
      .describe(`Replaces the tags: at most ${MAX_TAGS}, each 1 to ${MAX_TAG_LENGTH} characters, trimmed, duplicates dropped`),
  })
  .refine((b) => b.title !== undefined || b.pinned !== undefined || b.tags !== undefined, {
    message: 'Give at least one of title, pinned, tags',
  });
export const conversationListSchema = z.object({
  items: z.array(conversationSchema),
  total: z.number().int(),
  skip: z.number().int(),
  limit: z.number().int(),
});

export const messageSchema = z.object({
  id: z.string(),
  conversation_id: z.string(),
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  model: z.string().nullable(),
  status: z.enum(['complete', 'streaming', 'incomplete', 'error']),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  cost_usd: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});

export const messageListQuery = z.object({
  skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const sendMessageBody = z
  .object({
    content: z.string().trim().min(1).max(100_000),
    model: z.string().min(1).max(100).optional().describe('The model for this reply only; the conversation’s model when absent'),
  })
  .meta({ examples: [{ content: 'Plan three days in Lisbon for someone who likes tiles and pastries.' }] });

export const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

export const sendMessageResponse = z.object({
  user_message: messageSchema,
  assistant_message: messageSchema,
  usage: usageSchema,
  cost_usd: z.number(),
});

// Year 0 passes the ISO format but is no date PostgreSQL (or the Gregorian calendar) has.
const isoDate = z.iso.date().refine((d) => d >= '0001-01-01', 'Dates start at 0001-01-01');
export const usageQuery = z
  .object({ start_date: isoDate.optional(), end_date: isoDate.optional() })
  .refine((q) => !q.start_date || !q.end_date || q.start_date <= q.end_date, {
    message: 'start_date must not be after end_date',
    path: ['start_date'],
  });

const totalsShape = {
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  cost_usd: z.number(),
  requests: z.number().int(),
};
export const budgetStandingSchema = z
  .object({
    budget: z.enum(['daily_tokens', 'monthly_usd', 'api_key_usd']),
    unit: z.enum(['tokens', 'usd']),
    limit: z.number().nullable().describe('Null: no limit'),
    used: z.number().describe('Recorded usage in the current period'),
    held: z.number().describe('Held by calls still running'),
    remaining: z.number().nullable().describe('What is left (never below zero); null without a limit'),
    resets_at: z.string().nullable().describe('When the period starts over; null for an API key’s budget, which does not renew'),
  })
  .describe('Where the user stands against one budget; a model call that does not fit is refused with 429 naming it');

export const usageSummarySchema = z.object({
  start_date: z.string(),
  end_date: z.string(),
  ...totalsShape,
  daily: z.array(
    z.object({ date: z.string(), ...totalsShape, by_model: z.array(z.object({ model: z.string(), ...totalsShape })).describe('The day split by model') }),
  ),
  by_model: z.array(z.object({ model: z.string(), ...totalsShape })),
  budgets: z
    .array(budgetStandingSchema)
    .describe('Daily tokens and monthly spend now (whatever the range asked), and the key’s spend when the request used an API key'),
});

export const modelSchema = z.object({
  id: z.string(),
  /** The configured provider's name. */
  provider: z.string(),
  context_window: z.number().int().nullable(),
  input_price_per_million: z.number().nullable(),
  output_price_per_million: z.number().nullable(),
  /** `unknown`: no price in the catalog, so its calls are charged 0. */
  pricing: z.enum(['known', 'unknown']),
  /** `catalog`, or `discovered` from the provider's own model list. */
  source: z.enum(['catalog', 'discovered']),
});
export const modelListSchema = z.object({ default_model: z.string(), models: z.array(modelSchema) });
