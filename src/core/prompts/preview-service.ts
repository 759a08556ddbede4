import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { prompts } from '../../db/schema.ts';
import type { ModelRegistry } from '../../providers/catalog.ts';
import type { Actor } from '../actor.ts';
import type { ModelCalls } from '../chat/model-call.ts';
import { errors } from '../errors.ts';
import type { PromptsService } from './prompts-service.ts';
import { renderTemplate, type TemplateValue } from './template.ts';

export interface PreviewInput {
  /** Exactly one of promptId and content. */
  promptId?: string;
  content?: string;
  variables: Record<string, TemplateValue>;
  model?: string;
}

export interface PreviewResult {
  preview: string;
  tokensUsed: number;
  modelUsed: string;
}

export interface PreviewDeps {
  db: Db;
  prompts: PromptsService;
  models: ModelRegistry;
  calls: ModelCalls;
  timeoutMs: number;
}

/**
 * Runs a filled-in prompt through a model once. Not a conversation turn: nothing is stored
 * but the usage event and the prompt's usage count.
 */
export class PromptPreview {
  private readonly deps: PreviewDeps;
  constructor(deps: PreviewDeps) {
    this.deps = deps;
  }

  async run(actor: Actor, input: PreviewInput): Promise<PreviewResult> {
    const prompt = input.promptId ? await this.deps.prompts.get(actor, input.promptId) : undefined;
    const content = prompt?.content ?? input.content;
    if (content === undefined) throw errors.validation('Either prompt_id or content is required');
    const { text, missing } = renderTemplate(content, input.variables);
    if (missing.length) {
      throw errors.validation(`Missing values for variables: ${missing.join(', ')}`, { missing_variables: missing });
    }
    const model = this.deps.models.resolve(input.model);
    const result = await this.deps.calls.complete({
      actor,
      model,
      messages: [{ role: 'user', content: text }],
      kind: 'preview',
      signal: AbortSignal.timeout(this.deps.timeoutMs),
    });
    if (prompt) {
      await this.deps.db
        .update(prompts)
        .set({ usageCount: sql`${prompts.usageCount} + 1` })
        .where(eq(prompts.id, prompt.id));
    }
    return { preview: result.text, tokensUsed: result.usage.totalTokens, modelUsed: model.entry.id };
  }
}
