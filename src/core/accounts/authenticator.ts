import type { Actor } from '../actor.ts';
import { errors } from '../errors.ts';
import type { AccountsService } from './accounts-service.ts';
import { API_KEY_PREFIX, type ApiKeysService } from './api-keys-service.ts';
import type { AccessTokens } from './jwt.ts';

/** Turns a bearer credential (access token or API key) into the actor, or throws 401. */
export class Authenticator {
  private readonly deps: { tokens: AccessTokens; accounts: AccountsService; apiKeys: ApiKeysService };
  constructor(deps: { tokens: AccessTokens; accounts: AccountsService; apiKeys: ApiKeysService }) {
    this.deps = deps;
  }

  // The account is read on every request (one prepared statement, joined with the login or the
  // key) so that a logout, a revoked key, a disabled user or a changed tier takes effect at once.
  async authenticate(credential: string): Promise<Actor> {
    if (credential.startsWith(API_KEY_PREFIX)) {
      const found = await this.deps.apiKeys.find(credential);
      if (!found || found.apiKey.revokedAt) throw errors.unauthorized('Invalid API key');
      const expiresAt = found.apiKey.expiresAt?.getTime();
      if (expiresAt !== undefined && expiresAt <= Date.now()) throw errors.unauthorized('API key has expired');
      const { user } = found;
      if (!user.active) throw errors.unauthorized();
      return { userId: user.id, role: user.role, tier: user.tier, apiKeyId: found.apiKey.id, expiresAt };
    }
    const claims = await this.deps.tokens.verify(credential);
    const login = await this.deps.accounts.findLogin(claims.userId, claims.loginId);
    if (!login) throw errors.unauthorized();
    if (login.revoked) throw errors.unauthorized('Session has ended; please log in again');
    const { user } = login;
    if (!user.active) throw errors.unauthorized();
    return { userId: user.id, role: user.role, tier: user.tier, loginId: claims.loginId, expiresAt: claims.expiresAt };
  }
}
