import type Anthropic from '@anthropic-ai/sdk';
import type { ContentPart, FinishReason, PromptMessage, ProviderRequest, Refusal } from './types.ts';

// The translation between the seam (OpenAI's Chat Completions vocabulary) and Anthropic's
// Messages API: messages, tools, structured output and finish reasons.

type Block = Anthropic.ContentBlockParam;
type Turn = { role: 'user' | 'assistant'; content: string | Block[] };

/** The name of the tool a structured output request is forced through when it names none. */
export const FORMAT_TOOL_NAME = 'json_response';

/**
 * The first option Anthropic cannot honour. Its API has no seed, penalties, logit bias or log
 * probabilities; `top_p` is refused too, as the temperature is not sent (see anthropic.ts). A
 * `response_format` becomes a forced tool, which cannot be combined with tools of the caller's.
 */
export function anthropicRefusal(request: Omit<ProviderRequest, 'signal'>): Refusal | undefined {
  const unsupported: [keyof ProviderRequest, string][] = [
    ['logprobs', 'logprobs'],
    ['topLogprobs', 'top_logprobs'],
    ['logitBias', 'logit_bias'],
    ['seed', 'seed'],
    ['presencePenalty', 'presence_penalty'],
    ['frequencyPenalty', 'frequency_penalty'],
    ['topP', 'top_p'],
  ];
  for (const [key, param] of unsupported) {
    const value = (request as Partial<ProviderRequest>)[key];
    // logprobs: false asks for nothing, so it is harmless.
    if (value === undefined || value === false) continue;
    return { param, message: `${param} is not supported by the Anthropic provider of model ${request.model}` };
  }
  const format = request.responseFormat;
  if (format && format.type !== 'text' && request.tools?.length) {
    return {
      param: 'response_format',
      message: 'response_format cannot be combined with tools on the Anthropic provider (it is served through a forced tool)',
    };
  }
  if ((request.stop?.length ?? 0) > 0 && request.stop!.some((s) => !s.trim())) {
    return { param: 'stop', message: 'Anthropic does not accept whitespace-only stop sequences' };
  }
  return undefined;
}

/** The request body (without model, max_tokens and stream) and how the reply is to be read back. */
export function anthropicBody(request: ProviderRequest): {
  body: Omit<Anthropic.MessageCreateParamsStreaming, 'model' | 'max_tokens' | 'stream'>;
  /** Set when a response_format is served through a forced tool: its input is the reply's text. */
  formatTool?: string;
} {
  const { system, messages } = anthropicMessages(request.messages);
  const body: Omit<Anthropic.MessageCreateParamsStreaming, 'model' | 'max_tokens' | 'stream'> = { messages };
  if (system) body.system = system;
  if (request.stop?.length) body.stop_sequences = request.stop;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  let formatTool: string | undefined;
  const format = request.responseFormat;
  if (format && format.type !== 'text') {
    formatTool = format.type === 'json_schema' ? format.name : FORMAT_TOOL_NAME;
    const schema = format.type === 'json_schema' && format.schema ? format.schema : { type: 'object', additionalProperties: true };
    body.tools = [
      {
        name: formatTool,
        description: (format.type === 'json_schema' && format.description) || 'Give the answer as this JSON object.',
        input_schema: schema as Anthropic.Tool.InputSchema,
      },
    ];
    body.tool_choice = { type: 'tool', name: formatTool };
    return { body, formatTool };
  }
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      input_schema: (t.parameters ?? { type: 'object', properties: {} }) as Anthropic.Tool.InputSchema,
    }));
  }
  const parallel = request.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  const choice = request.toolChoice;
  if (choice === 'none') body.tool_choice = { type: 'none' };
  else if (choice === 'required') body.tool_choice = { type: 'any', ...parallel };
  else if (typeof choice === 'object') body.tool_choice = { type: 'tool', name: choice.name, ...parallel };
  else if (request.tools?.length && (choice === 'auto' || request.parallelToolCalls === false)) body.tool_choice = { type: 'auto', ...parallel };
  return { body };
}

/**
 * Anthropic takes the system prompt apart from the turns. Every system message (the prompt and
 * any written into the history) goes there, in order. Tool results travel in user turns, and
 * turns of one role in a row are merged, as the API wants them alternating.
 */
export function anthropicMessages(prompt: PromptMessage[]): { system: string; messages: Turn[] } {
  const system: string[] = [];
  const messages: Turn[] = [];
  const asBlocks = (content: string | Block[]): Block[] => (typeof content === 'string' ? [{ type: 'text', text: content }] : content);
  // Plain text stays a string, as every turn without tools or images has always been sent.
  const push = (role: Turn['role'], content: string | Block[]) => {
    if (content.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content = [...asBlocks(last.content), ...asBlocks(content)];
    else messages.push({ role, content });
  };
  for (const m of prompt) {
    if (m.role === 'system') system.push(m.content);
    else if (m.role === 'tool') {
      push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId ?? '', content: m.content }]);
    } else if (m.role === 'assistant') {
      if (!m.toolCalls?.length) {
        push('assistant', m.content);
        continue;
      }
      const blocks: Block[] = m.content ? [{ type: 'text', text: m.content }] : [];
      for (const call of m.toolCalls) {
        blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call.arguments) });
      }
      push('assistant', blocks);
    } else {
      push('user', m.parts ? m.parts.map(userBlock) : m.content);
    }
  }
  return { system: system.join('\n\n'), messages };
}

function userBlock(part: ContentPart): Block {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
  if (data) {
    return {
      type: 'image',
      source: { type: 'base64', media_type: data[1] as Anthropic.Base64ImageSource['media_type'], data: data[2] },
    };
  }
  return { type: 'image', source: { type: 'url', url: part.url } };
}

/** The model wrote the arguments as JSON text; Anthropic wants the object. */
function parseArguments(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text || '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? value : { value };
  } catch {
    // Arguments that are not JSON (a model's slip) still reach the model, as text.
    return { arguments: text };
  }
}

/** Anthropic's stop reason in OpenAI's words. */
export function finishReasonOf(stopReason: string | null | undefined, formatTool: string | undefined): FinishReason {
  if (stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded') return 'length';
  // A forced structured-output tool is the answer itself, not a call for the client to make.
  if (stopReason === 'tool_use') return formatTool ? 'stop' : 'tool_calls';
  if (stopReason === 'refusal') return 'content_filter';
  return 'stop';
}
