import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSession, needsRefresh, REFRESH_MARGIN_MS, type StoredSession, saveSession } from '../../web/src/lib/tokens.ts';
import { memoryStore } from './support/fakes.ts';

const SESSION: StoredSession = { accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: 1_700_000_000_000 };

describe('stored tokens', () => {
  it('keeps a session across loads and forgets it on sign-out', () => {
    const store = memoryStore();
    assert.equal(loadSession(store), undefined);
    saveSession(store, SESSION);
    assert.deepEqual(loadSession(store), SESSION);
    saveSession(store, undefined);
    assert.equal(loadSession(store), undefined);
    assert.equal(store.map.size, 0);
  });

  it('ignores a stored value that is not a whole session', () => {
    const store = memoryStore();
    saveSession(store, SESSION);
    const [key] = store.map.keys();
    for (const bad of ['not json', 'null', '42', '{}', JSON.stringify({ ...SESSION, expiresAt: 'soon' }), JSON.stringify({ accessToken: 'a', refreshToken: 'r' })]) {
      store.map.set(key, bad);
      assert.equal(loadSession(store), undefined, bad);
    }
  });

  it('refreshes the access token a margin before it expires', () => {
    assert.equal(REFRESH_MARGIN_MS, 30_000);
    assert.equal(needsRefresh(SESSION, SESSION.expiresAt - REFRESH_MARGIN_MS - 1), false);
    assert.equal(needsRefresh(SESSION, SESSION.expiresAt - REFRESH_MARGIN_MS), true);
    assert.equal(needsRefresh(SESSION, SESSION.expiresAt + 1), true);
  });
});
