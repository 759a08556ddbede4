import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { apiKeys } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import { randomToken, sha256 } from './secrets.ts';

export const API_KEY_PREFIX = 'pk_';

export type ApiKey = typeof apiKeys.$inferSelect;

export class ApiKeysService {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Creates a key; the plain key is returned this once and only its hash is kept. */
  async create(actor: Actor, name: string): Promise<{ key: string; apiKey: ApiKey }> {
    const key = `${API_KEY_PREFIX}${randomToken(32)}`;
    const [apiKey] = await this.db
      .insert(apiKeys)
      .values({ id: newId(), userId: actor.userId, name, prefix: key.slice(0, 10), keyHash: sha256(key) })
      .returning();
    return { key, apiKey };
  }

  list(actor: Actor): Promise<ApiKey[]> {
    return this.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, actor.userId), isNull(apiKeys.revokedAt)))
      .orderBy(desc(apiKeys.createdAt));
  }

  async revoke(actor: Actor, id: string): Promise<void> {
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    if (!row || row.revokedAt) throw errors.notFound('API key');
    if (row.userId !== actor.userId) throw errors.forbidden();
    await this.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id));
  }

  /** The key's row when the key is valid and not revoked. */
  async findActive(key: string): Promise<ApiKey | undefined> {
    const [row] = await this.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt)));
    return row;
  }
}
