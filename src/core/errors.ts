// The one catalog of domain errors. The core throws these; each HTTP surface maps
// them to its own error shape, keeping the status and the message.

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'validation'
  | 'payload_too_large'
  | 'rate_limited'
  | 'upstream'
  | 'unavailable';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  validation: 422,
  payload_too_large: 413,
  rate_limited: 429,
  upstream: 502,
  unavailable: 503,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra fields a surface may show (missing variables, retry delay, ...). */
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }
}

export const errors = {
  badRequest: (message: string, details?: Record<string, unknown>) => new AppError('bad_request', message, details),
  unauthorized: (message = 'Could not validate credentials') => new AppError('unauthorized', message),
  forbidden: (message = 'Access denied') => new AppError('forbidden', message),
  notFound: (what: string) => new AppError('not_found', `${what} not found`),
  conflict: (message: string) => new AppError('conflict', message),
  validation: (message: string, details?: Record<string, unknown>) => new AppError('validation', message, details),
  tooLarge: (message: string) => new AppError('payload_too_large', message),
  /** One of our limits refuses: with its window (limit, remaining, reset) when it has one, and which budget when one refuses. */
  rateLimited: (
    message: string,
    details: { retryAfterSeconds?: number; limit?: number; remaining?: number; resetSeconds?: number; budget?: string },
  ) =>
    new AppError('rate_limited', message, details),
  upstream: (message: string) => new AppError('upstream', message),
  /** The model provider rate limits us: passed on as 429, with its Retry-After when it gave one. */
  upstreamRateLimited: (message: string, retryAfterSeconds?: number) =>
    new AppError('rate_limited', message, retryAfterSeconds === undefined ? { upstream: true } : { upstream: true, retryAfterSeconds }),
  unknownModel: (model: string) => new AppError('bad_request', `Model '${model}' is not available`, { model }),
  unavailable: (message: string) => new AppError('unavailable', message),
  /** The password given to confirm a change is not the account's: refused, and counted like a failed login. */
  wrongPassword: () => new AppError('forbidden', 'Current password is incorrect', { reason: 'wrong_password' }),
};

export const isWrongPassword = (err: unknown) => err instanceof AppError && err.details?.reason === 'wrong_password';

// The database cannot be reached: the request may succeed later, so 503, never 500.
// SQLSTATE class 08 (connection exception), 57P01-57P03 (server shutting down or starting),
// 53300 (too many connections).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
// Socket failures on the way to the server, as Node reports them.
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
// node-postgres and its pool raise these without any code, so their text is all there is to go by.
const UNAVAILABLE_MESSAGES = new Set([
  'Connection terminated',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
]);

/** PostgreSQL SQLSTATE codes we map to domain errors; anything else stays a 500. */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (isConnectionFailure(err)) return errors.unavailable('Database unavailable');
  const code = findSqlState(err);
  if (code === '23505') return errors.conflict('Resource already exists');
  if (code === '23503') return errors.notFound('Referenced resource');
  if (code === '22P02' || code === '22007' || code === '22008') return errors.badRequest('Invalid value');
  // PostgreSQL text and jsonb cannot hold U+0000, the one character a JSON string can carry that they refuse.
  if (code === '22021' || code === '22P05') return errors.badRequest('Text must not contain NUL (\\u0000) characters');
  return undefined;
}

/** Why a second turn is refused while a conversation's reply is still being written. */
export const REPLY_IN_FLIGHT = 'A reply is already being generated in this conversation';

/** Whether the error is a unique violation of this index or constraint (the driver's error, or one wrapping it). */
export function violates(err: unknown, constraint: string): boolean {
  if (findSqlState(err) !== '23505') return false;
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const named = (e as { constraint?: unknown }).constraint;
    if (named === constraint) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function findSqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether an error, or an error it wraps (Drizzle wraps the driver's in `cause`), says the database cannot be reached. */
function isConnectionFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const { code, message, errors: inner } = e as { code?: unknown; message?: unknown; errors?: unknown };
    if (typeof code === 'string') {
      if (code.startsWith('08') && code.length === 5) return true;
      if (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) return true;
    } else if (typeof message === 'string' && UNAVAILABLE_MESSAGES.has(message)) {
      return true;
    }
    // A host with several addresses fails as an AggregateError of one failure per address.
    if (Array.isArray(inner) && inner.some((x) => isConnectionFailure(x))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
