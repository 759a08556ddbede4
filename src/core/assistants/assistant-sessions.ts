import type { Actor } from '../actor.ts';
import { isAdmin } from '../actor.ts';
import type { Conversation, ConversationsService } from '../conversations/conversations-service.ts';
import type { MessagesService } from '../conversations/messages-service.ts';
import { errors, fromDatabaseError } from '../errors.ts';
import { isUuid } from '../ids.ts';
import type { Assistant } from './assistants-service.ts';

/**
 * A client-chosen session id that is not a UUID. Anonymous sessions are reachable by their id
 * alone, so the id must be hard to guess (16 characters at least) and safe in a URL path.
 */
export const SESSION_KEY_MIN = 16;
export const SESSION_KEY_MAX = 200;
export const SESSION_KEY_CHARS = /^[A-Za-z0-9._:~@+=-]+$/;
export const SESSION_KEY_RULE = 'session_id must be a UUID or 16 to 200 characters of letters, digits and ._:~@+=-';

const isSessionKey = (id: string) => id.length >= SESSION_KEY_MIN && id.length <= SESSION_KEY_MAX && SESSION_KEY_CHARS.test(id);

export interface PriorMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The id the client knows a session by: its own key, or the conversation id. */
export const sessionIdOf = (conversation: Conversation) => conversation.sessionKey ?? conversation.id;

/**
 * A signed-in user's session belongs to that user (admins may use any); an anonymous session
 * has no owner and its id is the only key, whoever presents it.
 */
export function authorizeSession(actor: Actor | null, conversation: Conversation): void {
  if (conversation.userId === null) return;
  if (!actor) throw errors.unauthorized('Not authenticated');
  if (conversation.userId !== actor.userId && !isAdmin(actor)) throw errors.forbidden();
}

/** Seed 001 sessions: conversations found by the id the client chose, created on first use. */
export class AssistantSessions {
  private readonly deps: { conversations: ConversationsService; messages: MessagesService };
  constructor(deps: { conversations: ConversationsService; messages: MessagesService }) {
    this.deps = deps;
  }

  /** A live session by the client's id: a UUID names the conversation, anything else its session key. */
  async find(sessionId: string): Promise<Conversation | undefined> {
    if (isUuid(sessionId)) return this.deps.conversations.find(sessionId);
    if (!isSessionKey(sessionId)) return undefined;
    return this.deps.conversations.findBySessionKey(sessionId);
  }

  /** An existing session the caller may use: 404, then 401/403 for another user's. */
  async open(actor: Actor | null, sessionId: string): Promise<Conversation> {
    const conversation = await this.find(sessionId);
    if (!conversation) throw errors.notFound('Session');
    authorizeSession(actor, conversation);
    return conversation;
  }

  /**
   * The session to chat in: the one named (when the caller may use it), or a new one started
   * from the assistant (a new id when none is given). A new session owned by the signed-in
   * caller, or by nobody for an anonymous visitor; the client's earlier messages become its
   * first messages.
   */
  async openOrCreate(
    actor: Actor | null,
    assistant: Assistant,
    sessionId: string | undefined,
    init: { language?: string | null; history?: PriorMessage[] },
  ): Promise<Conversation> {
    if (sessionId !== undefined && !isUuid(sessionId) && !isSessionKey(sessionId)) {
      throw errors.validation(SESSION_KEY_RULE);
    }
    const existing = sessionId ? await this.find(sessionId) : undefined;
    if (existing) return this.continueIn(actor, assistant, existing, init.language);
    try {
      const created = await this.deps.conversations.create(actor, {
        id: sessionId && isUuid(sessionId) ? sessionId.toLowerCase() : undefined,
        sessionKey: sessionId && !isUuid(sessionId) ? sessionId : null,
        assistantId: assistant.id,
        assistantOwnerId: assistant.ownerId,
        model: assistant.model,
        systemPrompt: assistant.systemPrompt,
        temperature: assistant.temperature,
        maxTokens: assistant.maxTokens,
        language: init.language ?? null,
      });
      const history = (init.history ?? []).filter((m) => m.content !== '');
      const imported = await this.deps.messages.importHistory(created.id, history);
      return { ...created, messageCount: imported.length };
    } catch (err) {
      if (sessionId && fromDatabaseError(err)?.code === 'conflict') {
        // Another request created the session first; or a deleted session keeps its id until the purge.
        const raced = await this.find(sessionId);
        if (raced) return this.continueIn(actor, assistant, raced, init.language);
        throw errors.notFound('Session');
      }
      throw err;
    }
  }

  /** Deletes a session nobody can reach (see AssistantChatService.start). */
  discard(conversationId: string): Promise<void> {
    return this.deps.conversations.softDelete(conversationId);
  }

  private async continueIn(
    actor: Actor | null,
    assistant: Assistant,
    conversation: Conversation,
    language: string | null | undefined,
  ): Promise<Conversation> {
    authorizeSession(actor, conversation);
    if (conversation.assistantId !== assistant.id) throw errors.conflict('Session is not a chat with this assistant');
    if (language && language !== conversation.language) return this.deps.conversations.setLanguage(conversation, language);
    return conversation;
  }
}
