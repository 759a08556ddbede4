import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { refreshTokens, users, type Tier } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import type { AccessTokens } from './jwt.ts';
import { dummyPasswordHash, hashPassword, randomToken, sha256, verifyPassword } from './secrets.ts';

export type User = typeof users.$inferSelect;

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: User;
}

export interface AccountsDeps {
  db: Db;
  tokens: AccessTokens;
  allowRegistration: boolean;
  refreshTokenTtlDays: number;
}

export class AccountsService {
  private readonly deps: AccountsDeps;
  // Read on every authenticated request: built once, and parsed once per connection.
  private readonly userById;
  constructor(deps: AccountsDeps) {
    this.deps = deps;
    this.userById = deps.db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare('user_by_id');
  }

  async register(input: { email: string; password: string; displayName?: string | null }): Promise<Session> {
    if (!this.deps.allowRegistration) throw errors.forbidden('Registration is closed');
    const email = input.email.trim().toLowerCase();
    const passwordHash = await hashPassword(input.password);
    const id = newId();
    // The first account becomes the admin; decided in the same statement that inserts it.
    const inserted = await this.deps.db
      .insert(users)
      .values({
        id,
        email,
        passwordHash,
        displayName: input.displayName ?? null,
        role: sql`(case when exists (select 1 from ${users}) then 'user' else 'admin' end)`,
      })
      .onConflictDoNothing({ target: users.email })
      .returning();
    if (inserted.length === 0) throw errors.conflict('Email already registered');
    return this.openSession(inserted[0], newId());
  }

  async login(input: { email: string; password: string }): Promise<Session> {
    const email = input.email.trim().toLowerCase();
    const [user] = await this.deps.db.select().from(users).where(eq(users.email, email));
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
    if (!user || !ok) throw errors.unauthorized('Incorrect email or password');
    if (!user.active) throw errors.forbidden('Account is disabled');
    return this.openSession(user, newId());
  }

  /** Rotates a refresh token. A token presented twice means it leaked: its whole family is revoked. */
  async refresh(refreshToken: string): Promise<Session> {
    const hash = sha256(refreshToken);
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash)).for('update');
      if (!row) throw errors.unauthorized('Invalid refresh token');
      if (row.usedAt || row.revokedAt) {
        await tx
          .update(refreshTokens)
          .set({ revokedAt: new Date() })
          .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
        return { reused: true as const };
      }
      if (row.expiresAt.getTime() <= Date.now()) throw errors.unauthorized('Refresh token has expired');
      const [user] = await tx.select().from(users).where(eq(users.id, row.userId));
      if (!user?.active) throw errors.unauthorized('Invalid refresh token');
      await tx.update(refreshTokens).set({ usedAt: new Date() }).where(eq(refreshTokens.id, row.id));
      return { reused: false as const, user, familyId: row.familyId };
    }).then(async (result) => {
      // The family revocation above must commit, so the refusal is thrown after the transaction.
      if (result.reused) throw errors.unauthorized('Refresh token was already used; please log in again');
      return this.openSession(result.user, result.familyId);
    });
  }

  /** Revokes the given refresh token's family, or every session of the caller when none is given. */
  async logout(actor: Actor, refreshToken?: string): Promise<void> {
    const now = new Date();
    if (refreshToken) {
      const [row] = await this.deps.db
        .select({ familyId: refreshTokens.familyId })
        .from(refreshTokens)
        .where(and(eq(refreshTokens.tokenHash, sha256(refreshToken)), eq(refreshTokens.userId, actor.userId)));
      if (!row) return;
      await this.deps.db
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
      return;
    }
    await this.deps.db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(and(eq(refreshTokens.userId, actor.userId), isNull(refreshTokens.revokedAt)));
  }

  async me(actor: Actor): Promise<User> {
    const [user] = await this.deps.db.select().from(users).where(eq(users.id, actor.userId));
    if (!user) throw errors.notFound('User');
    return user;
  }

  async findActiveUser(userId: string): Promise<User | undefined> {
    const [user] = await this.userById.execute({ id: userId });
    return user?.active ? user : undefined;
  }

  async updateUser(actor: Actor, userId: string, patch: { tier?: Tier; role?: User['role']; active?: boolean }): Promise<User> {
    if (actor.role !== 'admin') throw errors.forbidden();
    // An admin demoting or disabling themselves could leave nobody able to undo it.
    if (userId === actor.userId && (patch.role === 'user' || patch.active === false)) {
      throw errors.badRequest('Admins cannot remove their own admin role or deactivate themselves');
    }
    const [user] = await this.deps.db
      .update(users)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    if (!user) throw errors.notFound('User');
    return user;
  }

  private async openSession(user: User, familyId: string): Promise<Session> {
    const refreshToken = randomToken();
    await this.deps.db.insert(refreshTokens).values({
      id: newId(),
      userId: user.id,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.deps.refreshTokenTtlDays * 86_400_000),
    });
    return {
      accessToken: await this.deps.tokens.sign(user.id),
      refreshToken,
      expiresIn: this.deps.tokens.expiresIn,
      user,
    };
  }
}
