/**
 * What stops working at once: one login (a refresh-token family and its access tokens), every
 * credential of a user (the account was disabled), or one API key.
 */
export type RevocationKind = 'login' | 'user' | 'api_key';

export interface Revocation {
  kind: RevocationKind;
  id: string;
}

/**
 * Where the core announces, once it is committed, a revocation (so that connections already
 * authenticated with the credential, open websockets on any instance, are closed) or any other
 * change to what a user's credentials carry (role, tier, limits), so that every instance forgets
 * the credentials it remembers for them. The event bus implements it.
 *
 * Each resolves once the announcement has been handed to the other instances, or has failed
 * (it never rejects: the change is committed either way, and the instances' credential caches
 * expire within seconds).
 */
export interface RevocationPublisher {
  publishRevocation(revocation: Revocation): Promise<void>;
  publishAccountChange(userId: string): Promise<void>;
}
