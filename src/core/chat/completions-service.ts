import type { ModelRegistry } from '../../providers/catalog.ts';
import type { PromptMessage } from '../../providers/types.ts';
import type { Actor } from '../actor.ts';
import type { Conversation } from '../conversations/conversations-service.ts';
import type { TurnUsage } from './live-turn.ts';
import type { ModelCalls } from './model-call.ts';
import type { SessionChatService } from './session-chat.ts';

/** What an OpenAI-style completion streams, whether stateless or stored. */
export type CompletionEvent =
  | { type: 'delta'; text: string }
  | { type: 'end'; usage: TurnUsage; costUsd: number }
  | { type: 'error'; status: number; message: string; retryAfterSeconds?: number };

export interface CompletionInput {
  model: string;
  messages: PromptMessage[];
  temperature?: number;
  maxTokens?: number;
}

/**
 * The OpenAI-compatible API's use cases. Stateless by default: nothing is stored but the
 * usage, and a client that goes away aborts the provider request. With a session (an
 * existing one, or `store: true`), it is a normal stored turn through the turn engine.
 */
export class CompletionsService {
  private readonly deps: { models: ModelRegistry; calls: ModelCalls; sessionChat: SessionChatService };
  constructor(deps: { models: ModelRegistry; calls: ModelCalls; sessionChat: SessionChatService }) {
    this.deps = deps;
  }

  /** Resolves the model first (400 naming an unknown one), then streams the stateless call. */
  stateless(actor: Actor, input: CompletionInput, signal: AbortSignal): AsyncGenerator<CompletionEvent> {
    const model = this.deps.models.resolve(input.model);
    const calls = this.deps.calls;
    return (async function* () {
      const stream = calls.stream({
        actor,
        model,
        messages: input.messages,
        kind: 'chat',
        temperature: input.temperature,
        maxTokens: input.maxTokens,
        signal,
      });
      while (true) {
        const next = await stream.next();
        if (next.done) {
          yield { type: 'end', usage: next.value.usage, costUsd: next.value.costUsd };
          return;
        }
        yield { type: 'delta', text: next.value };
      }
    })();
  }

  /** Appends to a stored conversation (or creates one) and runs the turn; the turn outlives its client. */
  async stored(
    actor: Actor,
    sessionId: string | undefined,
    input: CompletionInput,
  ): Promise<{ conversation: Conversation; events: AsyncGenerator<CompletionEvent> }> {
    this.deps.models.resolve(input.model);
    const { conversation, turn } = await this.deps.sessionChat.start(actor, { sessionId, ...input });
    const events = (async function* (): AsyncGenerator<CompletionEvent> {
      for await (const event of turn.subscribe()) {
        if (event.type === 'token') yield { type: 'delta', text: event.text };
        else if (event.type === 'done') yield { type: 'end', usage: event.usage, costUsd: event.costUsd };
        else if (event.type === 'error') {
          yield { type: 'error', status: event.status, message: event.detail, retryAfterSeconds: event.retryAfterSeconds };
        }
      }
    })();
    return { conversation, events };
  }
}
