import { z } from 'zod';

// The enveloped surface's wire format: every reply is `{code, message, data}`, errors included.

export const MAX_PAGE_SIZE = 100;
export const SESSION_PAGE_SIZE = 20;
export const MESSAGE_PAGE_SIZE = 50;

export const errorEnvelope = z
  .object({ code: z.number().int(), message: z.string(), data: z.unknown() })
  .describe('Error: code equals the HTTP status; data is null, or the list of field errors for 422');

const errorResponses = {
  401: errorEnvelope.describe('Not authenticated: no bearer token, or an invalid, expired or revoked one'),
  403: errorEnvelope.describe('Not allowed: the session or message is another user’s, or the action is not allowed on it'),
  404: errorEnvelope.describe('No such session or message, or deleted'),
  422: errorEnvelope.describe('A parameter or a field of the body is missing or malformed: `data` lists each problem'),
  429: errorEnvelope.describe('Too many requests, or a budget is used up: `Retry-After` says when to try again'),
  500: errorEnvelope.describe('An unexpected server error, in the envelope'),
};

/** The success envelope around `data` (described by `description`), with the error statuses every route may answer. */
export function enveloped<T extends z.ZodType>(data: T, description: string) {
  return {
    200: z.object({ code: z.literal(200), message: z.literal('success'), data }).describe(`${description}, in the envelope`),
    ...errorResponses,
  };
}

const timestamp = z.string().describe('ISO 8601, UTC');

export const sessionSchema = z.object({
  session_id: z.string(),
  user_id: z.string().nullable(),
  title: z.string(),
  message_count: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
  is_deleted: z.boolean(),
});
/** `GET /api/chat/sessions/:session_id` shows the session without its owner. */
export const sessionDetailSchema = sessionSchema.omit({ user_id: true });
/** `POST /api/chat/sessions` lists sessions in this short form. */
export const sessionListItemSchema = sessionSchema.pick({ session_id: true, title: true, message_count: true, created_at: true });

export const messageSchema = z.object({
  message_id: z.string(),
  session_id: z.string(),
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
  is_deleted: z.boolean(),
});
/** The `/api/chat` message routes answer this short form. */
export const messageBriefSchema = messageSchema.pick({ message_id: true, content: true, role: true, created_at: true });

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), page_size: z.number().int() });

export const sessionWithMessagesSchema = sessionSchema.extend({ messages: z.array(messageSchema) });
export const firstScreenSchema = pageOf(sessionSchema).extend({
  latest_session_id: z.string().nullable().describe('The most recently updated session, whose messages follow'),
  messages: z.array(messageSchema).describe('Its last 50 messages, oldest first'),
});

export const doneText = z.string().describe('A confirmation sentence');

// Inputs. Ids are plain strings: an id that names nothing is a 404, not a validation error.

const id = z.string().trim().min(1).max(200);
const userId = id.describe("The caller's own user id (an admin may name anyone); the caller when absent");
const page = z.coerce.number().int().min(1).max(1_000_000).default(1);
// Larger sizes are cut to the cap rather than refused; the reply's page_size says what was used.
const pageSize = z.coerce.number().int().min(1);
const nonBlank = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.trim().length > 0, 'must not be blank');
const title = z.string().trim().min(1).max(200);

export const sessionParams = z.object({ session_id: id });
export const messageParams = z.object({ message_id: id });
export const sessionMessageParams = z.object({ session_id: id, message_id: id });
export const userParams = z.object({ user_id: userId });

export const createSessionBody = z.object({
  user_id: userId.optional(),
  title: z.string().trim().max(200).nullish().describe('新会话 when absent or empty'),
});
export const listSessionsBody = z.object({
  user_id: userId.optional(),
  page,
  page_size: pageSize.default(SESSION_PAGE_SIZE),
});
export const renameSessionBody = z.object({ new_title: title });

export const createMessageBody = z.object({
  session_id: id,
  content: nonBlank(100_000),
  role: z.enum(['system', 'user', 'assistant']).default('user'),
});
export const editMessageBody = z.object({ new_content: nonBlank(100_000) });

export const sessionPageQuery = z.object({ page, page_size: pageSize.default(SESSION_PAGE_SIZE) });
export const messagePageQuery = z.object({
  page,
  page_size: pageSize.optional(),
  pageSize: pageSize.optional().describe('Alias of page_size; page_size wins when both are sent'),
});

/** Offset and limit of a page, its size cut to the cap. */
export function pageWindow(pageNumber: number, size: number) {
  const limit = Math.min(size, MAX_PAGE_SIZE);
  return { offset: (pageNumber - 1) * limit, limit, page: pageNumber, page_size: limit };
}

/** The message page size from either spelling of the parameter. */
export function messagePage(query: z.infer<typeof messagePageQuery>) {
  return pageWindow(query.page, query.page_size ?? query.pageSize ?? MESSAGE_PAGE_SIZE);
}
