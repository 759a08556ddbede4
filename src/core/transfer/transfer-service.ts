import type { Db } from '../../db/client.ts';
import type { ModelRegistry } from '../../providers/catalog.ts';
import type { Actor } from '../actor.ts';
import type { ConversationsService } from '../conversations/conversations-service.ts';
import { activePath, exportAll, exportOne } from './export-reader.ts';
import { writeImport } from './import-writer.ts';
import { markdownDocument } from './markdown.ts';
import type { ParleyDocument } from './parley-format.ts';
import { type ImportSource, readDocument } from './read-document.ts';
import type { ImportFormat } from './types.ts';

export interface TransferLimits {
  /** The largest import accepted, in bytes (a JSON body or an uploaded file). */
  importMaxBytes: number;
  /** The most messages one import may hold. */
  importMaxMessages: number;
}

export interface ImportResult {
  conversationIds: string[];
  formats: ImportFormat[];
  messageCount: number;
}

/** Export (Parley JSON, Markdown, JSON Lines of everything) and import (Parley, ChatGPT, plain lists). */
export class TransferService {
  readonly limits: TransferLimits;
  private readonly deps: { db: Db; models: ModelRegistry; conversations: ConversationsService };
  constructor(deps: { db: Db; models: ModelRegistry; conversations: ConversationsService; limits: TransferLimits }) {
    this.deps = deps;
    this.limits = deps.limits;
  }

  /** One conversation as Parley JSON, every branch included. */
  async exportJson(actor: Actor, conversationId: string): Promise<ParleyDocument> {
    const conversation = await this.deps.conversations.get(actor, conversationId);
    return exportOne(this.deps.db, conversation, !conversation.systemPromptHidden);
  }

  /** One conversation's active path as Markdown. */
  async exportMarkdown(actor: Actor, conversationId: string): Promise<{ title: string | null; markdown: string }> {
    const conversation = await this.deps.conversations.get(actor, conversationId);
    const path = await activePath(this.deps.db, conversation);
    const systemPrompt = conversation.systemPromptHidden ? null : conversation.systemPrompt;
    return { title: conversation.title, markdown: markdownDocument({ ...conversation, systemPrompt }, path) };
  }

  /** Every one of the actor's conversations as Parley documents, read page by page as they are consumed. */
  exportAll(actor: Actor): AsyncGenerator<ParleyDocument> {
    return exportAll(this.deps.db, actor);
  }

  /**
   * Reads and checks the whole import first (422 saying where), then writes it in one
   * transaction. Everything belongs to the actor, whatever the file says.
   */
  async import(actor: Actor, source: ImportSource): Promise<ImportResult> {
    const read = await readDocument(source, { maxMessages: this.limits.importMaxMessages, now: new Date() });
    // A conversation keeps its model when a provider here offers it; otherwise new turns use the default.
    const items = read.conversations.map(({ conversation }) => ({
      conversation,
      model: conversation.model && this.deps.models.has(conversation.model) ? conversation.model : this.deps.models.defaultModel,
    }));
    const conversationIds = await writeImport(this.deps.db, actor.userId, items, actor.apiKeyId ?? null);
    return {
      conversationIds,
      formats: read.conversations.map((c) => c.format),
      messageCount: read.conversations.reduce((n, c) => n + c.conversation.messages.length, 0),
    };
  }
}

