import { z } from 'zod';
import type { ResponseItem, ResponseRequest } from '../../core/chat/responses-service.ts';
import { errors } from '../../core/errors.ts';
import type { CallOptions, ContentPart } from '../../providers/types.ts';
import { boundedJsonObject, positiveInt, probability, temperature } from '../schemas/bounded.ts';
import { MAX_CONTENT_CHARS } from './schemas.ts';

const MAX_IMAGE_URL_CHARS = 20_000_000;
const MAX_ITEMS = 1000;

const imageUrl = z
  .string()
  .max(MAX_IMAGE_URL_CHARS)
  .refine((u) => /^(https?:\/\/|data:image\/[a-z0-9.+-]+;base64,)/i.test(u), 'must be an http(s) URL or a base64 image data URL');

const contentPart = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input_text'), text: z.string().max(MAX_CONTENT_CHARS) }),
  z.object({ type: z.literal('input_image'), image_url: imageUrl, detail: z.enum(['auto', 'low', 'high']).optional() }),
  // An earlier reply sent back as input (clients that keep the history themselves).
  z.object({ type: z.literal('output_text'), text: z.string().max(MAX_CONTENT_CHARS) }),
  z.object({ type: z.literal('refusal'), refusal: z.string().max(MAX_CONTENT_CHARS) }),
]);

const itemId = z.string().min(1).max(256);

const messageItem = z.object({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'system', 'developer', 'assistant']),
  content: z.union([z.string().max(MAX_CONTENT_CHARS), z.array(contentPart).max(MAX_ITEMS)]),
  id: itemId.optional(),
});

const functionCallItem = z.object({
  type: z.literal('function_call'),
  call_id: itemId,
  name: z.string().min(1).max(256),
  arguments: z.string().max(MAX_CONTENT_CHARS),
  id: itemId.optional(),
});

const functionCallOutputItem = z.object({
  type: z.literal('function_call_output'),
  call_id: itemId,
  output: z.union([
    z.string().max(MAX_CONTENT_CHARS),
    z.array(z.object({ type: z.literal('input_text'), text: z.string().max(MAX_CONTENT_CHARS) })).max(MAX_ITEMS),
  ]),
  id: itemId.optional(),
});

const itemReference = z.object({ type: z.literal('item_reference'), id: itemId });

const inputItem = z.union([messageItem, functionCallItem, functionCallOutputItem, itemReference]);

const toolName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or dashes');

// Responses' flat function tool; other tool types (web search, file search...) are refused by validation.
const functionTool = z.object({
  type: z.literal('function'),
  name: toolName,
  description: z.string().max(MAX_CONTENT_CHARS).nullish(),
  parameters: boundedJsonObject().nullish(),
  strict: z.boolean().nullish(),
});

const textFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: toolName,
    description: z.string().max(MAX_CONTENT_CHARS).optional(),
    schema: boundedJsonObject(),
    strict: z.boolean().nullish(),
  }),
]);

/**
 * The request body. Strict, as OpenAI's own API is: a parameter Parley does not implement is a
 * 400 naming it, never silently ignored.
 */
export const responseBody = z.strictObject({
  model: z.string().min(1).max(100),
  input: z.union([z.string().max(MAX_CONTENT_CHARS), z.array(inputItem).min(1).max(MAX_ITEMS)]),
  instructions: z.string().max(MAX_CONTENT_CHARS).nullish(),
  tools: z.array(functionTool).max(128).nullish(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), name: toolName })]).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  temperature: temperature().nullish(),
  top_p: probability().nullish(),
  max_output_tokens: positiveInt(1_000_000).nullish(),
  text: z.strictObject({ format: textFormat.optional() }).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1).max(100).nullish(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
  user: z.string().max(256).nullish(),
  // Accepted in their default (no-op) values only.
  truncation: z.literal('disabled').nullish(),
  include: z.array(z.string()).max(0, 'include is not supported').nullish(),
}).meta({
  examples: [{ model: 'echo', instructions: 'Answer in French.', input: 'What is the tallest mountain in the Alps?' }],
});

export type ResponseBody = z.infer<typeof responseBody>;

export const responseParams = z.object({ id: z.string().min(1).max(100) });

/** Message content as text; images kept as parts (only a user message may carry them). */
function messageContent(item: z.infer<typeof messageItem>): { content: string; parts?: ContentPart[] } {
  if (typeof item.content === 'string') return { content: item.content };
  const text = item.content.map((p) => (p.type === 'input_text' || p.type === 'output_text' ? p.text : p.type === 'refusal' ? p.refusal : '')).join('');
  if (text.length > MAX_CONTENT_CHARS) throw errors.badRequest(`Text parts together must be at most ${MAX_CONTENT_CHARS} characters`, { param: 'input' });
  if (!item.content.some((p) => p.type === 'input_image')) return { content: text };
  if (item.role !== 'user') throw errors.badRequest('Only user messages may carry images', { param: 'input' });
  const parts: ContentPart[] = [];
  for (const p of item.content) {
    if (p.type === 'input_image') parts.push({ type: 'image', url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) });
    else if (p.type === 'input_text') parts.push({ type: 'text', text: p.text });
  }
  return { content: text, parts };
}

function itemOf(item: z.infer<typeof inputItem>): ResponseItem {
  if (item.type === 'function_call') return { kind: 'function_call', callId: item.call_id, name: item.name, arguments: item.arguments };
  if (item.type === 'function_call_output') {
    const output = typeof item.output === 'string' ? item.output : item.output.map((p) => p.text).join('');
    return { kind: 'function_call_output', callId: item.call_id, output };
  }
  if (item.type === 'item_reference') return { kind: 'reference', id: item.id };
  const role = item.role === 'developer' ? 'system' : item.role;
  return { kind: 'message', role, ...messageContent(item) };
}

function optionsOf(body: ResponseBody): CallOptions {
  const o: CallOptions = {};
  if (body.tools?.length) {
    o.tools = body.tools.map((t) => ({
      name: t.name,
      ...(t.description != null ? { description: t.description } : {}),
      ...(t.parameters != null ? { parameters: t.parameters } : {}),
      ...(t.strict != null ? { strict: t.strict } : {}),
    }));
  }
  if (body.tool_choice != null) o.toolChoice = typeof body.tool_choice === 'string' ? body.tool_choice : { name: body.tool_choice.name };
  if (body.parallel_tool_calls != null) o.parallelToolCalls = body.parallel_tool_calls;
  const format = body.text?.format;
  // `text` is the default format: nothing to ask of the provider.
  if (format && format.type !== 'text') {
    o.responseFormat =
      format.type === 'json_schema'
        ? {
            type: 'json_schema',
            name: format.name,
            schema: format.schema,
            ...(format.description !== undefined ? { description: format.description } : {}),
            ...(format.strict != null ? { strict: format.strict } : {}),
          }
        : { type: 'json_object' };
  }
  if (body.top_p != null) o.topP = body.top_p;
  if (body.user != null) o.user = body.user;
  return o;
}

/** The request as the core takes it. `store` defaults to true, as in OpenAI. */
export function responseRequest(body: ResponseBody): ResponseRequest {
  const input: ResponseItem[] = typeof body.input === 'string' ? [{ kind: 'message', role: 'user', content: body.input }] : body.input.map(itemOf);
  return {
    model: body.model,
    input,
    ...(body.instructions != null ? { instructions: body.instructions } : {}),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.max_output_tokens != null ? { maxTokens: body.max_output_tokens } : {}),
    options: optionsOf(body),
    store: body.store ?? true,
    ...(body.previous_response_id != null ? { previousResponseId: body.previous_response_id } : {}),
  };
}

const outputText = z.object({ type: z.literal('output_text'), text: z.string(), annotations: z.array(z.unknown()), logprobs: z.array(z.unknown()) });
const outputItem = z.union([
  z.object({ type: z.literal('message'), id: z.string(), status: z.string(), role: z.literal('assistant'), content: z.array(outputText) }),
  z.object({ type: z.literal('function_call'), id: z.string(), call_id: z.string(), name: z.string(), arguments: z.string(), status: z.string() }),
]);

/** The response object (OpenAI's fields that Parley fills). */
export const responseObject = z.object({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.number().int(),
  status: z.enum(['completed', 'incomplete', 'in_progress', 'failed']),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  incomplete_details: z.object({ reason: z.string() }).nullable(),
  instructions: z.string().nullable(),
  max_output_tokens: z.number().int().nullable(),
  model: z.string(),
  output: z.array(outputItem),
  parallel_tool_calls: z.boolean(),
  previous_response_id: z.string().nullable(),
  temperature: z.number().nullable(),
  top_p: z.number().nullable(),
  tool_choice: z.unknown(),
  tools: z.array(z.unknown()),
  text: z.object({ format: z.unknown() }),
  truncation: z.literal('disabled'),
  store: z.boolean(),
  metadata: z.record(z.string(), z.string()),
  user: z.string().nullable(),
  usage: z
    .object({
      input_tokens: z.number().int(),
      input_tokens_details: z.object({ cached_tokens: z.number().int() }),
      output_tokens: z.number().int(),
      output_tokens_details: z.object({ reasoning_tokens: z.number().int() }),
      total_tokens: z.number().int(),
    })
    .nullable(),
});

export type ResponseObject = z.infer<typeof responseObject>;

export const deletedResponse = z.object({ id: z.string(), object: z.literal('response'), deleted: z.literal(true) });
