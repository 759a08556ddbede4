import { z } from 'zod';
import type { CallOptions, ContentPart, PromptMessage } from '../../providers/types.ts';
import { boundedJsonObject, positiveInt, probability, temperature } from '../schemas/bounded.ts';

// One message is at most 100,000 characters, its text parts together, as on every surface.
export const MAX_CONTENT_CHARS = 100_000;
// An image given inline (a data URL) may be large; the body limit bounds the request as a whole.
const MAX_IMAGE_URL_CHARS = 20_000_000;

const textPart = z.object({ type: z.literal('text'), text: z.string().max(MAX_CONTENT_CHARS) });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z
      .string()
      .max(MAX_IMAGE_URL_CHARS)
      .refine((u) => /^(https?:\/\/|data:image\/[a-z0-9.+-]+;base64,)/i.test(u), 'must be an http(s) URL or a base64 image data URL'),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});

const withinLimit = (parts: { type: string; text?: string }[]) =>
  parts.reduce((sum, p) => sum + (p.text?.length ?? 0), 0) <= MAX_CONTENT_CHARS;
const limitMessage = `Text parts together must be at most ${MAX_CONTENT_CHARS} characters`;

const textContent = z.union([z.string().max(MAX_CONTENT_CHARS), z.array(textPart).max(1000).refine(withinLimit, limitMessage)]);
const userContent = z.union([
  z.string().max(MAX_CONTENT_CHARS),
  z
    .array(z.discriminatedUnion('type', [textPart, imagePart]))
    .max(1000)
    .refine(withinLimit, limitMessage),
]);

const toolCall = z.object({
  id: z.string().min(1).max(256),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1).max(256), arguments: z.string().max(MAX_CONTENT_CHARS) }),
});

export const chatMessage = z.discriminatedUnion('role', [
  z.object({ role: z.enum(['system', 'developer']), content: textContent, name: z.string().max(256).optional() }),
  z.object({ role: z.literal('user'), content: userContent, name: z.string().max(256).optional() }),
  z.object({
    role: z.literal('assistant'),
    content: textContent.nullish(),
    name: z.string().max(256).optional(),
    tool_calls: z.array(toolCall).max(128).optional(),
    refusal: z.string().max(MAX_CONTENT_CHARS).nullish(),
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1).max(256) }),
]);

const toolName = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or dashes');

const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: toolName,
    description: z.string().max(MAX_CONTENT_CHARS).optional(),
    parameters: boundedJsonObject().optional(),
    strict: z.boolean().nullish(),
  }),
});

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: toolName,
      description: z.string().max(MAX_CONTENT_CHARS).optional(),
      schema: boundedJsonObject().optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const penalty = () => z.number().min(-2).max(2);

export const completionBody = z.looseObject({
  model: z.string().min(1).max(100),
  messages: z.array(chatMessage).min(1).max(1000),
  temperature: temperature().nullish(),
  top_p: probability().nullish(),
  max_tokens: positiveInt(1_000_000).nullish(),
  max_completion_tokens: positiveInt(1_000_000).nullish(),
  // Only one choice per request is served; more are refused by name (see the route).
  n: positiveInt(128).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  store: z.boolean().nullish(),
  user: z.string().max(256).optional(),
  tools: z.array(tool).max(128).nullish(),
  tool_choice: z
    .union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: toolName }) })])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormat.nullish(),
  stop: z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).max(4)]).nullish(),
  seed: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).nullish(),
  presence_penalty: penalty().nullish(),
  frequency_penalty: penalty().nullish(),
  logit_bias: z.record(z.string().regex(/^\d{1,10}$/), z.number().min(-100).max(100)).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
}).meta({
  examples: [
    {
      model: 'echo',
      messages: [
        { role: 'system', content: 'You answer in one sentence.' },
        { role: 'user', content: 'Why is the sky blue?' },
      ],
      temperature: 0.2,
    },
  ],
});

export type CompletionBody = z.infer<typeof completionBody>;

export const sessionHeader = z.looseObject({
  'x-session-id': z.uuid().optional().describe('Continue this stored conversation: its history is the context, and the exchange is stored'),
});

export const openaiError = z.object({
  error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
});

/** The error statuses of the OpenAI-compatible routes, each in OpenAI's `{error}` shape. */
export const openaiErrors = {
  400: openaiError.describe('The request is invalid (a parameter named in `error.param`), or the model is not available'),
  401: openaiError.describe('Not authenticated: no API key or token, or an invalid, expired or revoked one'),
  403: openaiError.describe('Not allowed: the stored conversation or response is another user’s'),
  404: openaiError.describe('Not found'),
  409: openaiError.describe('A reply is already being written in this conversation'),
  429: openaiError.describe('Too many requests, or a budget is used up: `Retry-After` says when to try again'),
  502: openaiError.describe('The model provider failed or could not be reached'),
};

const usage = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });

const topLogprob = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number()).nullable() });
const logprobs = z.object({ content: z.array(topLogprob.extend({ top_logprobs: z.array(topLogprob) })).nullable() });

export const completionResponse = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({
        role: z.literal('assistant'),
        content: z.string().nullable(),
        refusal: z.string().nullable(),
        tool_calls: z.array(toolCall).optional(),
      }),
      logprobs: logprobs.nullable(),
      finish_reason: z.string(),
    }),
  ),
  usage,
});

export const modelObject = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  /** The configured provider's name. */
  owned_by: z.string(),
  // Beyond OpenAI's fields, ignored by its clients: what Parley knows of the model.
  context_window: z.number().int().nullable(),
  input_price_per_million: z.number().nullable(),
  output_price_per_million: z.number().nullable(),
  pricing: z.enum(['known', 'unknown']),
});
export const modelList = z.object({ object: z.literal('list'), data: z.array(modelObject) });
export const modelParams = z.object({ model: z.string().min(1).max(100) });

type TextContent = z.infer<typeof textContent> | null | undefined;

/** Message content as plain text: text parts joined. */
export function contentText(content: TextContent | z.infer<typeof userContent>): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

/** A request message as the provider seam takes it (`developer` is a system message). */
export function promptMessage(m: z.infer<typeof chatMessage>): PromptMessage {
  const content = contentText(m.content);
  if (m.role === 'tool') return { role: 'tool', content, toolCallId: m.tool_call_id };
  if (m.role === 'assistant') {
    if (!m.tool_calls?.length) return { role: 'assistant', content };
    return {
      role: 'assistant',
      content,
      toolCalls: m.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })),
    };
  }
  if (m.role === 'user' && Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url')) {
    const parts: ContentPart[] = m.content.map((p) =>
      p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image', url: p.image_url.url, ...(p.image_url.detail ? { detail: p.image_url.detail } : {}) },
    );
    return { role: 'user', content, parts };
  }
  return { role: m.role === 'developer' ? 'system' : m.role, content };
}

/** The request's generation options; unset ones stay unset, so a provider sees only what was asked. */
export function callOptions(body: CompletionBody): CallOptions {
  const o: CallOptions = {};
  if (body.tools?.length) {
    o.tools = body.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      ...(t.function.parameters !== undefined ? { parameters: t.function.parameters } : {}),
      ...(t.function.strict != null ? { strict: t.function.strict } : {}),
    }));
  }
  if (body.tool_choice != null) o.toolChoice = typeof body.tool_choice === 'string' ? body.tool_choice : { name: body.tool_choice.function.name };
  if (body.parallel_tool_calls != null) o.parallelToolCalls = body.parallel_tool_calls;
  const format = body.response_format;
  if (format != null) {
    o.responseFormat =
      format.type === 'json_schema'
        ? {
            type: 'json_schema',
            name: format.json_schema.name,
            ...(format.json_schema.description !== undefined ? { description: format.json_schema.description } : {}),
            ...(format.json_schema.schema !== undefined ? { schema: format.json_schema.schema } : {}),
            ...(format.json_schema.strict != null ? { strict: format.json_schema.strict } : {}),
          }
        : { type: format.type };
  }
  if (body.stop != null) o.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.seed != null) o.seed = body.seed;
  if (body.top_p != null) o.topP = body.top_p;
  if (body.presence_penalty != null) o.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) o.frequencyPenalty = body.frequency_penalty;
  if (body.logit_bias != null) o.logitBias = body.logit_bias;
  if (body.logprobs != null) o.logprobs = body.logprobs;
  if (body.top_logprobs != null) o.topLogprobs = body.top_logprobs;
  if (body.user !== undefined) o.user = body.user;
  return o;
}
