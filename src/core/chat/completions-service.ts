import type { ModelRegistry, ResolvedModel } from '../../providers/catalog.ts';
import type { CallOptions, FinishReason, PromptMessage, Refusal, TokenLogprob } from '../../providers/types.ts';
import type { Actor } from '../actor.ts';
import type { Conversation } from '../conversations/conversations-service.ts';
import { errors } from '../errors.ts';
import type { TurnUsage } from './live-turn.ts';
import type { ModelCalls } from './model-call.ts';
import type { SessionChatService } from './session-chat.ts';
import type { TranscriptEntry } from './transcript.ts';

/** What an OpenAI-style completion streams, whether stateless or stored. */
export type CompletionEvent =
  | { type: 'delta'; text: string; logprobs?: TokenLogprob[] }
  | { type: 'tool_call'; index: number; id?: string; name?: string; arguments?: string }
  | { type: 'end'; usage: TurnUsage; costUsd: number; finishReason: FinishReason }
  | { type: 'error'; status: number; message: string; retryAfterSeconds?: number };

export interface CompletionInput {
  model: string;
  messages: PromptMessage[];
  temperature?: number;
  maxTokens?: number;
  options: CallOptions;
}

/**
 * The OpenAI-compatible API's use cases. Stateless by default: nothing is stored but the
 * usage, and a client that goes away aborts the provider request. With a session (an
 * existing one, or `store: true`), it is a normal stored turn through the turn engine.
 * Either way an option the model's provider cannot honour is refused before anything runs.
 */
export class CompletionsService {
  private readonly deps: { models: ModelRegistry; calls: ModelCalls; sessionChat: SessionChatService };
  constructor(deps: { models: ModelRegistry; calls: ModelCalls; sessionChat: SessionChatService }) {
    this.deps = deps;
  }

  /**
   * Resolves the model first (400 naming an unknown one), then streams the stateless call. With
   * `wholeReply`, the client takes the reply at once, so the provider need not stream it.
   */
  stateless(actor: Actor, input: CompletionInput, signal: AbortSignal, delivery: { wholeReply?: boolean } = {}): AsyncGenerator<CompletionEvent> {
    const model = this.deps.models.resolve(input.model);
    checkOptions(model, input);
    const calls = this.deps.calls;
    return (async function* () {
      const stream = calls.stream({
        actor,
        model,
        messages: input.messages,
        kind: 'chat',
        temperature: input.temperature,
        maxTokens: input.maxTokens,
        options: input.options,
        signal,
        wholeReply: delivery.wholeReply,
      });
      let finishReason: FinishReason = 'stop';
      while (true) {
        const next = await stream.next();
        if (next.done) {
          yield { type: 'end', usage: next.value.usage, costUsd: next.value.costUsd, finishReason };
          return;
        }
        const event = next.value;
        if (event.type === 'finish') finishReason = event.reason;
        else if (event.type === 'text') yield { type: 'delta', text: event.text, ...(event.logprobs ? { logprobs: event.logprobs } : {}) };
        else yield event;
      }
    })();
  }

  /**
   * Appends to a stored conversation (or creates one) and runs the turn; the turn outlives its
   * client. Tool calls are stored on the reply (`metadata.tool_calls`) and streamed when it ends.
   */
  async stored(
    actor: Actor,
    sessionId: string | undefined,
    input: CompletionInput,
  ): Promise<{ conversation: Conversation; events: AsyncGenerator<CompletionEvent> }> {
    const model = this.deps.models.resolve(input.model);
    checkOptions(model, input);
    const last = input.messages.at(-1);
    const { conversation, turn } = await this.deps.sessionChat.start(actor, {
      sessionId,
      model: input.model,
      messages: input.messages.map(transcriptEntry),
      temperature: input.temperature,
      maxTokens: input.maxTokens,
      options: input.options,
      finalPrompt: last?.parts ? last : undefined,
    });
    const events = (async function* (): AsyncGenerator<CompletionEvent> {
      for await (const event of turn.subscribe()) {
        if (event.type === 'token') yield { type: 'delta', text: event.text };
        else if (event.type === 'done') {
          const meta = event.message.metadata ?? {};
          const calls = Array.isArray(meta.tool_calls) ? (meta.tool_calls as { id: string; name: string; arguments: string }[]) : [];
          for (const [index, call] of calls.entries()) yield { type: 'tool_call', index, ...call };
          const finishReason = typeof meta.finish_reason === 'string' ? (meta.finish_reason as FinishReason) : 'stop';
          yield { type: 'end', usage: event.usage, costUsd: event.costUsd, finishReason };
        } else if (event.type === 'error') {
          yield { type: 'error', status: event.status, message: event.detail, retryAfterSeconds: event.retryAfterSeconds };
        }
      }
    })();
    return { conversation, events };
  }
}

/**
 * Refuses (400 naming the parameter) an option the provider cannot honour, and images or tool
 * messages for a provider that takes plain text turns only: never silently dropped.
 */
function checkOptions(model: ResolvedModel, input: CompletionInput): void {
  const request = { ...input.options, model: model.entry.upstream, messages: input.messages, temperature: input.temperature, maxTokens: input.maxTokens };
  const provider = model.provider;
  const refusal: Refusal | undefined = provider.refuse ? provider.refuse(request) : plainTextRefusal(request);
  if (refusal) throw errors.badRequest(refusal.message, { param: refusal.param });
}

function plainTextRefusal(request: CallOptions & { messages: PromptMessage[] }): Refusal | undefined {
  for (const [key, value] of Object.entries(request)) {
    if (key === 'messages' || key === 'model' || key === 'temperature' || key === 'maxTokens' || value === undefined) continue;
    // The seam's names are OpenAI's in camelCase: topP is top_p.
    const param = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return { param, message: `${param} is not supported by this model's provider` };
  }
  if (request.messages.some((m) => m.parts || m.role === 'tool' || m.toolCalls)) {
    return { param: 'messages', message: "This model's provider takes text messages only" };
  }
  return undefined;
}

/** A message as a stored conversation keeps it: a tool result is a user row naming its call; images keep their text only. */
function transcriptEntry(m: PromptMessage): TranscriptEntry {
  if (m.role === 'tool') return { role: 'user', content: m.content, toolCallId: m.toolCallId ?? '' };
  if (m.toolCalls?.length) return { role: 'assistant', content: m.content, toolCalls: m.toolCalls };
  return { role: m.role, content: m.content };
}
