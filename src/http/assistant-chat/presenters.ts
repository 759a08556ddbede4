import type { AssistantView } from '../../core/assistants/assistants-service.ts';
import type { Source, TurnEvent } from '../../core/chat/live-turn.ts';
import type { Message } from '../../core/conversations/messages-service.ts';

const iso = (d: Date) => d.toISOString();
// Stored as single precision: 0.7 reads back as 0.699999988..., which no client sent.
const roundTemperature = (t: number | null) => (t === null ? null : Math.round(t * 1e4) / 1e4);

/** The owner sees the whole configuration; a visitor what a chat window shows. */
export function presentAssistant({ assistant: a, access }: AssistantView) {
  const visible = {
    id: a.id,
    name: a.name,
    description: a.description,
    model: a.model,
    user_authentication: a.userAuthentication,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
  };
  if (access !== 'owner') return visible;
  return {
    ...visible,
    owner_id: a.ownerId,
    system_prompt: a.systemPrompt,
    temperature: roundTemperature(a.temperature),
    max_tokens: a.maxTokens,
  };
}

/** Seed 001's history entry: id, text, sender ("bot" for anything not the user's), then the metadata's fields. */
export function presentHistoryMessage(m: Message) {
  // The metadata comes first so that none of its keys can replace the message's own fields.
  return { ...m.metadata, id: m.id, text: m.content, sender: m.role === 'user' ? ('user' as const) : ('bot' as const) };
}

export type ChatStreamEvent =
  | { type: 'start'; session_id: string; message_id: string }
  | { type: 'token'; content: string }
  | { type: 'sources'; sources: Source[] }
  | {
      type: 'end';
      message_id: string;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      cost_usd: number;
    }
  | { type: 'error'; detail: string };

/** A turn event as seed 001's stream shows it; `message_id` is the reply's id throughout. */
export function toChatEvent(event: TurnEvent, sessionId: string): ChatStreamEvent {
  switch (event.type) {
    case 'start':
      return { type: 'start', session_id: sessionId, message_id: event.assistantMessage.id };
    case 'token':
      return { type: 'token', content: event.text };
    case 'sources':
      return { type: 'sources', sources: event.sources };
    case 'done':
      return {
        type: 'end',
        message_id: event.message.id,
        usage: {
          prompt_tokens: event.usage.promptTokens,
          completion_tokens: event.usage.completionTokens,
          total_tokens: event.usage.totalTokens,
        },
        cost_usd: event.costUsd,
      };
    case 'error':
      return { type: 'error', detail: event.detail };
  }
}
