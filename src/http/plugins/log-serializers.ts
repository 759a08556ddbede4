import type { FastifyRequest } from 'fastify';
import { stdSerializers } from 'pino';

type SerializedError = ReturnType<typeof stdSerializers.err>;

/** Masks credentials carried in a query string (`?token=`, how browsers authenticate websockets). */
export const redactUrl = (url: string) => url.replace(/([?&](?:token|access_token)=)[^&#]*/gi, '$1[redacted]');

/** Fastify's request log fields, without credentials in the URL. */
export function requestLogFields(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

// Fields of a database error that hold the values of a query: emails, message text, password
// hashes. Drizzle puts the parameters in `params`, other drivers in `parameters`; PostgreSQL's
// `detail` repeats the values of a violated constraint.
const VALUE_FIELDS = ['params', 'parameters', 'detail'];

/**
 * pino's error serializer, without the values of a failed query: Drizzle writes them into the
 * message (`Failed query: …\nparams: …`) and keeps them in `params`. The query itself stays,
 * with its quoted literals masked, so a log still says which statement failed.
 */
export function errorLogFields(err: Error): SerializedError {
  const fields = stdSerializers.err(err);
  // Not an error after all (pino passes anything logged under `err`): nothing to clean.
  if (!fields || typeof fields !== 'object' || !(err instanceof Error)) return fields;
  for (const key of VALUE_FIELDS) delete fields[key];
  if (typeof fields.query === 'string') fields.query = maskLiterals(fields.query);
  if (typeof fields.message === 'string') fields.message = scrub(fields.message, err);
  if (typeof fields.stack === 'string') fields.stack = scrub(fields.stack, err);
  return fields;
}

/** Removes from a message or stack every query and parameter list carried by the error or its causes. */
function scrub(text: string, err: Error): string {
  let result = text;
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const { query, params, parameters } = e as { query?: unknown; params?: unknown; parameters?: unknown };
    for (const values of [params, parameters]) {
      // Drizzle writes them on a line of their own, as a template literal formats an array.
      if (Array.isArray(values)) result = result.split(`\nparams: ${String(values)}`).join('\nparams: [redacted]');
    }
    if (typeof query === 'string' && query) result = result.split(query).join(maskLiterals(query));
    e = (e as { cause?: unknown }).cause;
  }
  // Whatever is left on a `params:` line (values from an error that no longer carries them).
  return result.replace(/^params: (?!\[redacted\]).*$/gm, 'params: [redacted]');
}

/** Masks quoted string literals in SQL text (values written into a query rather than bound). */
const maskLiterals = (query: string) => query.replace(/'(?:[^']|'')*'/g, "'…'");

/** The serializers of every log line the app writes. */
export const logSerializers = { req: requestLogFields, err: errorLogFields };
