import type { Actor } from '../actor.ts';
import { errors } from '../errors.ts';
import type { AccountsService } from './accounts-service.ts';
import { API_KEY_PREFIX, apiKeyHash, type ApiKeysService } from './api-keys-service.ts';
import { apiKeyCacheKey, type CachedCredential, type CredentialCache, loginCacheKey } from './credential-cache.ts';
import type { AccessTokens } from './jwt.ts';

interface AuthenticatorDeps {
  tokens: AccessTokens;
  accounts: AccountsService;
  apiKeys: ApiKeysService;
  /** Credentials found valid in the last few seconds; forgotten on this instance as soon as one is revoked or its user changes. */
  cache: CredentialCache;
}

/** Turns a bearer credential (access token or API key) into the actor, or throws 401. */
export class Authenticator {
  private readonly deps: AuthenticatorDeps;
  constructor(deps: AuthenticatorDeps) {
    this.deps = deps;
  }

  // The key or login is read with its user (one prepared statement) unless it was found valid in
  // the last few seconds; a logout, a revoked key, a disabled user or a changed role or tier makes
  // every instance forget it, so each takes effect at once. Failures are never remembered.
  async authenticate(credential: string): Promise<Actor> {
    if (credential.startsWith(API_KEY_PREFIX)) return this.withApiKey(credential);
    const claims = await this.deps.tokens.verify(credential);
    const key = loginCacheKey(claims.loginId);
    let found = this.deps.cache.get(key);
    if (found?.userId !== claims.userId) {
      const stamp = this.deps.cache.stamp();
      const login = await this.deps.accounts.findLogin(claims.userId, claims.loginId);
      if (!login) throw errors.unauthorized();
      if (login.revoked) throw errors.unauthorized('Session has ended; please log in again');
      const { user } = login;
      if (!user.active) throw errors.unauthorized();
      found = { userId: user.id, role: user.role, tier: user.tier };
      this.deps.cache.put(key, found, stamp);
    }
    return { userId: found.userId, role: found.role, tier: found.tier, loginId: claims.loginId, expiresAt: claims.expiresAt };
  }

  private async withApiKey(credential: string): Promise<Actor> {
    const hash = apiKeyHash(credential);
    const key = apiKeyCacheKey(hash);
    let found: CachedCredential | undefined = this.deps.cache.get(key);
    if (!found) {
      const stamp = this.deps.cache.stamp();
      const row = await this.deps.apiKeys.findByHash(hash);
      if (!row || row.apiKey.revokedAt) throw errors.unauthorized('Invalid API key');
      found = { userId: row.user.id, role: row.user.role, tier: row.user.tier, apiKeyId: row.apiKey.id, keyExpiresAt: row.apiKey.expiresAt?.getTime() };
      if (isExpired(found)) throw errors.unauthorized('API key has expired');
      if (!row.user.active) throw errors.unauthorized();
      this.deps.cache.put(key, found, stamp);
    } else if (isExpired(found)) {
      throw errors.unauthorized('API key has expired');
    }
    return { userId: found.userId, role: found.role, tier: found.tier, apiKeyId: found.apiKeyId, expiresAt: found.keyExpiresAt };
  }
}

// Checked on every use, remembered or not: a key stops working the moment it expires.
const isExpired = (credential: CachedCredential) => credential.keyExpiresAt !== undefined && credential.keyExpiresAt <= Date.now();
