import type { Role, Tier } from '../db/schema.ts';

/** Who is calling: every service use case takes it explicitly and authorizes against it first. */
export interface Actor {
  userId: string;
  role: Role;
  tier: Tier;
  /** Set when the request authenticated with an API key. */
  apiKeyId?: string;
  /** Set when the request authenticated with an access token: the login (refresh-token family) it belongs to. */
  loginId?: string;
  /** When the credential stops working (milliseconds since the epoch); absent for a key without expiry. */
  expiresAt?: number;
}

export const isAdmin = (actor: Actor) => actor.role === 'admin';
