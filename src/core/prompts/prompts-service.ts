import { and, asc, count, desc, eq, ilike, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { prompts } from '../../db/schema.ts';
import { type Actor, isAdmin } from '../actor.ts';
import { errors } from '../errors.ts';
import { isUuid, newId } from '../ids.ts';

export type Prompt = typeof prompts.$inferSelect;

export interface PromptInput {
  title: string;
  content: string;
  scenario?: string | null;
  description?: string | null;
  metadata?: Record<string, unknown>;
  /** A system template (no owner, read-only to users): admins only. */
  isTemplate?: boolean;
}

export type PromptPatch = Partial<Omit<PromptInput, 'isTemplate'>>;

export interface PromptListOptions {
  scenario?: string;
  includeTemplates: boolean;
  search?: string;
  offset: number;
  limit: number;
}

/** The prompt library: each user's own prompts, plus system templates everyone may read and use. */
export class PromptsService {
  private readonly db: Db;
  constructor(deps: { db: Db }) {
    this.db = deps.db;
  }

  async create(actor: Actor, input: PromptInput): Promise<Prompt> {
    if (input.isTemplate && !isAdmin(actor)) throw errors.forbidden('Only admins can create system templates');
    const [row] = await this.db
      .insert(prompts)
      .values({
        id: newId(),
        ownerId: input.isTemplate ? null : actor.userId,
        title: input.title,
        content: input.content,
        scenario: input.scenario ?? null,
        description: input.description ?? null,
        metadata: input.metadata ?? {},
        isTemplate: input.isTemplate ?? false,
      })
      .returning();
    return row;
  }

  /** The caller's prompts (most recently updated first), then the system templates by title. */
  async list(actor: Actor, opts: PromptListOptions): Promise<{ items: Prompt[]; total: number }> {
    const where = and(...listFilters(actor, opts));
    const [items, [{ total }]] = await Promise.all([
      this.db
        .select()
        .from(prompts)
        .where(where)
        .orderBy(
          asc(sql`${prompts.ownerId} is null`),
          asc(sql`case when ${prompts.ownerId} is null then ${prompts.title} end`),
          desc(prompts.updatedAt),
          desc(prompts.id),
        )
        .limit(opts.limit)
        .offset(opts.offset),
      this.db.select({ total: count() }).from(prompts).where(where),
    ]);
    return { items, total };
  }

  /** A prompt the caller may read: its own, a system template, or any prompt for an admin. 404 before 403. */
  async get(actor: Actor, id: string): Promise<Prompt> {
    const prompt = await this.find(id);
    if (prompt.ownerId !== null && prompt.ownerId !== actor.userId && !isAdmin(actor)) throw errors.forbidden();
    return prompt;
  }

  async update(actor: Actor, id: string, patch: PromptPatch): Promise<Prompt> {
    const current = await this.writable(actor, id);
    const set: Partial<Prompt> = {};
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.content !== undefined) set.content = patch.content;
    if (patch.scenario !== undefined) set.scenario = patch.scenario;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.metadata !== undefined) set.metadata = patch.metadata;
    if (Object.keys(set).length === 0) return current;
    const [row] = await this.db
      .update(prompts)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(prompts.id, id))
      .returning();
    if (!row) throw errors.notFound('Prompt');
    return row;
  }

  /** Removes the prompt for good: prompts are not part of the soft-deleted, restorable data. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.writable(actor, id);
    await this.db.delete(prompts).where(eq(prompts.id, id));
  }

  private async find(id: string): Promise<Prompt> {
    if (!isUuid(id)) throw errors.notFound('Prompt');
    const [row] = await this.db.select().from(prompts).where(eq(prompts.id, id));
    if (!row) throw errors.notFound('Prompt');
    return row;
  }

  /** Owners change their prompts; admins change any prompt, templates included. */
  private async writable(actor: Actor, id: string): Promise<Prompt> {
    const prompt = await this.find(id);
    if (isAdmin(actor) || prompt.ownerId === actor.userId) return prompt;
    if (prompt.ownerId === null) throw errors.forbidden('System templates are read-only');
    throw errors.forbidden();
  }
}

function listFilters(actor: Actor, opts: PromptListOptions): SQL[] {
  const own = eq(prompts.ownerId, actor.userId);
  const filters: SQL[] = [opts.includeTemplates ? (or(own, isNull(prompts.ownerId)) as SQL) : own];
  if (opts.scenario) filters.push(eq(prompts.scenario, opts.scenario));
  if (opts.search) {
    const pattern = `%${escapeLike(opts.search)}%`;
    filters.push(
      or(ilike(prompts.title, pattern), ilike(prompts.content, pattern), ilike(prompts.description, pattern)) as SQL,
    );
  }
  return filters;
}

/** Makes `%`, `_` and the escape character itself match literally (backslash is PostgreSQL's LIKE escape). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
