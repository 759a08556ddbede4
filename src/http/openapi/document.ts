import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { documentTags } from './tags.ts';

type JsonSchema = Record<string, unknown>;

/** A request body by content type, as the document shows it. */
export interface DocumentedBody {
  content: Record<string, { schema: JsonSchema }>;
}

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The request body as the OpenAPI document shows it, for routes that read their body themselves
     * (multipart uploads). Documentation only: nothing validates a request against it.
     */
    documentedBody?: DocumentedBody;
  }
}

/** For routes that serve anonymous callers too: a bearer token, or none at all. */
export const bearerOrAnonymous: Array<Record<string, string[]>> = [{ bearer: [] }, {}];

/** A multipart form whose one field, `file`, carries the file. */
export const multipartFile = (description: string): DocumentedBody['content'] => ({
  'multipart/form-data': {
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary', description } },
    },
  },
});

/** Each route's schema as `@fastify/swagger` reads it: zod turned into JSON Schema, and any documented body in place. */
const transform: FastifyDynamicSwaggerOptions['transform'] = (input) => {
  const documented = input.schema?.documentedBody;
  const result = jsonSchemaTransform(input);
  if (!documented) return result;
  const { documentedBody: _, ...schema } = result.schema;
  return { ...result, schema: { ...schema, body: { content: documented.content } } };
};

const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null;

/**
 * OpenAPI 3.0 gives `nullable` a meaning only next to `type`, but zod writes a nullable union as
 * `{anyOf: [...], nullable: true}`. The same schema, valid: its first typed branch is nullable
 * (only one, so the branches of a `oneOf` still exclude each other).
 */
function spreadNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) spreadNullable(item);
    return;
  }
  if (!isObject(node)) return;
  if (node.nullable === true && node.type === undefined && markNullable(node)) delete node.nullable;
  for (const value of Object.values(node)) spreadNullable(value);
}

/** Makes the first typed branch of a union nullable; false when it has none. */
function markNullable(schema: JsonSchema): boolean {
  const branches = schema.anyOf ?? schema.oneOf;
  if (!Array.isArray(branches)) return false;
  for (const branch of branches) {
    if (!isObject(branch)) continue;
    if (branch.type !== undefined) {
      branch.nullable = true;
      return true;
    }
    if (markNullable(branch)) return true;
  }
  return false;
}

const transformObject: FastifyDynamicSwaggerOptions['transformObject'] = (documentObject) => {
  const document = 'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
  spreadNullable(document.paths);
  return document;
};

/** The options of `@fastify/swagger`: what `GET /openapi.json` and `/docs` show. */
export const swaggerOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.0.3',
    info: {
      title: 'Parley',
      description:
        'Self-hosted backend for AI chat applications. One server speaks the APIs of several existing chat systems; each ' +
        'tag below names the API it matches. Authenticate with `Authorization: Bearer <token>`: an access token from ' +
        '`POST /api/v1/auth/login`, or an API key from `POST /api/v1/auth/api-keys`.',
      version: '0.1.0',
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: documentTags,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An access token or an API key' } } },
    security: [{ bearer: [] }],
  },
  transform,
  transformObject,
};
