import type { Actor } from '../actor.ts';
import type { ConversationsService } from '../conversations/conversations-service.ts';
import type { Message, MessagesService } from '../conversations/messages-service.ts';
import { errors } from '../errors.ts';
import type { LiveTurn, TurnEvent, TurnFeed, TurnUsage } from './live-turn.ts';
import { turnFailureError } from './model-call.ts';
import type { TurnEngine, TurnRequest } from './turn-engine.ts';

export interface CompletedTurn {
  userMessage: Message;
  assistantMessage: Message;
  usage: TurnUsage;
  costUsd: number;
}

/** Use cases around turns for signed-in users: send and wait, stop, re-attach. */
export class ChatService {
  private readonly deps: { conversations: ConversationsService; messages: MessagesService; engine: TurnEngine };
  constructor(deps: { conversations: ConversationsService; messages: MessagesService; engine: TurnEngine }) {
    this.deps = deps;
  }

  /** Runs a turn to its end and answers the stored pair; a provider failure is a 502 (its 429 a 429), the partial reply stored as `error`. */
  async send(actor: Actor, conversationId: string, input: { content: string; model?: string }): Promise<CompletedTurn> {
    return waitForTurn(await this.begin(actor, conversationId, input));
  }

  /** Starts a turn and resolves once its messages are stored, for a client that streams it. */
  async begin(actor: Actor, conversationId: string, input: { content: string; model?: string }): Promise<LiveTurn> {
    const conversation = await this.deps.conversations.get(actor, conversationId);
    return this.deps.engine.start({ actor, conversation, content: input.content, model: input.model });
  }

  /** Stops the turn in flight, on whichever instance runs it, and resolves once its partial reply is saved; false when there was none. */
  async stop(actor: Actor, conversationId: string): Promise<boolean> {
    await this.deps.conversations.get(actor, conversationId);
    return this.deps.engine.stopAnywhere(conversationId);
  }

  /** The turn in flight in the conversation, for a client re-attaching to it. */
  async inFlight(actor: Actor, conversationId: string): Promise<LiveTurn | undefined> {
    await this.deps.conversations.get(actor, conversationId);
    return this.deps.engine.inFlight(conversationId);
  }

  /** What a client re-attaching gets: the turn in flight (here or on another instance), or else the last stored reply (if any). */
  async attach(actor: Actor, conversationId: string): Promise<{ turn: TurnFeed } | { turn: undefined; lastReply: Message | undefined }> {
    await this.deps.conversations.get(actor, conversationId);
    const turn = await this.deps.engine.follow(conversationId);
    if (turn) return { turn };
    return { turn: undefined, lastReply: await this.deps.messages.lastReply(conversationId) };
  }

  /**
   * A new reply to the user message `messageId` answers, as its sibling; the new branch becomes
   * the active path. Resolves once the reply is stored as `streaming`.
   */
  async regenerate(actor: Actor, conversationId: string, messageId: string, input: { model?: string }): Promise<LiveTurn> {
    const conversation = await this.deps.conversations.get(actor, conversationId);
    const message = await this.deps.messages.inConversation(actor, conversationId, messageId);
    if (message.role !== 'assistant') throw errors.validation('Only assistant messages can be regenerated');
    const parent = message.parentId ? await this.deps.messages.get(actor, message.parentId).catch(() => undefined) : undefined;
    if (parent?.role !== 'user') throw errors.validation('This message does not answer a user message');
    return this.deps.engine.start({
      actor,
      conversation,
      content: parent.content,
      model: input.model,
      branch: { kind: 'regenerate', userMessage: parent },
    });
  }

  /**
   * A new user message in place of `messageId`, as its sibling under the same parent, then a
   * reply to it; the new branch becomes the active path.
   */
  async edit(actor: Actor, conversationId: string, messageId: string, input: { content: string; model?: string }): Promise<LiveTurn> {
    const conversation = await this.deps.conversations.get(actor, conversationId);
    const message = await this.deps.messages.inConversation(actor, conversationId, messageId);
    if (message.role !== 'user') throw errors.validation('Only user messages can be edited');
    return this.deps.engine.start({
      actor,
      conversation,
      content: input.content,
      model: input.model,
      branch: { kind: 'edit', parentId: message.parentId },
    });
  }

  start(request: TurnRequest): Promise<LiveTurn> {
    return this.deps.engine.start(request);
  }
}

/**
 * Waits for the turn's end (and its title); the outcome as the stored messages. A failed turn
 * throws the same error whether or not tokens had arrived, so every non-streamed surface answers
 * the same status for the same fault; the partial reply is already stored with status `error`.
 */
export async function waitForTurn(turn: LiveTurn): Promise<CompletedTurn> {
  let start: Extract<TurnEvent, { type: 'start' }> | undefined;
  let end: Extract<TurnEvent, { type: 'done' | 'error' }> | undefined;
  for await (const event of turn.subscribe()) {
    if (event.type === 'start') start = event;
    if (event.type === 'done' || event.type === 'error') end = event;
  }
  await turn.settled;
  if (!start || !end) throw errors.upstream('The turn ended without a result');
  if (end.type === 'error') throw turnFailureError(end);
  return { userMessage: start.userMessage, assistantMessage: end.message, usage: end.usage, costUsd: end.costUsd };
}
