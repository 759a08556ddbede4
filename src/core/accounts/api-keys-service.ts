import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { apiKeys, users } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import type { User } from './accounts-service.ts';
import type { RevocationPublisher } from './revocations.ts';
import { randomToken, sha256 } from './secrets.ts';

export const API_KEY_PREFIX = 'pk_';

export type ApiKey = typeof apiKeys.$inferSelect;

/** What is stored of a key, and what it is looked up by. */
export const apiKeyHash = (key: string) => sha256(key);

export class ApiKeysService {
  private readonly deps: { db: Db; revocations: RevocationPublisher };
  // The key and its owner, in one round trip: read when a key is used and not remembered.
  private readonly byHash;
  constructor(deps: { db: Db; revocations: RevocationPublisher }) {
    this.deps = deps;
    this.byHash = deps.db
      .select({ apiKey: apiKeys, user: users })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(eq(apiKeys.keyHash, sql.placeholder('hash')))
      .prepare('api_key_by_hash');
  }

  /**
   * Creates a key; the plain key is returned this once and only its hash is kept. Only a
   * password login may do it: a leaked key must not be able to mint keys that outlive its revocation.
   */
  async create(actor: Actor, input: { name: string; expiresAt?: Date | null; budgetUsd?: number | null }): Promise<{ key: string; apiKey: ApiKey }> {
    if (!actor.loginId) throw errors.forbidden('API keys can only be created by a signed-in user, not with an API key');
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw errors.validation('expires_at must be in the future');
    const key = `${API_KEY_PREFIX}${randomToken(32)}`;
    const [apiKey] = await this.deps.db
      .insert(apiKeys)
      .values({
        id: newId(),
        userId: actor.userId,
        name: input.name,
        prefix: key.slice(0, 10),
        keyHash: apiKeyHash(key),
        expiresAt,
        budgetUsd: input.budgetUsd ?? null,
      })
      .returning();
    return { key, apiKey };
  }

  /** The caller's keys that are not revoked, expired ones included (they show when they expired). */
  list(actor: Actor): Promise<ApiKey[]> {
    return this.deps.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, actor.userId), isNull(apiKeys.revokedAt)))
      .orderBy(desc(apiKeys.createdAt));
  }

  async revoke(actor: Actor, id: string): Promise<void> {
    const [row] = await this.deps.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    if (!row || row.revokedAt) throw errors.notFound('API key');
    if (row.userId !== actor.userId) throw errors.forbidden();
    await this.deps.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id));
    await this.deps.revocations.publishRevocation({ kind: 'api_key', id });
  }

  /** The key's row and its owner, revoked or expired alike; undefined for an unknown key. */
  find(key: string): Promise<{ apiKey: ApiKey; user: User } | undefined> {
    return this.findByHash(apiKeyHash(key));
  }

  /** As `find`, by the key's hash (`apiKeyHash`), which is all that is stored of it. */
  async findByHash(hash: string): Promise<{ apiKey: ApiKey; user: User } | undefined> {
    const [row] = await this.byHash.execute({ hash });
    return row;
  }
}
