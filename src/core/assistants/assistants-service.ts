import { and, count, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { assistants } from '../../db/schema.ts';
import type { ModelRegistry } from '../../providers/catalog.ts';
import { type Actor, isAdmin } from '../actor.ts';
import { errors } from '../errors.ts';
import { isUuid, newId } from '../ids.ts';

export type Assistant = typeof assistants.$inferSelect;

export interface AssistantInput {
  name: string;
  description?: string | null;
  model?: string | null;
  systemPrompt?: string | null;
  temperature?: number | null;
  maxTokens?: number | null;
  userAuthentication?: boolean;
}

export type AssistantPatch = Partial<AssistantInput>;

/**
 * What the caller may see of an assistant: its owner (and admins) see everything; anyone who
 * may chat with it sees what a chat window shows, not its configuration.
 */
export interface AssistantView {
  assistant: Assistant;
  access: 'owner' | 'visitor';
}

export const AUTH_REQUIRED = 'Authentication required for this assistant';

/**
 * Assistants (seed 001): a model with a system prompt and settings that conversations start
 * from. `user_authentication: true` limits chatting (and reading it) to signed-in users;
 * false opens both to anonymous visitors. Only the owner (or an admin) changes or deletes it.
 */
export class AssistantsService {
  private readonly deps: { db: Db; models: ModelRegistry };
  constructor(deps: { db: Db; models: ModelRegistry }) {
    this.deps = deps;
  }

  async create(actor: Actor, input: AssistantInput): Promise<Assistant> {
    const model = this.deps.models.resolve(input.model ?? this.deps.models.defaultModel).entry.id;
    const [row] = await this.deps.db
      .insert(assistants)
      .values({
        id: newId(),
        ownerId: actor.userId,
        name: input.name,
        description: input.description ?? null,
        model,
        systemPrompt: input.systemPrompt ?? null,
        temperature: input.temperature ?? null,
        maxTokens: input.maxTokens ?? null,
        userAuthentication: input.userAuthentication ?? true,
      })
      .returning();
    return row;
  }

  /** The actor's own assistants, newest first. */
  async list(actor: Actor, page: { offset: number; limit: number }): Promise<{ items: Assistant[]; total: number }> {
    const where = and(eq(assistants.ownerId, actor.userId), isNull(assistants.deletedAt));
    const [items, [{ total }]] = await Promise.all([
      this.deps.db
        .select()
        .from(assistants)
        .where(where)
        .orderBy(desc(assistants.createdAt), desc(assistants.id))
        .limit(page.limit)
        .offset(page.offset),
      this.deps.db.select({ total: count() }).from(assistants).where(where),
    ]);
    return { items, total };
  }

  /** An assistant as the caller may see it: whoever may chat with it may read it. */
  async get(actor: Actor | null, id: string): Promise<AssistantView> {
    const assistant = await this.findForChat(actor, id);
    return { assistant, access: actor && isOwner(actor, assistant) ? 'owner' : 'visitor' };
  }

  /** The assistant if the caller may chat with it: 404 when missing, 401 when it needs a signed-in user. */
  async findForChat(actor: Actor | null, id: string): Promise<Assistant> {
    const assistant = await this.find(id);
    if (!assistant) throw errors.notFound('Assistant');
    if (assistant.userAuthentication && !actor) throw errors.unauthorized(AUTH_REQUIRED);
    return assistant;
  }

  async update(actor: Actor, id: string, patch: AssistantPatch): Promise<Assistant> {
    await this.getOwned(actor, id);
    const set: Partial<Assistant> = { updatedAt: new Date() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.model !== undefined) set.model = this.deps.models.resolve(patch.model ?? this.deps.models.defaultModel).entry.id;
    if (patch.systemPrompt !== undefined) set.systemPrompt = patch.systemPrompt;
    if (patch.temperature !== undefined) set.temperature = patch.temperature;
    if (patch.maxTokens !== undefined) set.maxTokens = patch.maxTokens;
    if (patch.userAuthentication !== undefined) set.userAuthentication = patch.userAuthentication;
    const [row] = await this.deps.db.update(assistants).set(set).where(eq(assistants.id, id)).returning();
    return row;
  }

  /**
   * Soft-deletes the assistant: nobody can start or continue a chat with it any more. Its
   * conversations stay with their owners (and are listed and readable as before).
   */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.getOwned(actor, id);
    await this.deps.db.update(assistants).set({ deletedAt: new Date() }).where(eq(assistants.id, id));
  }

  private async getOwned(actor: Actor, id: string): Promise<Assistant> {
    const assistant = await this.find(id);
    if (!assistant) throw errors.notFound('Assistant');
    if (!isOwner(actor, assistant)) throw errors.forbidden();
    return assistant;
  }

  private async find(id: string): Promise<Assistant | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.deps.db
      .select()
      .from(assistants)
      .where(and(eq(assistants.id, id), isNull(assistants.deletedAt)));
    return row;
  }
}

const isOwner = (actor: Actor, assistant: Assistant) => assistant.ownerId === actor.userId || isAdmin(actor);
