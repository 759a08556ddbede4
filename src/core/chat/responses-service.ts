import { and, desc, eq, gt, isNull, lt, lte, or } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { messages } from '../../db/schema.ts';
import type { EventBus } from '../../realtime/event-bus.ts';
import type { CallOptions, ContentPart, PromptMessage, ToolCall } from '../../providers/types.ts';
import type { Actor } from '../actor.ts';
import type { Conversation, ConversationsService } from '../conversations/conversations-service.ts';
import type { Message, MessagesService } from '../conversations/messages-service.ts';
import { errors } from '../errors.ts';
import { isUuid } from '../ids.ts';
import type { CompletionEvent, CompletionInput, CompletionsService } from './completions-service.ts';
import { loadTranscript, type TranscriptEntry, withSystemPrompt } from './transcript.ts';

/** One input item of a Responses request, as the core takes it. */
export type ResponseItem =
  | { kind: 'message'; role: 'system' | 'user' | 'assistant'; content: string; parts?: ContentPart[] }
  | { kind: 'function_call'; callId: string; name: string; arguments: string }
  | { kind: 'function_call_output'; callId: string; output: string }
  /** An item of an earlier stored response, by its id (`msg_…` or `fc_…`). */
  | { kind: 'reference'; id: string };

export interface ResponseRequest {
  model: string;
  input: ResponseItem[];
  instructions?: string;
  temperature?: number;
  maxTokens?: number;
  options: CallOptions;
  store: boolean;
  previousResponseId?: string;
}

export interface StartedResponse {
  id: string;
  /** Set when the response is stored: the conversation it belongs to. */
  conversation?: Conversation;
  /** The message item id of the reply (`msg_…`). */
  messageItemId: string;
  createdAt: Date;
  events: AsyncGenerator<CompletionEvent>;
}

export interface StoredResponse {
  id: string;
  message: Message;
  conversation: Conversation;
  previousResponseId: string | null;
}

const hexOf = (uuid: string) => uuid.replaceAll('-', '');
const uuidOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** A stored response's id names its assistant message, so the id alone finds the message and its conversation. */
export const responseIdOf = (messageId: string) => `resp_${hexOf(messageId)}`;
export const messageItemIdOf = (messageId: string) => `msg_${hexOf(messageId)}`;

/** The message id inside a `resp_`/`msg_`/`fc_` id, or undefined when it holds none. */
function messageIdIn(id: string, prefix: 'resp' | 'msg' | 'fc'): { messageId: string; index?: number } | undefined {
  const match = new RegExp(`^${prefix}_([0-9a-f]{32})(?:_(\\d{1,4}))?$`).exec(id);
  if (!match || (prefix !== 'fc' && match[2] !== undefined) || (prefix === 'fc' && match[2] === undefined)) return undefined;
  const messageId = uuidOf(match[1]);
  if (!isUuid(messageId)) return undefined;
  return { messageId, ...(match[2] !== undefined ? { index: Number(match[2]) } : {}) };
}

/** The tool calls an assistant message made (kept in its metadata by the turn engine). */
export function toolCallsOf(message: Pick<Message, 'metadata'>): ToolCall[] {
  const calls = message.metadata?.tool_calls;
  return Array.isArray(calls) ? (calls as ToolCall[]) : [];
}

interface Deps {
  db: Db;
  bus: EventBus;
  completions: CompletionsService;
  conversations: ConversationsService;
  messages: MessagesService;
}

/**
 * OpenAI's Responses API on Parley's core. A stored response (the default, as in OpenAI) is a
 * turn of a Parley conversation: its id names the reply's message, and `previous_response_id`
 * continues that conversation, so a chain of responses is one conversation on every surface.
 * `store: false` is a stateless call through the same path as stateless chat completions.
 */
export class ResponsesService {
  private readonly deps: Deps;
  constructor(deps: Deps) {
    this.deps = deps;
  }

  async create(actor: Actor, request: ResponseRequest, signal: AbortSignal): Promise<StartedResponse> {
    const previous = request.previousResponseId ? await this.latestOf(actor, request.previousResponseId) : undefined;
    const input = await this.promptOf(actor, request.input);
    if (!request.store) {
      const history = previous ? await this.history(previous.conversation, request.instructions) : request.instructions ? [system(request.instructions)] : [];
      const events = this.deps.completions.stateless(actor, this.completionInput(request, [...history, ...input]), signal);
      // Not stored: an id of the same form that names no message, so GET answers 404 for it.
      const hex = randomBytes(16).toString('hex');
      return { id: `resp_${hex}`, messageItemId: `msg_${hex}`, createdAt: new Date(), events };
    }
    let sessionId: string | undefined;
    let messagesIn = input;
    if (previous) {
      sessionId = previous.conversation.id;
      // New instructions replace the conversation's system prompt; without them it is kept.
      if (request.instructions !== undefined && request.instructions !== previous.conversation.systemPrompt) {
        await this.deps.conversations.update(actor, sessionId, { systemPrompt: request.instructions });
      }
    } else if (request.instructions !== undefined) {
      // A leading system message becomes a new conversation's system prompt.
      messagesIn = [system(request.instructions), ...input];
    }
    const { conversation, events } = await this.deps.completions.stored(actor, sessionId, this.completionInput(request, messagesIn));
    // The turn holds the conversation until it ends, so its newest reply is this turn's own.
    const reply = await this.deps.messages.lastReply(conversation.id);
    if (!reply) throw errors.conflict('The reply could not be found');
    return { id: responseIdOf(reply.id), conversation, messageItemId: messageItemIdOf(reply.id), createdAt: reply.createdAt, events };
  }

  /** A stored response the actor may see: 404 when it does not exist, 403 when it is another user's. */
  async get(actor: Actor, responseId: string): Promise<StoredResponse> {
    const { message, conversation } = await this.find(actor, responseId);
    const [earlier] = await this.deps.db
      .select({ id: messages.id })
      .from(messages)
      .where(replyBefore(message))
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(1);
    return { id: responseId, message, conversation, previousResponseId: earlier ? responseIdOf(earlier.id) : null };
  }

  /**
   * Deletes the response with its input: the reply and the messages after the previous reply
   * that led to it, together, so the chain before it can still be continued.
   */
  async delete(actor: Actor, responseId: string): Promise<void> {
    const { message } = await this.find(actor, responseId);
    if (message.status === 'streaming') throw errors.conflict('The response is still being generated');
    const deleted = await this.deps.db.transaction(async (tx) => {
      const [earlier] = await tx
        .select({ createdAt: messages.createdAt })
        .from(messages)
        .where(replyBefore(message))
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(1);
      return tx
        .update(messages)
        .set({ deletedAt: new Date() })
        .where(
          and(
            eq(messages.conversationId, message.conversationId),
            isNull(messages.deletedAt),
            lte(messages.createdAt, message.createdAt),
            earlier ? gt(messages.createdAt, earlier.createdAt) : undefined,
          ),
        )
        .returning({ id: messages.id });
    });
    for (const row of deleted) {
      this.deps.bus.publish({ sessionId: message.conversationId, event: 'message.deleted', data: { message_id: row.id, session_id: message.conversationId } });
    }
  }

  private async find(actor: Actor, responseId: string): Promise<{ message: Message; conversation: Conversation }> {
    const ref = messageIdIn(responseId, 'resp');
    if (!ref) throw errors.notFound('Response');
    const message = await this.deps.messages.get(actor, ref.messageId).catch((err) => {
      throw err.status === 404 ? errors.notFound('Response') : err;
    });
    if (message.role !== 'assistant') throw errors.notFound('Response');
    const conversation = await this.deps.conversations.get(actor, message.conversationId);
    return { message, conversation };
  }

  /**
   * The response a request continues. Parley's conversations are linear, so only a chain's
   * latest response can be continued; an earlier one would need a branch.
   */
  private async latestOf(actor: Actor, responseId: string): Promise<{ message: Message; conversation: Conversation }> {
    const found = await this.find(actor, responseId);
    const last = await this.deps.messages.lastReply(found.conversation.id);
    if (last?.id !== found.message.id) {
      throw errors.badRequest('previous_response_id must be the latest response of its conversation', { param: 'previous_response_id' });
    }
    return found;
  }

  /** A stored conversation as the model sees it, for a stateless call that continues it. */
  private async history(conversation: Conversation, instructions: string | undefined): Promise<PromptMessage[]> {
    const { entries } = await loadTranscript(this.deps.db, conversation.id);
    const withPrompt = withSystemPrompt(instructions === undefined ? conversation : { systemPrompt: instructions, systemPromptHidden: false }, entries);
    return withPrompt.map(promptOfEntry);
  }

  /** The request's items as messages; consecutive function calls join one assistant message. */
  private async promptOf(actor: Actor, items: ResponseItem[]): Promise<PromptMessage[]> {
    const out: PromptMessage[] = [];
    const addCall = (call: ToolCall) => {
      const last = out.at(-1);
      if (last?.role === 'assistant') last.toolCalls = [...(last.toolCalls ?? []), call];
      else out.push({ role: 'assistant', content: '', toolCalls: [call] });
    };
    for (const item of items) {
      if (item.kind === 'message') {
        out.push({ role: item.role, content: item.content, ...(item.parts ? { parts: item.parts } : {}) });
      } else if (item.kind === 'function_call') {
        addCall({ id: item.callId, name: item.name, arguments: item.arguments });
      } else if (item.kind === 'function_call_output') {
        out.push({ role: 'tool', content: item.output, toolCallId: item.callId });
      } else {
        const resolved = await this.referenced(actor, item.id);
        if (resolved.kind === 'message') out.push({ role: 'assistant', content: resolved.content });
        else addCall(resolved.call);
      }
    }
    return out;
  }

  /** An output item of a stored response the actor may see. */
  private async referenced(actor: Actor, id: string): Promise<{ kind: 'message'; content: string } | { kind: 'call'; call: ToolCall }> {
    const ref = messageIdIn(id, 'msg') ?? messageIdIn(id, 'fc');
    const notFound = () => errors.badRequest(`Item with id '${id}' not found`, { param: 'input' });
    if (!ref) throw notFound();
    const message = await this.deps.messages.get(actor, ref.messageId).catch((err) => {
      throw err.status === 404 ? notFound() : err;
    });
    if (message.role !== 'assistant') throw notFound();
    if (ref.index === undefined) return { kind: 'message', content: message.content };
    const call = toolCallsOf(message)[ref.index];
    if (!call) throw notFound();
    return { kind: 'call', call };
  }

  private completionInput(request: ResponseRequest, prompt: PromptMessage[]): CompletionInput {
    if (prompt.length === 0) throw errors.badRequest('input must not be empty', { param: 'input' });
    return { model: request.model, messages: prompt, temperature: request.temperature, maxTokens: request.maxTokens, options: request.options };
  }
}

const system = (content: string): PromptMessage => ({ role: 'system', content });

/** The live replies before `message` in its conversation (same millisecond: told apart by the time-ordered id). */
function replyBefore(message: Message) {
  return and(
    eq(messages.conversationId, message.conversationId),
    eq(messages.role, 'assistant'),
    isNull(messages.deletedAt),
    or(lt(messages.createdAt, message.createdAt), and(eq(messages.createdAt, message.createdAt), lt(messages.id, message.id))),
  );
}

function promptOfEntry(entry: TranscriptEntry): PromptMessage {
  if (entry.toolCallId !== undefined) return { role: 'tool', content: entry.content, toolCallId: entry.toolCallId };
  return entry.toolCalls ? { role: entry.role, content: entry.content, toolCalls: entry.toolCalls } : { role: entry.role, content: entry.content };
}
