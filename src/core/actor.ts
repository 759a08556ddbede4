import type { Role, Tier } from '../db/schema.ts';

/** Who is calling: every service use case takes it explicitly and authorizes against it first. */
export interface Actor {
  userId: string;
  role: Role;
  tier: Tier;
  /** Set when the request authenticated with an API key. */
  apiKeyId?: string;
}

export const isAdmin = (actor: Actor) => actor.role === 'admin';
