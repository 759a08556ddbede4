import type { CompletedTurn } from '../../core/chat/chat-service.ts';
import type { SessionWithTranscript } from '../../core/chat/session-chat.ts';
import type { Conversation } from '../../core/conversations/conversations-service.ts';

const iso = (d: Date) => d.toISOString();

export const presentSession = ({ conversation: c, transcript }: SessionWithTranscript) => ({
  id: c.id,
  user_id: c.userId,
  application_id: c.applicationId,
  model: c.model,
  title: c.title,
  messages: transcript.map(({ role, content }) => ({ role, content })),
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt),
});

export const presentSwitch = ({ conversation: c, transcript }: SessionWithTranscript) => ({
  session_id: c.id,
  model: c.model,
  messages: transcript.map(({ role, content }) => ({ role, content })),
  title: c.title,
});

export const presentCompletion = (result: CompletedTurn & { conversation: Conversation }) => ({
  session_id: result.conversation.id,
  model: result.assistantMessage.model ?? result.conversation.model,
  message: { id: result.assistantMessage.id, role: 'assistant' as const, content: result.assistantMessage.content },
  usage: {
    prompt_tokens: result.usage.promptTokens,
    completion_tokens: result.usage.completionTokens,
    total_tokens: result.usage.totalTokens,
  },
  cost_usd: result.costUsd,
});
