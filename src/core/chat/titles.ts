import type { Db } from '../../db/client.ts';
import type { ResolvedModel } from '../../providers/catalog.ts';
import { echoTitle } from '../../providers/echo.ts';
import type { EventBus } from '../../realtime/event-bus.ts';
import type { Actor } from '../actor.ts';
import type { Conversation, ConversationsService } from '../conversations/conversations-service.ts';
import type { ModelCalls } from './model-call.ts';

const MAX_TITLE = 80;

export interface TitleDeps {
  db: Db;
  bus: EventBus;
  conversations: ConversationsService;
  /** Held against the caller's budgets: a title is a model call like any other. */
  calls: ModelCalls;
  timeoutMs: number;
}

/** Names a conversation after its first completed turn, with the conversation's own model. */
export class TitleGenerator {
  private readonly deps: TitleDeps;
  constructor(deps: TitleDeps) {
    this.deps = deps;
  }

  async generate(actor: Actor | null, conversation: Conversation, firstMessage: string, model: ResolvedModel): Promise<void> {
    const title = model.entry.provider === 'echo' ? echoTitle(firstMessage) : await this.askModel(actor, conversation, firstMessage, model);
    // Only if still untitled: a title the user set in the meantime wins. Listeners get the whole
    // conversation, message count included, as from any other rename (the same statement reads it).
    const updated = await this.deps.conversations.titleIfUntitled(conversation.id, title);
    if (updated) this.deps.bus.publish({ sessionId: conversation.id, event: 'session.updated', data: updated });
  }

  private async askModel(actor: Actor | null, conversation: Conversation, firstMessage: string, model: ResolvedModel) {
    const { text } = await this.deps.calls.complete({
      actor,
      model,
      kind: 'title',
      conversationId: conversation.id,
      maxTokens: 24,
      signal: AbortSignal.timeout(this.deps.timeoutMs),
      messages: [
        {
          role: 'system',
          content:
            'Write a title of at most six words for a conversation that starts with the user message below. Answer with the title only, no quotes.',
        },
        { role: 'user', content: firstMessage.slice(0, 2000) },
      ],
    });
    // The answer is cut before it is cleaned: a provider that ignores max_tokens could send
    // pages, and the quote-stripping pattern backtracks over long runs of quotes.
    const title = text
      .slice(0, 4 * MAX_TITLE)
      .trim()
      .replace(/^["'«]+|["'»]+$/g, '')
      .replace(/\s+/g, ' ');
    return title.slice(0, MAX_TITLE) || echoTitle(firstMessage);
  }
}
