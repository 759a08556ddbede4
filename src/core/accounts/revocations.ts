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
 * Where the core announces a revocation once it is committed, so that connections already
 * authenticated with the credential (open websockets, on any instance) are closed. The event
 * bus implements it.
 */
export interface RevocationPublisher {
  publishRevocation(revocation: Revocation): void;
}
