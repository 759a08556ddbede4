import type { Db } from '../../db/client.ts';
import type { Actor } from '../actor.ts';
import type { Conversation, ConversationsService } from '../conversations/conversations-service.ts';
import type { MessagesService } from '../conversations/messages-service.ts';
import { errors, REPLY_IN_FLIGHT } from '../errors.ts';
import { type CompletedTurn, waitForTurn } from './chat-service.ts';
import type { LiveTurn } from './live-turn.ts';
import type { CallOptions, PromptMessage } from '../../providers/types.ts';
import { entryMetadata, loadTranscript, loadTranscripts, repeatedLead, type TranscriptEntry, withSystemPrompt } from './transcript.ts';
import type { TurnEngine } from './turn-engine.ts';

export interface SessionTurnInput {
  /** An existing session to continue; without it a new one is created. */
  sessionId?: string;
  /** Required for a new session; for an existing one it defaults to the session's model. */
  model?: string;
  /** The chat as the client holds it; the last one is the user message that starts the turn. */
  messages: TranscriptEntry[];
  temperature?: number;
  /** Used when neither the request nor the conversation sets a temperature (a surface's documented default). */
  defaultTemperature?: number;
  maxTokens?: number;
  /** Tools, structured output, sampling options (the OpenAI surface), already checked against the provider. */
  options?: CallOptions;
  /** The final message as the model gets it, when it holds more than its text (images). */
  finalPrompt?: PromptMessage;
}

export interface SessionWithTranscript {
  conversation: Conversation;
  transcript: TranscriptEntry[];
}

export interface HistoryQuery {
  offset: number;
  limit: number;
  model?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

interface Deps {
  db: Db;
  conversations: ConversationsService;
  messages: MessagesService;
  engine: TurnEngine;
}

/** A transcript entry as a stored message. */
function storedEntry(entry: TranscriptEntry) {
  return { role: entry.role, content: entry.content, metadata: entryMetadata(entry) };
}

/**
 * Chat for clients that hold the message list themselves (seed 002): the request carries
 * messages, the stored history is the context, and only the new ones are stored.
 */
export class SessionChatService {
  private readonly deps: Deps;
  constructor(deps: Deps) {
    this.deps = deps;
  }

  /** Stores what is new in the request and starts the turn for its final user message. */
  async start(actor: Actor, input: SessionTurnInput): Promise<{ conversation: Conversation; turn: LiveTurn }> {
    const final = input.messages.at(-1);
    // A tool result (a user row with its tool_call_id) also starts a turn: the agent loop goes on.
    if (final?.role !== 'user') throw errors.badRequest('The last message must be a user message');
    const earlier = input.messages.slice(0, -1);
    const isToolResult = final.toolCallId !== undefined;
    const turnRequest = (conversation: Conversation) => ({
      actor,
      conversation,
      content: final.content,
      options: input.options,
      final: isToolResult ? ({ role: 'tool', content: final.content, toolCallId: final.toolCallId } as const) : input.finalPrompt,
      finalMetadata: isToolResult ? entryMetadata(final) : undefined,
      model: conversation.model,
      temperature: input.temperature ?? conversation.temperature ?? input.defaultTemperature,
      maxTokens: input.maxTokens,
    });
    if (!input.sessionId) {
      // A new session is stored with its first turn, in one statement, once the call is
      // admitted: a refused first turn (rate limit, budget) leaves nothing behind.
      const { row, conversation, toStore } = await this.draftSession(actor, input.model, earlier);
      const turn = await this.deps.engine.start({ ...turnRequest(conversation), create: { row, earlier: toStore.map(storedEntry) } });
      return { conversation, turn };
    }
    const { conversation, toStore, lastCreatedAt } = await this.continueSession(actor, input.sessionId, input.model, earlier);
    await this.deps.messages.importHistory(conversation.id, toStore.map(storedEntry), lastCreatedAt);
    const turn = await this.deps.engine.start(turnRequest(conversation));
    return { conversation, turn };
  }

  /** Runs the turn to its end. Any provider failure is a 502 (its 429 a 429); a partial reply stays stored as `error`. */
  async send(actor: Actor, input: SessionTurnInput): Promise<CompletedTurn & { conversation: Conversation }> {
    const { conversation, turn } = await this.start(actor, input);
    return { conversation, ...(await waitForTurn(turn)) };
  }

  async switchModel(actor: Actor, sessionId: string, model: string): Promise<SessionWithTranscript> {
    const conversation = await this.deps.conversations.update(actor, sessionId, { model });
    const { entries } = await loadTranscript(this.deps.db, conversation.id);
    return { conversation, transcript: withSystemPrompt(conversation, entries) };
  }

  /** The actor's sessions, most recent activity first, each with its transcript. */
  async history(actor: Actor, query: HistoryQuery): Promise<{ total: number; items: SessionWithTranscript[] }> {
    const { items, total } = await this.deps.conversations.list(actor, actor.userId, query);
    const transcripts = await loadTranscripts(
      this.deps.db,
      items.map((c) => c.id),
    );
    return {
      total,
      items: items.map((conversation) => ({
        conversation,
        transcript: withSystemPrompt(conversation, transcripts.get(conversation.id)?.entries ?? []),
      })),
    };
  }

  private async draftSession(actor: Actor, model: string | undefined, earlier: TranscriptEntry[]) {
    if (!model) throw errors.badRequest('model is required to start a new session');
    // A leading system message is the new session's system prompt, not a message.
    const systemPrompt = earlier[0]?.role === 'system' ? earlier[0].content : null;
    const { row, conversation } = await this.deps.conversations.draft(actor, { model, systemPrompt });
    return { row, conversation, toStore: systemPrompt === null ? earlier : earlier.slice(1) };
  }

  private async continueSession(actor: Actor, sessionId: string, model: string | undefined, earlier: TranscriptEntry[]) {
    let conversation = await this.deps.conversations.get(actor, sessionId);
    // Checked before anything is stored; the engine checks again, atomically.
    if (this.deps.engine.inFlight(conversation.id)) {
      throw errors.conflict(REPLY_IN_FLIGHT);
    }
    // The model a request names becomes the session's model, as a switch would.
    if (model && model !== conversation.model) {
      conversation = await this.deps.conversations.update(actor, conversation.id, { model });
    }
    // Only the new message (the usual case): nothing to compare with the stored history.
    if (earlier.length === 0) return { conversation, toStore: earlier, lastCreatedAt: 0 };
    const stored = await loadTranscript(this.deps.db, conversation.id);
    const skip = repeatedLead(withSystemPrompt(conversation, stored.entries), earlier);
    return { conversation, toStore: earlier.slice(skip), lastCreatedAt: stored.lastCreatedAt };
  }
}
