import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { buildProviders } from '../providers/build-providers.ts';
import { ModelRegistry } from '../providers/catalog.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { AccountsService } from './accounts/accounts-service.ts';
import { ApiKeysService } from './accounts/api-keys-service.ts';
import { Authenticator } from './accounts/authenticator.ts';
import { CredentialCache } from './accounts/credential-cache.ts';
import { DoorThrottle } from './accounts/door-throttle.ts';
import { AccessTokens } from './accounts/jwt.ts';
import { UserDirectory } from './accounts/user-directory.ts';
import { AssistantChatService } from './assistants/assistant-chat-service.ts';
import { AssistantSessions } from './assistants/assistant-sessions.ts';
import { AssistantsService } from './assistants/assistants-service.ts';
import { ChatService } from './chat/chat-service.ts';
import { heartbeatIntervalMs } from './chat/recovery.ts';
import { CompletionsService } from './chat/completions-service.ts';
import { ModelCalls } from './chat/model-call.ts';
import { ResponsesService } from './chat/responses-service.ts';
import { SessionChatService } from './chat/session-chat.ts';
import { TitleGenerator } from './chat/titles.ts';
import { TurnEngine } from './chat/turn-engine.ts';
import type { TurnRelay } from './chat/turn-relay.ts';
import { ConversationsService } from './conversations/conversations-service.ts';
import { MessagesService } from './conversations/messages-service.ts';
import { FileContextSource } from './files/context-source.ts';
import { FilesService } from './files/files-service.ts';
import { MemoryRateLimiter } from './limits/memory-rate-limiter.ts';
import { PrometheusMetrics } from './metrics/prometheus-metrics.ts';
import { providerFailureReporter, type WarnLog } from './metrics/provider-errors.ts';
import type { RateLimiter } from './limits/rate-limiter.ts';
import { RequestLimits } from './limits/request-limits.ts';
import { Budgets } from './limits/budgets.ts';
import { PromptPreview } from './prompts/preview-service.ts';
import { PromptsService } from './prompts/prompts-service.ts';
import { TransferService } from './transfer/transfer-service.ts';
import { SharesService } from './shares/shares-service.ts';
import { SearchService } from './search/search-service.ts';
import { UsageService } from './usage/usage-service.ts';

/** Wires the core services over their adapters. Nothing here touches HTTP. */
export function createCore(deps: {
  config: Config;
  db: Db;
  bus: EventBus;
  jwtSecret: string;
  limiter?: RateLimiter;
  /** Where provider failures are logged (at warn). */
  log?: WarnLog;
  /** Shares live turns with other instances (Redis); in-process when absent. */
  relay?: TurnRelay;
}) {
  const { config, db, bus } = deps;
  // This server's own registry: observed by the services below, printed by GET /metrics.
  const metrics = new PrometheusMetrics({ instanceId: config.instanceId });
  const models = new ModelRegistry({
    file: config.models.file,
    defaultModel: config.models.defaultModel,
    // Each failed provider call is logged and counted for /metrics.
    providers: buildProviders(config.models, providerFailureReporter(metrics, deps.log)),
    discoveryIntervalMs: config.models.discoveryIntervalMs,
    // Providers whose model list cannot be read are logged at warn.
    log: deps.log,
  });
  const tokens = new AccessTokens(deps.jwtSecret, config.auth.accessTokenTtlSeconds);
  const accounts = new AccountsService({
    db,
    tokens,
    allowRegistration: config.auth.allowRegistration,
    refreshTokenTtlDays: config.auth.refreshTokenTtlDays,
    revocations: bus,
  });
  const apiKeys = new ApiKeysService({ db, revocations: bus });
  const userDirectory = new UserDirectory({ db });
  // Authenticated credentials, remembered for seconds; forgotten when any instance announces a
  // revocation or a changed account (the bus delivers this instance's own at once).
  const credentials = new CredentialCache();
  bus.onRevocation((revocation) => credentials.revoke(revocation));
  bus.onAccountChange((userId) => credentials.forgetUser(userId));
  const authenticator = new Authenticator({ tokens, accounts, apiKeys, cache: credentials });
  const conversations = new ConversationsService({ db, models, bus });
  const messages = new MessagesService({ db, conversations, bus });
  const usage = new UsageService(db);
  const search = new SearchService({ db });
  const shares = new SharesService({ db, conversations, messages });
  // One set of counters for request limits and door throttles alike (Redis when instances share them).
  const limiter = deps.limiter ?? new MemoryRateLimiter();
  const requestLimits = new RequestLimits({
    limiter,
    perMinute: config.limits.requestsPerMinute,
    apiPerMinute: config.limits.apiRequestsPerMinute,
    metrics,
  });
  const doors = new DoorThrottle({ accounts, limiter, limits: config.throttle, metrics });
  // Daily tokens, monthly spend and API key spend, held before every model call.
  const budgets = new Budgets({
    db,
    metrics,
    settings: {
      tokensPerDay: config.limits.tokensPerDay,
      monthlyUsd: config.limits.monthlyUsd,
      completionAllowanceTokens: config.limits.completionAllowanceTokens,
      // Past the longest turn, so a live call's hold never lapses.
      holdTtlMs: config.models.turnTimeoutMs + 60_000,
    },
  });
  const calls = new ModelCalls({ db, guard: budgets, metrics });
  const files = new FilesService({ db, conversations, pdf: config.pdf });
  const fileContext = new FileContextSource({
    db,
    models,
    options: { budgetTokens: config.files.contextTokens, wholeDocumentTokens: config.files.wholeDocumentTokens },
  });
  const titles = new TitleGenerator({
    db,
    bus,
    conversations,
    // Title calls are held against the budgets like every other call.
    calls,
    timeoutMs: config.models.providerTimeoutMs,
  });
  const engine = new TurnEngine({
    db,
    models,
    bus,
    titles,
    turnTimeoutMs: config.models.turnTimeoutMs,
    heartbeatMs: heartbeatIntervalMs(config.models.staleTurnSeconds),
    instanceId: config.instanceId,
    guard: budgets,
    context: fileContext,
    metrics,
    relay: deps.relay,
  });
  metrics.watch('turns_in_flight', () => engine.turnsInFlight);
  const chat = new ChatService({ conversations, messages, engine });
  const assistants = new AssistantsService({ db, models });
  const assistantChat = new AssistantChatService({
    assistants,
    sessions: new AssistantSessions({ conversations, messages }),
    messages,
    engine,
  });
  const sessionChat = new SessionChatService({ db, conversations, messages, engine });
  const completions = new CompletionsService({ models, calls, sessionChat });
  const responses = new ResponsesService({ db, bus, completions, conversations, messages });
  const prompts = new PromptsService({ db });
  const promptPreview = new PromptPreview({ db, prompts, models, calls, timeoutMs: config.models.turnTimeoutMs });
  const transfer = new TransferService({ db, models, conversations, limits: config.transfer });
  return { metrics, responses, models, tokens, accounts, userDirectory, doors, apiKeys, authenticator, conversations, messages, usage, engine, chat, sessionChat, calls, completions, assistants, assistantChat, bus, requestLimits, budgets, prompts, promptPreview, files, shares, search, transfer };
}

export type Core = ReturnType<typeof createCore>;
