import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { conversations, usageEvents } from '../../db/schema.ts';
import { costUsd, type ResolvedModel } from '../../providers/catalog.ts';
import { echoTitle } from '../../providers/echo.ts';
import type { EventBus } from '../../realtime/event-bus.ts';
import type { Actor } from '../actor.ts';
import type { Conversation } from '../conversations/conversations-service.ts';
import { newId } from '../ids.ts';
import { estimatePromptTokens, estimateTextTokens } from './token-estimate.ts';

const MAX_TITLE = 80;

/** Names a conversation after its first completed turn, with the conversation's own model. */
export class TitleGenerator {
  private readonly deps: { db: Db; bus: EventBus; timeoutMs: number };
  constructor(deps: { db: Db; bus: EventBus; timeoutMs: number }) {
    this.deps = deps;
  }

  async generate(actor: Actor | null, conversation: Conversation, firstMessage: string, model: ResolvedModel): Promise<void> {
    const title = model.entry.provider === 'echo' ? echoTitle(firstMessage) : await this.askModel(actor, conversation, firstMessage, model);
    if (!title) return;
    // Only if still untitled: a title the user set in the meantime wins.
    const [row] = await this.deps.db
      .update(conversations)
      .set({ title })
      .where(and(eq(conversations.id, conversation.id), isNull(conversations.title)))
      .returning();
    if (row) this.deps.bus.publish({ sessionId: conversation.id, event: 'session.updated', data: row });
  }

  private async askModel(actor: Actor | null, conversation: Conversation, firstMessage: string, model: ResolvedModel) {
    const prompt = [
      {
        role: 'system' as const,
        content: 'Write a title of at most six words for a conversation that starts with the user message below. Answer with the title only, no quotes.',
      },
      { role: 'user' as const, content: firstMessage.slice(0, 2000) },
    ];
    let text = '';
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    for await (const event of model.provider.stream({
      model: model.entry.upstream,
      messages: prompt,
      maxTokens: 24,
      signal: AbortSignal.timeout(this.deps.timeoutMs),
    })) {
      if (event.type === 'text') text += event.text;
      else usage = event;
    }
    const estimated = !usage;
    const counts = usage ?? { promptTokens: estimatePromptTokens(prompt), completionTokens: estimateTextTokens(text) };
    await this.deps.db.insert(usageEvents).values({
      id: newId(),
      userId: actor?.userId ?? null,
      conversationId: conversation.id,
      kind: 'title',
      model: model.entry.id,
      provider: model.entry.provider,
      promptTokens: counts.promptTokens,
      completionTokens: counts.completionTokens,
      costUsd: costUsd(model.entry, counts.promptTokens, counts.completionTokens),
      estimated,
    });
    const title = text.trim().replace(/^["'«]+|["'»]+$/g, '').replace(/\s+/g, ' ');
    return title.slice(0, MAX_TITLE) || echoTitle(firstMessage);
  }
}
