import { z } from 'zod';

export const detailSchema = z.object({ detail: z.unknown() }).describe('Error: {"detail": message} or, for 422, a list of field errors');

const errorResponses = {
  401: detailSchema.describe('Not authenticated: no bearer token, or an invalid, expired or revoked one'),
  403: detailSchema.describe('Not allowed: the session or assistant is another user’s'),
  404: detailSchema.describe('No such session, assistant or file'),
  422: detailSchema.describe('A parameter is malformed: `detail` lists each problem with its place'),
  429: detailSchema.describe('Too many requests: `Retry-After` says when to try again'),
};
/** The error statuses every route here may answer, for the OpenAPI document. */
export const withErrors = <T extends Record<number, z.ZodType>>(ok: T) => ({ ...errorResponses, ...ok });

// Sessions are named by their UUID or, for clients that chose their own id, by that id.
const sessionId = z.string().min(1).max(200);
const uuidLike = z.string().min(1).max(100);

export const sessionParams = z.object({ session_id: sessionId });
export const sessionFileParams = z.object({ session_id: sessionId, file_id: uuidLike });
export const assistantParams = z.object({ assistant_id: uuidLike });
export const assistantFileParams = z.object({ assistant_id: uuidLike, file_id: uuidLike });

const fileMetadata = z.object({ page_count: z.number().int() });

export const fileSchema = z.object({
  id: z.string(),
  filename: z.string(),
  file_size: z.number().int(),
  mime_type: z.literal('application/pdf'),
  extracted_text: z.string().describe('The text of every page, pages separated by a blank line'),
  metadata: fileMetadata,
});

export const uploadResponse = z.object({ file: fileSchema, message: z.string() });

export const fileSummarySchema = z.object({
  id: z.string(),
  filename: z.string(),
  file_size: z.number().int(),
  mime_type: z.literal('application/pdf'),
  metadata: fileMetadata,
  created_at: z.string(),
});

export const fileListSchema = z.object({ items: z.array(fileSummarySchema), total: z.number().int() });
export const messageOnlySchema = z.object({ message: z.string() });

/** The statuses an upload may answer on top of the common ones. */
export const uploadResponses = withErrors({
  200: uploadResponse.describe('The same content was already attached: the existing file'),
  201: uploadResponse.describe('The file, stored and read'),
  400: detailSchema.describe('Not a PDF, or a damaged or truncated one, or a malformed multipart body'),
  413: detailSchema.describe('The file is larger than 10 MB'),
  422: detailSchema.describe('No `file` field, or a password-protected PDF, or one with no extractable text'),
});
