import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, fromDatabaseError } from '../../core/errors.ts';

/** What the validator keeps of a zod issue. */
type IssueFacts = { code: string; input?: unknown; origin?: string };

/** One field that failed validation, in FastAPI's form: where, what, and a machine-readable type. */
export interface FieldError {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** What any surface needs to render an error in its own shape. */
export type HttpError =
  | { kind: 'validation'; status: 422; message: string; fields: FieldError[] }
  | { kind: 'app'; status: number; message: string; error: AppError };

/** The longest piece of a request path an error message echoes back. */
export const PATH_ECHO_MAX = 64;

/** A path cut to PATH_ECHO_MAX characters, so an error cannot echo a whole overlong request line. */
export const clipPath = (path: string) => (path.length > PATH_ECHO_MAX ? `${path.slice(0, PATH_ECHO_MAX)}…` : path);

const LOCATION: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Classifies anything thrown in a request into a status and message; logs the unexpected. */
export function classifyError(err: unknown, request: FastifyRequest): HttpError {
  if (err instanceof AppError) {
    // A rule the core checks on one body field (the password policy) answers like a schema error.
    const field = err.code === 'validation' ? err.details?.field : undefined;
    if (typeof field === 'string') {
      const type = typeof err.details?.type === 'string' ? err.details.type : 'value_error';
      const fields = [{ loc: ['body', field], msg: err.message, type }];
      return { kind: 'validation', status: 422, message: `${field}: ${err.message}`, fields };
    }
    return { kind: 'app', status: err.status, message: err.message, error: err };
  }
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const where = LOCATION[fe.validationContext ?? 'body'] ?? 'body';
    const fields = fe.validation.map((v) => {
      const path = v.instancePath
        .split('/')
        .filter(Boolean)
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      const issue = { code: v.keyword, ...v.params } as IssueFacts;
      return { loc: [where, ...path], msg: v.message ?? 'Invalid value', type: issueType(issue) };
    });
    return { kind: 'validation', status: 422, message: fields.map(describeField).join('; '), fields };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) {
    const fields = [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }];
    return { kind: 'validation', status: 422, message: 'Request body is not valid JSON', fields };
  }
  const fromDb = fromDatabaseError(err);
  if (fromDb) return { kind: 'app', status: fromDb.status, message: fromDb.message, error: fromDb };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const error = new AppError(fe.statusCode === 413 ? 'payload_too_large' : 'bad_request', fe.message);
    return { kind: 'app', status: fe.statusCode, message: fe.message, error };
  }
  request.log.error({ err }, 'unhandled error');
  const error = new AppError('unavailable', 'Internal Server Error');
  return { kind: 'app', status: 500, message: 'Internal Server Error', error };
}

function describeField(f: FieldError): string {
  return `${f.loc.slice(1).join('.') || f.loc[0]}: ${f.msg}`;
}

function issueType(issue: IssueFacts): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'missing';
  if (issue.code === 'too_small') return issue.origin === 'string' ? 'string_too_short' : 'greater_than_equal';
  if (issue.code === 'too_big') return issue.origin === 'string' ? 'string_too_long' : 'less_than_equal';
  if (issue.code === 'invalid_format') return 'value_error';
  return issue.code;
}

/** Headers an error carries on every surface (rate limits, auth challenges). */
export function applyErrorHeaders(reply: FastifyReply, error: HttpError): void {
  if (error.kind !== 'app') return;
  const d = error.error.details;
  if (error.error.code === 'rate_limited' && d) {
    // A provider's 429 passed on carries only its Retry-After (when it gave one), no limit of ours.
    if (d.retryAfterSeconds !== undefined) reply.header('retry-after', String(d.retryAfterSeconds));
    if (d.limit !== undefined) {
      reply.header('x-ratelimit-limit', String(d.limit));
      reply.header('x-ratelimit-remaining', String(d.remaining));
      reply.header('x-ratelimit-reset', String(d.resetSeconds));
    }
    // Which budget refused the call: daily_tokens, monthly_usd or api_key_usd.
    if (typeof d.budget === 'string') reply.header('x-budget', d.budget);
  }
  if (error.status === 401) reply.header('www-authenticate', 'Bearer');
}

/** The FastAPI-style error handler shared by seeds 000, 001 and 002: `{detail}`, 422 as a list. */
export function fastapiErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const error = classifyError(err, request);
  applyErrorHeaders(reply, error);
  if (error.kind === 'validation') return reply.status(422).send({ detail: error.fields });
  return reply.status(error.status).send({ detail: error.message });
}
