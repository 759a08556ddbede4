// Hostile inputs for the fuzz test, derived from an operation's OpenAPI request schema.

/** A small seeded generator (mulberry32), so a failing run can be repeated exactly. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    /** `n` items drawn without repetition (all of them when there are fewer). */
    sample: <T>(items: readonly T[], n: number): T[] => {
      const pool = [...items];
      const out: T[] = [];
      while (pool.length > 0 && out.length < n) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]);
      return out;
    },
  };
}
export type Random = ReturnType<typeof seededRandom>;

// OpenAPI schemas are plain JSON of any shape.
export type JsonSchema = any;

/** A plausible value for a schema: the base every field mutation starts from. */
export function sampleValue(schema: JsonSchema, depth = 0): unknown {
  if (!schema || depth > 4) return null;
  const variant = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (variant) return sampleValue(variant[0], depth + 1);
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid') return '00000000-0000-7000-8000-000000000000';
      if (schema.format === 'email') return `fuzz-${Math.floor(Math.random() * 1e9)}@example.test`;
      if (schema.format === 'date') return '2024-01-01';
      return 'x'.repeat(Math.max(8, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return [sampleValue(schema.items, depth + 1)];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries<JsonSchema>(schema.properties ?? {})) out[key] = sampleValue(sub, depth + 1);
      return out;
    }
    default:
      return null;
  }
}

const deep = (n: number, open: string, close: string, inner = '1') => `${open.repeat(n)}${inner}${close.repeat(n)}`;

/** Raw JSON texts put in place of one field's value (raw, so `1e309` and lone surrogates reach the server as sent). */
export const HOSTILE_VALUES: Array<{ name: string; raw: () => string }> = [
  { name: 'string', raw: () => '"not the right type"' },
  { name: 'number', raw: () => '12345' },
  { name: 'boolean', raw: () => 'true' },
  { name: 'null', raw: () => 'null' },
  { name: 'object', raw: () => '{"a":1}' },
  { name: 'array', raw: () => '[1,"two",{}]' },
  { name: 'huge number', raw: () => '1.7976931348623157e308' },
  { name: 'huge integer', raw: () => '123456789012345678901234567890' },
  { name: '1e309', raw: () => '1e309' },
  { name: '-1e309', raw: () => '-1e309' },
  { name: '1e-320', raw: () => '1e-320' },
  { name: '-0', raw: () => '-0' },
  { name: '-1', raw: () => '-1' },
  { name: 'NaN-like', raw: () => '"NaN"' },
  { name: 'Infinity-like', raw: () => '"Infinity"' },
  { name: 'NUL', raw: () => '"a\\u0000b"' },
  { name: 'lone surrogate', raw: () => '"\\ud800"' },
  { name: 'lone low surrogate', raw: () => '"x\\udfffy"' },
  { name: 'emoji', raw: () => '"😀🧪"' },
  { name: 'empty string', raw: () => '""' },
  { name: 'blank string', raw: () => '"   "' },
  { name: 'long string', raw: () => JSON.stringify('y'.repeat(300)) },
  { name: '1 MB string', raw: () => JSON.stringify('z'.repeat(1_048_576)) },
  { name: 'deep object', raw: () => deep(10_000, '{"a":', '}') },
  { name: 'deep array', raw: () => deep(10_000, '[', ']') },
  { name: 'array of objects', raw: () => JSON.stringify(Array.from({ length: 50 }, () => ({ role: 'user', content: 'x' }))) },
];

/** Whole bodies sent instead of a valid one: raw text and its content type. */
export const HOSTILE_BODIES: Array<{ name: string; type?: string; body: () => string }> = [
  { name: 'empty JSON body', type: 'application/json', body: () => '' },
  { name: 'malformed JSON', type: 'application/json', body: () => '{"a":' },
  { name: 'JSON null', type: 'application/json', body: () => 'null' },
  { name: 'JSON array', type: 'application/json', body: () => '[]' },
  { name: 'JSON string', type: 'application/json', body: () => '"text"' },
  { name: 'JSON number', type: 'application/json', body: () => '1e309' },
  { name: 'deep array body', type: 'application/json', body: () => deep(10_000, '[', ']') },
  { name: 'deep object body', type: 'application/json', body: () => deep(10_000, '{"a":', '}') },
  { name: 'proto pollution', type: 'application/json', body: () => '{"__proto__":{"admin":true},"constructor":{"prototype":{}}}' },
  { name: 'text/plain', type: 'text/plain', body: () => 'hello' },
  { name: 'form', type: 'application/x-www-form-urlencoded', body: () => 'a=1&b=2' },
  { name: 'multipart without boundary', type: 'multipart/form-data', body: () => 'garbage' },
  { name: 'multipart with a bad body', type: 'multipart/form-data; boundary=XYZ', body: () => '--XYZ\r\nbroken' },
  { name: 'no content type', body: () => '{"a":1}' },
  { name: 'unknown content type', type: 'application/x-fuzz', body: () => '\u0000\u0001' },
];

/** Query values tried for every query parameter. */
export const HOSTILE_QUERY = ['-1', '0', '1e309', 'NaN', '1.5', '99999999999999999999', '%00', '%FF', 'true', '', 'x'.repeat(300), '%ED%A0%80'];

/** Path segments that name nothing, or nothing sensible (already percent-encoded where needed). */
export const BAD_PATH_VALUES = [
  '0',
  '-1',
  'x'.repeat(300),
  '%00',
  '%FF',
  '..%2F..%2Fetc',
  encodeURIComponent('😀'),
  '%ED%A0%80',
  '1e309',
  'null',
];
