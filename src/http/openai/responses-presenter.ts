import type { CompletionEvent } from '../../core/chat/completions-service.ts';
import type { TurnUsage } from '../../core/chat/live-turn.ts';
import { messageItemIdOf, type StoredResponse, toolCallsOf } from '../../core/chat/responses-service.ts';
import type { FinishReason, ToolCall } from '../../providers/types.ts';
import type { ResponseBody, ResponseObject } from './responses-schemas.ts';

/** What a response object repeats of its request. */
export type RequestEcho = Pick<
  ResponseObject,
  'instructions' | 'max_output_tokens' | 'parallel_tool_calls' | 'previous_response_id' | 'temperature' | 'top_p' | 'tool_choice' | 'tools' | 'text' | 'store' | 'metadata' | 'user'
>;

export function echoOf(body: ResponseBody): RequestEcho {
  return {
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    tool_choice: body.tool_choice ?? 'auto',
    tools: (body.tools ?? []).map((t) => ({ ...t, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? true })),
    text: { format: body.text?.format ?? { type: 'text' } },
    store: body.store ?? true,
    metadata: body.metadata ?? {},
    user: body.user ?? null,
  };
}

export const usageOf = (u: TurnUsage): NonNullable<ResponseObject['usage']> => ({
  input_tokens: u.promptTokens,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: u.completionTokens,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: u.totalTokens,
});

export const textPart = (text: string) => ({ type: 'output_text' as const, text, annotations: [], logprobs: [] });

export const messageItem = (id: string, text: string, status: string) => ({
  type: 'message' as const,
  id,
  status,
  role: 'assistant' as const,
  content: [textPart(text)],
});

export const callItem = (id: string, call: ToolCall, status: string) => ({
  type: 'function_call' as const,
  id,
  call_id: call.id,
  name: call.name,
  arguments: call.arguments,
  status,
});

/** OpenAI's words for why a reply stopped short. */
export function incompleteOf(finish: FinishReason | undefined): { reason: string } | null {
  if (finish === 'length') return { reason: 'max_output_tokens' };
  if (finish === 'content_filter') return { reason: 'content_filter' };
  return null;
}

export interface ResponseState {
  id: string;
  createdAt: Date;
  model: string;
  status: ResponseObject['status'];
  /** The message item's id (`msg_…`) and the base of the function call items' ids. */
  messageItemId: string;
  text: string;
  calls: ToolCall[];
  usage: TurnUsage | null;
  incomplete: { reason: string } | null;
  error: { code: string; message: string } | null;
}

/** Adds one event of the reply to its state: text, a piece of a tool call, or the end. */
export function collect(state: ResponseState, event: Exclude<CompletionEvent, { type: 'error' }>): void {
  if (event.type === 'delta') state.text += event.text;
  else if (event.type === 'tool_call') {
    state.calls[event.index] ??= { id: '', name: '', arguments: '' };
    const call = state.calls[event.index];
    if (event.id) call.id = event.id;
    if (event.name) call.name += event.name;
    if (event.arguments) call.arguments += event.arguments;
  } else {
    state.usage = event.usage;
    state.incomplete = incompleteOf(event.finishReason);
    state.status = state.incomplete ? 'incomplete' : 'completed';
  }
}

/** The reply's items: its text as one message (when it has any), then its function calls. */
export function outputOf(state: ResponseState): ResponseObject['output'] {
  const itemStatus = state.status === 'completed' ? 'completed' : state.status === 'in_progress' ? 'in_progress' : 'incomplete';
  const output: ResponseObject['output'] = [];
  if (state.text) output.push(messageItem(state.messageItemId, state.text, itemStatus));
  state.calls.forEach((call, index) => {
    output.push(callItem(callItemId(state.messageItemId, index), call, 'completed'));
  });
  return output;
}

/** A function call item's id: its reply's id and its place among the reply's calls. */
export const callItemId = (messageItemId: string, index: number) => `fc_${messageItemId.slice('msg_'.length)}_${index}`;

export function responseObjectOf(state: ResponseState, echo: RequestEcho, output = outputOf(state)): ResponseObject {
  return {
    id: state.id,
    object: 'response',
    created_at: Math.floor(state.createdAt.getTime() / 1000),
    status: state.status,
    error: state.error,
    incomplete_details: state.incomplete,
    model: state.model,
    output,
    usage: state.usage ? usageOf(state.usage) : null,
    truncation: 'disabled',
    ...echo,
  };
}

/** A stored response as GET shows it: the request's own parameters are not kept, only the conversation's. */
export function storedResponseObject(stored: StoredResponse): ResponseObject {
  const { message, conversation } = stored;
  const meta = message.metadata ?? {};
  const finish = typeof meta.finish_reason === 'string' ? (meta.finish_reason as FinishReason) : undefined;
  const incomplete = message.status === 'incomplete' ? { reason: 'interrupted' } : incompleteOf(finish);
  const status: ResponseObject['status'] =
    message.status === 'streaming' ? 'in_progress' : message.status === 'error' ? 'failed' : incomplete ? 'incomplete' : 'completed';
  const usage = { promptTokens: message.promptTokens, completionTokens: message.completionTokens, totalTokens: message.promptTokens + message.completionTokens, estimated: false };
  const state: ResponseState = {
    id: stored.id,
    createdAt: message.createdAt,
    model: message.model ?? conversation.model,
    status,
    messageItemId: messageItemIdOf(message.id),
    text: message.content,
    calls: toolCallsOf(message),
    usage: message.status === 'streaming' ? null : usage,
    incomplete,
    error: status === 'failed' ? { code: 'server_error', message: typeof meta.error === 'string' ? meta.error : 'The response failed' } : null,
  };
  return responseObjectOf(state, {
    instructions: conversation.systemPromptHidden ? null : conversation.systemPrompt,
    max_output_tokens: conversation.maxTokens ?? null,
    parallel_tool_calls: true,
    previous_response_id: stored.previousResponseId,
    temperature: conversation.temperature ?? null,
    top_p: null,
    tool_choice: 'auto',
    tools: [],
    text: { format: { type: 'text' } },
    store: true,
    metadata: {},
    user: null,
  });
}
