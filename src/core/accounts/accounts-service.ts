import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { loginSessions, refreshTokens, users, type Tier } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import type { AccessTokens } from './jwt.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import type { RevocationPublisher } from './revocations.ts';
import { dummyPasswordHash, hashPassword, randomToken, sha256, verifyPassword } from './secrets.ts';

export type User = typeof users.$inferSelect;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

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
  /** Told once a logout, a reused refresh token, a disabled account or any other change to a user has been committed. */
  revocations: RevocationPublisher;
}

export class AccountsService {
  private readonly deps: AccountsDeps;
  // The user and the login together, in one round trip: read on every request made with an access
  // token, so built once, and parsed once per connection.
  private readonly loginById;
  constructor(deps: AccountsDeps) {
    this.deps = deps;
    this.loginById = deps.db
      .select({ user: users, loginRevokedAt: loginSessions.revokedAt })
      .from(loginSessions)
      .innerJoin(users, eq(users.id, loginSessions.userId))
      .where(and(eq(loginSessions.id, sql.placeholder('loginId')), eq(loginSessions.userId, sql.placeholder('userId'))))
      .prepare('login_by_id');
  }

  async register(input: { email: string; password: string; displayName?: string | null }): Promise<Session> {
    if (!this.deps.allowRegistration) throw errors.forbidden('Registration is closed');
    const email = input.email.trim().toLowerCase();
    await checkPasswordPolicy(input.password, email);
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
    return this.openSession(inserted[0], newId(), true);
  }

  async login(input: { email: string; password: string }): Promise<Session> {
    const email = input.email.trim().toLowerCase();
    const [user] = await this.deps.db.select().from(users).where(eq(users.email, email));
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
    if (!user || !ok) throw errors.unauthorized('Incorrect email or password');
    if (!user.active) throw errors.forbidden('Account is disabled');
    return this.openSession(user, newId(), true);
  }

  /** Rotates a refresh token. A token presented twice means it leaked: its whole family is revoked. */
  async refresh(refreshToken: string): Promise<Session> {
    const hash = sha256(refreshToken);
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash)).for('update');
      if (!row) throw errors.unauthorized('Invalid refresh token');
      if (row.usedAt || row.revokedAt) {
        return { reused: true as const, ended: await revokeLogins(tx, row.userId, [row.familyId]) };
      }
      if (row.expiresAt.getTime() <= Date.now()) throw errors.unauthorized('Refresh token has expired');
      const [user] = await tx.select().from(users).where(eq(users.id, row.userId));
      if (!user?.active) throw errors.unauthorized('Invalid refresh token');
      await tx.update(refreshTokens).set({ usedAt: new Date() }).where(eq(refreshTokens.id, row.id));
      return { reused: false as const, user, familyId: row.familyId };
    }).then(async (result) => {
      // The family revocation above must commit, so the refusal is thrown after the transaction.
      if (result.reused) {
        await this.endedLogins(result.ended);
        throw errors.unauthorized('Refresh token was already used; please log in again');
      }
      return this.openSession(result.user, result.familyId, false);
    });
  }

  /**
   * Ends logins: the given refresh token's login and the caller's own, or every login of the
   * caller when no refresh token is given. Their refresh and access tokens stop working at once.
   */
  async logout(actor: Actor, refreshToken?: string): Promise<void> {
    let ended: string[];
    if (refreshToken) {
      const [row] = await this.deps.db
        .select({ familyId: refreshTokens.familyId })
        .from(refreshTokens)
        .where(and(eq(refreshTokens.tokenHash, sha256(refreshToken)), eq(refreshTokens.userId, actor.userId)));
      const logins = [row?.familyId, actor.loginId].filter((id): id is string => id !== undefined);
      if (logins.length === 0) return;
      ended = await this.deps.db.transaction((tx) => revokeLogins(tx, actor.userId, [...new Set(logins)]));
    } else {
      ended = await this.deps.db.transaction((tx) => revokeLogins(tx, actor.userId));
    }
    await this.endedLogins(ended);
  }

  /** Sets or clears (null) the caller's display name. */
  async updateProfile(actor: Actor, patch: { displayName: string | null }): Promise<User> {
    const [user] = await this.deps.db
      .update(users)
      .set({ displayName: patch.displayName, updatedAt: new Date() })
      .where(eq(users.id, actor.userId))
      .returning();
    if (!user) throw errors.notFound('User');
    return user;
  }

  /**
   * Changes the caller's password, confirmed with the current one, and ends every other login of
   * theirs (a password is changed because it may have leaked); the caller's own login stays. Only
   * a password login may do it, as for API keys: a leaked key must not be able to take the account.
   */
  async changePassword(actor: Actor, input: { currentPassword: string; newPassword: string }): Promise<void> {
    if (!actor.loginId) throw errors.forbidden('The password can only be changed by a signed-in user, not with an API key');
    const user = await this.me(actor);
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) throw errors.wrongPassword();
    await checkPasswordPolicy(input.newPassword, user.email, 'new_password');
    const passwordHash = await hashPassword(input.newPassword);
    const ended = await this.deps.db.transaction(async (tx) => {
      await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
      return revokeLogins(tx, user.id, { keep: actor.loginId });
    });
    await this.endedLogins(ended);
  }

  async me(actor: Actor): Promise<User> {
    const [user] = await this.deps.db.select().from(users).where(eq(users.id, actor.userId));
    if (!user) throw errors.notFound('User');
    return user;
  }

  /** The user of an access token's login, with whether the login has ended; undefined when either is unknown. */
  async findLogin(userId: string, loginId: string): Promise<{ user: User; revoked: boolean } | undefined> {
    const [row] = await this.loginById.execute({ userId, loginId });
    return row && { user: row.user, revoked: row.loginRevokedAt !== null };
  }

  async updateUser(
    actor: Actor,
    userId: string,
    patch: { tier?: Tier; role?: User['role']; active?: boolean; monthlyBudgetUsd?: number | null },
  ): Promise<User> {
    if (actor.role !== 'admin') throw errors.forbidden();
    // An admin demoting or disabling themselves could leave nobody able to undo it.
    if (userId === actor.userId && (patch.role === 'user' || patch.active === false)) {
      throw errors.badRequest('Admins cannot remove their own admin role or deactivate themselves');
    }
    const disabling = patch.active === false;
    const user = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(users.id, userId))
        .returning();
      // A disabled account is signed out everywhere; enabling it again does not bring its logins back.
      if (row && disabling) await revokeLogins(tx, userId);
      return row;
    });
    if (!user) throw errors.notFound('User');
    // Every instance forgets the user's remembered credentials: a disabled user's, or ones that
    // carry the old role or tier.
    if (disabling) await this.deps.revocations.publishRevocation({ kind: 'user', id: userId });
    else await this.deps.revocations.publishAccountChange(userId);
    return user;
  }

  /**
   * Creates an account with the role and tier given, whatever the registration setting (admins
   * only: an operator setting up users). The password policy applies as at registration.
   */
  async createUser(
    actor: Actor,
    input: { email: string; password: string; displayName?: string | null; role?: User['role']; tier?: Tier },
  ): Promise<User> {
    if (actor.role !== 'admin') throw errors.forbidden();
    const email = input.email.trim().toLowerCase();
    await checkPasswordPolicy(input.password, email);
    const passwordHash = await hashPassword(input.password);
    const [user] = await this.deps.db
      .insert(users)
      .values({ id: newId(), email, passwordHash, displayName: input.displayName ?? null, role: input.role ?? 'user', tier: input.tier ?? 'free' })
      .onConflictDoNothing({ target: users.email })
      .returning();
    if (!user) throw errors.conflict('Email already registered');
    return user;
  }

  /**
   * Sets a user's password without the current one (admins only: a forgotten password) and ends
   * every login of theirs, as the old password may have leaked. API keys keep working.
   */
  async resetPassword(actor: Actor, userId: string, password: string): Promise<User> {
    if (actor.role !== 'admin') throw errors.forbidden();
    const [current] = await this.deps.db.select({ email: users.email }).from(users).where(eq(users.id, userId));
    if (!current) throw errors.notFound('User');
    await checkPasswordPolicy(password, current.email);
    const passwordHash = await hashPassword(password);
    const { user, ended } = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId)).returning();
      return { user: row, ended: row ? await revokeLogins(tx, userId) : [] };
    });
    if (!user) throw errors.notFound('User');
    await this.endedLogins(ended);
    return user;
  }

  /** Announces logins that have ended (committed): their sockets close, every instance forgets them. */
  private async endedLogins(ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.deps.revocations.publishRevocation({ kind: 'login', id })));
  }

  /** Issues tokens for a login: a new one (`isNew`, its session row is created) or a refreshed one. */
  private async openSession(user: User, loginId: string, isNew: boolean): Promise<Session> {
    const refreshToken = randomToken();
    const token = {
      id: newId(),
      userId: user.id,
      familyId: loginId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.deps.refreshTokenTtlDays * 86_400_000),
    };
    if (isNew) {
      await this.deps.db.transaction(async (tx) => {
        await tx.insert(loginSessions).values({ id: loginId, userId: user.id });
        await tx.insert(refreshTokens).values(token);
      });
    } else {
      await this.deps.db.insert(refreshTokens).values(token);
    }
    return {
      accessToken: await this.deps.tokens.sign(user.id, loginId),
      refreshToken,
      expiresIn: this.deps.tokens.expiresIn,
      user,
    };
  }
}

/**
 * Ends logins of a user (the given ones, or all, or all but one): their session rows and refresh
 * tokens are revoked together. Returns the ids of the logins that were still open.
 */
async function revokeLogins(tx: Tx, userId: string, which?: string[] | { keep?: string }): Promise<string[]> {
  const now = new Date();
  const tokens = [eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)];
  const logins = [eq(loginSessions.userId, userId), isNull(loginSessions.revokedAt)];
  if (Array.isArray(which)) {
    tokens.push(inArray(refreshTokens.familyId, which));
    logins.push(inArray(loginSessions.id, which));
  } else if (which?.keep) {
    tokens.push(ne(refreshTokens.familyId, which.keep));
    logins.push(ne(loginSessions.id, which.keep));
  }
  await tx.update(refreshTokens).set({ revokedAt: now }).where(and(...tokens));
  const ended = await tx.update(loginSessions).set({ revokedAt: now }).where(and(...logins)).returning({ id: loginSessions.id });
  return ended.map((row) => row.id);
}
