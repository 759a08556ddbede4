import type { Actor } from '../actor.ts';
import type { LiveTurn } from '../chat/live-turn.ts';
import type { TurnEngine } from '../chat/turn-engine.ts';
import type { Message, MessagesService } from '../conversations/messages-service.ts';
import type { AssistantSessions, PriorMessage } from './assistant-sessions.ts';
import { sessionIdOf } from './assistant-sessions.ts';
import type { AssistantsService } from './assistants-service.ts';

/** Seed 001's history has no paging: it answers this many of the latest messages. */
export const HISTORY_LIMIT = 1000;

export interface AssistantTurnInput {
  assistantId: string;
  sessionId?: string;
  message: string;
  language?: string | null;
  history?: PriorMessage[];
}

/** Seed 001's use cases: chatting with an assistant in a session, reading and resetting the session. */
export class AssistantChatService {
  private readonly deps: {
    assistants: AssistantsService;
    sessions: AssistantSessions;
    messages: MessagesService;
    engine: TurnEngine;
  };
  constructor(deps: { assistants: AssistantsService; sessions: AssistantSessions; messages: MessagesService; engine: TurnEngine }) {
    this.deps = deps;
  }

  /** Starts a turn with the assistant; resolves once the user message is stored and the reply has begun. */
  async start(actor: Actor | null, input: AssistantTurnInput): Promise<{ sessionId: string; turn: LiveTurn }> {
    const assistant = await this.deps.assistants.findForChat(actor, input.assistantId);
    const conversation = await this.deps.sessions.openOrCreate(actor, assistant, input.sessionId, {
      language: input.language,
      history: input.history,
    });
    try {
      const turn = await this.deps.engine.start({ actor, conversation, content: input.message });
      return { sessionId: sessionIdOf(conversation), turn };
    } catch (err) {
      // A session made here for a refused first turn (token budget, bad input) has an id the
      // client never learns: it would only sit empty in the user's lists. A session the client
      // named stays, so a retry with that id continues it.
      if (input.sessionId === undefined) await this.deps.sessions.discard(conversation.id).catch(() => {});
      throw err;
    }
  }

  /** The session's latest messages, oldest first. */
  async history(actor: Actor | null, sessionId: string): Promise<Message[]> {
    const conversation = await this.deps.sessions.open(actor, sessionId);
    return this.deps.messages.latest(conversation.id, HISTORY_LIMIT);
  }

  /**
   * Empties the session: a reply in flight is stopped (and saved) first, then every message is
   * soft-deleted. The session itself, its id and settings stay.
   */
  async reset(actor: Actor | null, sessionId: string): Promise<void> {
    const conversation = await this.deps.sessions.open(actor, sessionId);
    // Wherever it runs: its reply is saved before the messages are cleared.
    await this.deps.engine.stopAnywhere(conversation.id);
    await this.deps.messages.clear(conversation.id);
  }
}
