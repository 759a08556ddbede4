import type { TurnEvent, TurnUsage } from '../../core/chat/live-turn.ts';
import type { Message } from '../../core/conversations/messages-service.ts';
import { sseEvent } from '../streaming/sse.ts';
import { presentMessage } from './presenters.ts';

const presentUsage = (u: TurnUsage) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.totalTokens,
});

/** One turn event as a named SSE event whose id is its sequence number, for Last-Event-ID. */
export function turnEventToSse(event: TurnEvent): string {
  const opts = { id: event.seq, event: event.type };
  switch (event.type) {
    case 'start':
      return sseEvent(
        JSON.stringify({
          conversation_id: event.conversationId,
          user_message: presentMessage(event.userMessage),
          assistant_message: presentMessage(event.assistantMessage),
        }),
        opts,
      );
    case 'sources':
      return sseEvent(JSON.stringify({ sources: event.sources }), opts);
    case 'token':
      return sseEvent(JSON.stringify({ content: event.text }), opts);
    case 'done':
      return sseEvent(JSON.stringify({ message: presentMessage(event.message), usage: presentUsage(event.usage), cost_usd: event.costUsd }), opts);
    case 'error':
      return sseEvent(JSON.stringify({ detail: event.detail, message: presentMessage(event.message) }), opts);
  }
}

/**
 * With no turn in flight, the stream answers at once with the conversation's last reply as a
 * final `done` event (its message null when there is none yet). It has no id: it is not part
 * of a turn's numbered events.
 */
export function lastReplyToSse(message: Message | undefined): string {
  const usage = message
    ? { prompt_tokens: message.promptTokens, completion_tokens: message.completionTokens, total_tokens: message.promptTokens + message.completionTokens }
    : { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  return sseEvent(JSON.stringify({ message: message ? presentMessage(message) : null, usage, cost_usd: message?.costUsd ?? 0 }), {
    event: 'done',
  });
}
