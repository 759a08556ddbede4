import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiKeyCacheKey, type CachedCredential, CredentialCache, loginCacheKey } from '../../src/core/accounts/credential-cache.ts';

// The cache's own bounds, which no request can show: how long, how many, and what a lookup
// racing a change may not store. Every path through HTTP is in credential-cache.test.ts.
const alice: CachedCredential = { userId: 'u-alice', role: 'user', tier: 'free', apiKeyId: 'k-alice' };
const bob: CachedCredential = { userId: 'u-bob', role: 'user', tier: 'pro' };

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('the credential cache', () => {
  it('forgets a credential once its time is up', () => {
    const time = clock();
    const cache = new CredentialCache({ ttlMs: 5_000, now: time.now });
    cache.put(apiKeyCacheKey('h1'), alice, cache.stamp());
    time.advance(4_999);
    assert.deepEqual(cache.get(apiKeyCacheKey('h1'))?.userId, 'u-alice');
    time.advance(1);
    assert.equal(cache.get(apiKeyCacheKey('h1')), undefined);
    assert.equal(cache.size, 0);
  });

  it('holds at most its size, dropping the oldest', () => {
    const cache = new CredentialCache({ maxSize: 3 });
    for (const hash of ['h1', 'h2', 'h3', 'h4']) cache.put(apiKeyCacheKey(hash), alice, cache.stamp());
    assert.equal(cache.size, 3);
    assert.equal(cache.get(apiKeyCacheKey('h1')), undefined);
    assert.ok(cache.get(apiKeyCacheKey('h4')));
  });

  it('does not store what a lookup read before something was forgotten', () => {
    const cache = new CredentialCache();
    const stamp = cache.stamp();
    // The lookup reads the database; meanwhile another user's login is revoked.
    cache.revoke({ kind: 'login', id: 'another' });
    cache.put(apiKeyCacheKey('h1'), alice, stamp);
    assert.equal(cache.get(apiKeyCacheKey('h1')), undefined);
    cache.put(apiKeyCacheKey('h1'), alice, cache.stamp());
    assert.ok(cache.get(apiKeyCacheKey('h1')));
  });

  it('forgets one key, one login, or everything of one user', () => {
    const cache = new CredentialCache();
    const fill = () => {
      cache.put(apiKeyCacheKey('alice-key'), alice, cache.stamp());
      cache.put(loginCacheKey('alice-login'), { ...alice, apiKeyId: undefined }, cache.stamp());
      cache.put(loginCacheKey('bob-login'), bob, cache.stamp());
    };
    fill();
    cache.revoke({ kind: 'api_key', id: 'k-alice' });
    assert.deepEqual([cache.get(apiKeyCacheKey('alice-key')), !!cache.get(loginCacheKey('alice-login'))], [undefined, true]);
    cache.revoke({ kind: 'login', id: 'alice-login' });
    assert.equal(cache.get(loginCacheKey('alice-login')), undefined);
    assert.ok(cache.get(loginCacheKey('bob-login')));
    fill();
    cache.revoke({ kind: 'user', id: 'u-alice' });
    assert.equal(cache.size, 1);
    fill();
    cache.forgetUser('u-bob');
    assert.equal(cache.get(loginCacheKey('bob-login')), undefined);
    assert.equal(cache.size, 2);
  });
});
