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

  async authenticate(credential: string): Promise<Actor> {
    let userId: string;
    let apiKeyId: string | undefined;
    if (credential.startsWith(API_KEY_PREFIX)) {
      const key = await this.deps.apiKeys.findActive(credential);
      if (!key) throw errors.unauthorized('Invalid API key');
      userId = key.userId;
      apiKeyId = key.id;
    } else {
      userId = await this.deps.tokens.verify(credential);
    }
    // The account is read on every request so that a disabled user or a changed tier takes effect at once.
    const user = await this.deps.accounts.findActiveUser(userId);
    if (!user) throw errors.unauthorized();
    return { userId: user.id, role: user.role, tier: user.tier, apiKeyId };
  }
}
