import { z } from 'zod';

// Shared bounds for numbers and free-form JSON, used by every surface's schemas. zod already
// refuses NaN and ±Infinity (`1e309` parses to Infinity); these add what the database and the
// serialiser cannot take.

/** The smallest non-zero temperature: PostgreSQL's `real` underflows near 1e-38 and errors. */
export const MIN_NONZERO_TEMPERATURE = 1e-6;

/** A sampling temperature, 0..2, that a `real` column stores as sent: 0 or at least 1e-6. */
export const temperature = () =>
  z
    .number()
    .min(0)
    .max(2)
    .refine((v) => v === 0 || v >= MIN_NONZERO_TEMPERATURE, `must be 0 or at least ${MIN_NONZERO_TEMPERATURE}`);

/** A probability such as top_p, 0..1, with the same floor as temperature. */
export const probability = () =>
  z
    .number()
    .min(0)
    .max(1)
    .refine((v) => v === 0 || v >= MIN_NONZERO_TEMPERATURE, `must be 0 or at least ${MIN_NONZERO_TEMPERATURE}`);

/** A whole number from 1 to `max` (token limits, counts). */
export const positiveInt = (max: number) => z.number().int().min(1).max(max);

/** A numeric id some clients send (seed 002 shows integer session ids): a safe, non-negative integer. */
export const numericId = () => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Nesting deeper than this in a free-form JSON field is refused. */
export const MAX_JSON_DEPTH = 20;
/** A free-form JSON field larger than this, serialised, is refused. */
export const MAX_JSON_BYTES = 64 * 1024;

/**
 * How deep a JSON value nests (a scalar is 0, `{}` is 1), counted without recursion so a
 * hostile value cannot overflow the stack; stops as soon as `limit` is passed.
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (item.value === null || typeof item.value !== 'object') continue;
    const depth = item.depth + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth });
  }
  return deepest;
}

/** The problem with a free-form JSON value, if any: too deep or too large. */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, maxBytes = MAX_JSON_BYTES): string | undefined {
  if (jsonDepth(value, maxDepth) > maxDepth) return `must not nest deeper than ${maxDepth} levels`;
  // Safe to serialise now that the depth is bounded.
  if (Buffer.byteLength(JSON.stringify(value) ?? '') > maxBytes) return `must not be larger than ${maxBytes} bytes as JSON`;
  return undefined;
}

/** Adds the depth and size bounds to a schema of free-form JSON; the issue names the field. */
export const bounded = <T extends z.ZodType>(schema: T, maxDepth = MAX_JSON_DEPTH, maxBytes = MAX_JSON_BYTES) =>
  schema.superRefine((value, ctx) => {
    const problem = jsonProblem(value, maxDepth, maxBytes);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A free-form JSON object (metadata and the like), bounded in depth and size. */
export const boundedJsonObject = () => bounded(z.record(z.string(), z.unknown()));
