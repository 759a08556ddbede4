import type { User } from '../../core/accounts/accounts-service.ts';
import type { ApiKey } from '../../core/accounts/api-keys-service.ts';
import type { CompletedTurn } from '../../core/chat/chat-service.ts';
import type { Conversation } from '../../core/conversations/conversations-service.ts';
import type { Message } from '../../core/conversations/messages-service.ts';

const iso = (d: Date) => d.toISOString();

export const presentUser = (u: User) => ({
  id: u.id,
  email: u.email,
  display_name: u.displayName,
  role: u.role,
  tier: u.tier,
  is_active: u.active,
  monthly_budget_usd: u.monthlyBudgetUsd,
  created_at: iso(u.createdAt),
});

export const presentApiKey = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  created_at: iso(k.createdAt),
  last_used_at: k.lastUsedAt ? iso(k.lastUsedAt) : null,
  expires_at: k.expiresAt ? iso(k.expiresAt) : null,
  budget_usd: k.budgetUsd,
});

export const presentConversation = (c: Conversation) => ({
  id: c.id,
  user_id: c.userId,
  title: c.title,
  model: c.model,
  // Null when it is another owner's assistant prompt (see mayShowSystemPrompt).
  system_prompt: c.systemPromptHidden ? null : c.systemPrompt,
  message_count: c.messageCount,
  archived: c.archivedAt !== null,
  archived_at: c.archivedAt ? iso(c.archivedAt) : null,
  pinned: c.pinnedAt !== null,
  pinned_at: c.pinnedAt ? iso(c.pinnedAt) : null,
  tags: c.tags,
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt),
});

export const presentMessage = (m: Message) => ({
  id: m.id,
  conversation_id: m.conversationId,
  role: m.role,
  content: m.content,
  model: m.model,
  status: m.status,
  prompt_tokens: m.promptTokens,
  completion_tokens: m.completionTokens,
  total_tokens: m.promptTokens + m.completionTokens,
  cost_usd: m.costUsd,
  metadata: m.metadata,
  created_at: iso(m.createdAt),
  updated_at: iso(m.updatedAt),
});

/** A finished turn as `POST …/messages` (and regenerate, edit) answers it. */
export const presentTurnResult = (result: CompletedTurn) => ({
  user_message: presentMessage(result.userMessage),
  assistant_message: presentMessage(result.assistantMessage),
  usage: {
    prompt_tokens: result.usage.promptTokens,
    completion_tokens: result.usage.completionTokens,
    total_tokens: result.usage.totalTokens,
  },
  cost_usd: result.costUsd,
});
