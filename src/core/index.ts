import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { buildProviders, ModelRegistry } from '../providers/catalog.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { AccountsService } from './accounts/accounts-service.ts';
import { ApiKeysService } from './accounts/api-keys-service.ts';
import { Authenticator } from './accounts/authenticator.ts';
import { AccessTokens } from './accounts/jwt.ts';
import { AssistantChatService } from './assistants/assistant-chat-service.ts';
import { AssistantSessions } from './assistants/assistant-sessions.ts';
import { AssistantsService } from './assistants/assistants-service.ts';
import { ChatService } from './chat/chat-service.ts';
import { heartbeatIntervalMs } from './chat/recovery.ts';
import { CompletionsService } from './chat/completions-service.ts';
import { ModelCalls } from './chat/model-call.ts';
import { SessionChatService } from './chat/session-chat.ts';
import { TitleGenerator } from './chat/titles.ts';
import { TurnEngine } from './chat/turn-engine.ts';
import { ConversationsService } from './conversations/conversations-service.ts';
import { MessagesService } from './conversations/messages-service.ts';
import { FileContextSource } from './files/context-source.ts';
import { FilesService } from './files/files-service.ts';
import { MemoryRateLimiter } from './limits/memory-rate-limiter.ts';
import type { RateLimiter } from './limits/rate-limiter.ts';
import { RequestLimits } from './limits/request-limits.ts';
import { TokenBudget } from './limits/token-budget.ts';
import { PromptPreview } from './prompts/preview-service.ts';
import { PromptsService } from './prompts/prompts-service.ts';
import { UsageService } from './usage/usage-service.ts';

/** Wires the core services over their adapters. Nothing here touches HTTP. */
export function createCore(deps: { config: Config; db: Db; bus: EventBus; jwtSecret: string; limiter?: RateLimiter }) {
  const { config, db, bus } = deps;
  const models = new ModelRegistry({
    file: config.models.file,
    defaultModel: config.models.defaultModel,
    providers: buildProviders(config.models),
  });
  const tokens = new AccessTokens(deps.jwtSecret, config.auth.accessTokenTtlSeconds);
  const accounts = new AccountsService({
    db,
    tokens,
    allowRegistration: config.auth.allowRegistration,
    refreshTokenTtlDays: config.auth.refreshTokenTtlDays,
  });
  const apiKeys = new ApiKeysService(db);
  const authenticator = new Authenticator({ tokens, accounts, apiKeys });
  const conversations = new ConversationsService({ db, models, bus });
  const messages = new MessagesService({ db, conversations, bus });
  const usage = new UsageService(db);
  const requestLimits = new RequestLimits({
    limiter: deps.limiter ?? new MemoryRateLimiter(),
    perMinute: config.limits.requestsPerMinute,
  });
  const tokenBudget = new TokenBudget({ usage, perDay: config.limits.tokensPerDay });
  const files = new FilesService({ db, conversations });
  const fileContext = new FileContextSource({
    db,
    models,
    options: { budgetTokens: config.files.contextTokens, wholeDocumentTokens: config.files.wholeDocumentTokens },
  });
  const titles = new TitleGenerator({
    db,
    bus,
    conversations,
    calls: new ModelCalls({ db }),
    timeoutMs: config.models.providerTimeoutMs,
  });
  const engine = new TurnEngine({
    db,
    models,
    bus,
    titles,
    turnTimeoutMs: config.models.turnTimeoutMs,
    heartbeatMs: heartbeatIntervalMs(config.models.staleTurnSeconds),
    guard: tokenBudget,
    context: fileContext,
  });
  const chat = new ChatService({ conversations, messages, engine });
  const assistants = new AssistantsService({ db, models });
  const assistantChat = new AssistantChatService({
    assistants,
    sessions: new AssistantSessions({ conversations, messages }),
    messages,
    engine,
  });
  const sessionChat = new SessionChatService({ db, conversations, messages, engine });
  const calls = new ModelCalls({ db, guard: tokenBudget });
  const completions = new CompletionsService({ models, calls, sessionChat });
  const prompts = new PromptsService({ db });
  const promptPreview = new PromptPreview({ db, prompts, models, calls, timeoutMs: config.models.turnTimeoutMs });
  return { models, tokens, accounts, apiKeys, authenticator, conversations, messages, usage, engine, chat, sessionChat, calls, completions, assistants, assistantChat, bus, requestLimits, tokenBudget, prompts, promptPreview, files };
}

export type Core = ReturnType<typeof createCore>;
