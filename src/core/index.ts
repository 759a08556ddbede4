import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { buildProviders, ModelRegistry } from '../providers/catalog.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { AccountsService } from './accounts/accounts-service.ts';
import { ApiKeysService } from './accounts/api-keys-service.ts';
import { Authenticator } from './accounts/authenticator.ts';
import { AccessTokens } from './accounts/jwt.ts';
import { ChatService } from './chat/chat-service.ts';
import { TitleGenerator } from './chat/titles.ts';
import { TurnEngine } from './chat/turn-engine.ts';
import { ConversationsService } from './conversations/conversations-service.ts';
import { MessagesService } from './conversations/messages-service.ts';
import { UsageService } from './usage/usage-service.ts';

/** Wires the core services over their adapters. Nothing here touches HTTP. */
export function createCore(deps: { config: Config; db: Db; bus: EventBus; jwtSecret: string }) {
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
  const titles = new TitleGenerator({ db, bus, timeoutMs: config.models.providerTimeoutMs });
  const engine = new TurnEngine({ db, models, bus, titles, turnTimeoutMs: config.models.turnTimeoutMs });
  const chat = new ChatService({ conversations, engine });
  return { models, tokens, accounts, apiKeys, authenticator, conversations, messages, usage, engine, chat, bus };
}

export type Core = ReturnType<typeof createCore>;
