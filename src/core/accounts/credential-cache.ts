import type { Role, Tier } from '../../db/schema.ts';
import type { Revocation } from './revocations.ts';

/** How long an authenticated credential is trusted without reading the database again. */
export const CREDENTIAL_TTL_MS = 5_000;
/** At most this many credentials are remembered; the oldest go first. */
export const CREDENTIAL_CACHE_SIZE = 10_000;

/**
 * What an authentication found valid, enough to build the actor again: never the secret itself.
 * For an API key, its id and its own expiry (checked on every use); for a login, nothing more
 * (its access token is verified, and its expiry read, on every request).
 */
export interface CachedCredential {
  userId: string;
  role: Role;
  tier: Tier;
  apiKeyId?: string;
  /** The API key's expiry, milliseconds since the epoch; absent for a key without one and for logins. */
  keyExpiresAt?: number;
}

interface Entry extends CachedCredential {
  cachedUntil: number;
}

/**
 * Credentials authenticated in the last few seconds, so that a request does not read its key or
 * login from the database each time. Keyed by what cannot authenticate anyone (an API key's
 * hash, a login's id). Only valid credentials are kept: unknown keys never take room.
 *
 * Anything that ends or changes a credential (a revoked key or login, a disabled account, a new
 * role or tier) is announced on the event bus after it is committed; each instance forgets what
 * it concerns at once (`revoke`, `forgetUser`). The TTL bounds what an instance that missed an
 * announcement (no shared bus, Redis unreachable) can still accept.
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxSize: number;
  private readonly now: () => number;
  // Bumped by every forgetting: a lookup that started before one must not store what it read,
  // as it may have read the database before the change was committed.
  private generation = 0;

  constructor(opts: { ttlMs?: number; maxSize?: number; now?: () => number } = {}) {
    this.ttlMs = opts.ttlMs ?? CREDENTIAL_TTL_MS;
    this.maxSize = opts.maxSize ?? CREDENTIAL_CACHE_SIZE;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Taken before reading the database; handed back to `put` with what was read. */
  stamp(): number {
    return this.generation;
  }

  get(key: string): CachedCredential | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.cachedUntil <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Remembers a valid credential, unless something was forgotten since `stamp` was taken. */
  put(key: string, credential: CachedCredential, stamp: number): void {
    if (stamp !== this.generation) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxSize) {
      // Insertion order: the first key is the oldest entry, the nearest to expiring anyway.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { ...credential, cachedUntil: this.now() + this.ttlMs });
  }

  /** Forgets what a revocation ends: one login, one API key, or every credential of a user. */
  revoke(revocation: Revocation): void {
    switch (revocation.kind) {
      case 'login':
        this.forget((key) => key === loginCacheKey(revocation.id));
        break;
      case 'api_key':
        this.forget((_key, entry) => entry.apiKeyId === revocation.id);
        break;
      case 'user':
        this.forgetUser(revocation.id);
        break;
    }
  }

  /** Forgets every credential of a user, whose role, tier or limits changed. */
  forgetUser(userId: string): void {
    this.forget((_key, entry) => entry.userId === userId);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  // A scan: announcements are rare next to requests, and the map is bounded.
  private forget(matches: (key: string, entry: Entry) => boolean): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (matches(key, entry)) this.entries.delete(key);
  }
}

export const apiKeyCacheKey = (keyHash: string) => `key:${keyHash}`;
export const loginCacheKey = (loginId: string) => `login:${loginId}`;
