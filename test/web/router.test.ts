import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APP_PATHS, CONVERSATION_ID } from '../../src/http/web-app/app-paths.ts';
import { matchRoute, type Route } from '../../web/src/lib/router.ts';

const ID = '0b8e1f7e-1111-4222-8333-944455556666';

describe('matchRoute', () => {
  it('names the screen of each app path', () => {
    const cases: Array<[string, Route]> = [
      ['/', { name: 'chat' }],
      [`/c/${ID}`, { name: 'chat', conversationId: ID }],
      ['/login', { name: 'login' }],
      ['/register', { name: 'register' }],
      ['/usage', { name: 'usage' }],
      ['/settings', { name: 'settings' }],
      ['/prompts', { name: 'prompts' }],
      ['/admin', { name: 'admin' }],
    ];
    for (const [path, route] of cases) assert.deepEqual(matchRoute(path), route, path);
  });

  it('ignores a query and trailing slashes, and reads a conversation id in any case', () => {
    assert.deepEqual(matchRoute('/usage?range=7d'), { name: 'usage' });
    assert.deepEqual(matchRoute('/login/'), { name: 'login' });
    assert.deepEqual(matchRoute('//'), { name: 'chat' });
    assert.deepEqual(matchRoute(`/c/${ID.toUpperCase()}?message=x`), { name: 'chat', conversationId: ID });
  });

  it('answers not-found for any other path', () => {
    for (const path of ['/c/', '/c/123', `/c/${ID}x`, `/c/${ID}/more`, '/login/more', '/Login', '/api/v1/models', '/s/abc', '/index.html', '/assets/app.js']) {
      assert.deepEqual(matchRoute(path), { name: 'not-found' }, path);
    }
  });

  it('routes exactly the paths the server answers with the app', () => {
    for (const path of APP_PATHS) assert.notEqual(matchRoute(path).name, 'not-found', path);
    const screens = new Set(APP_PATHS.map((path) => matchRoute(path).name));
    for (const name of ['chat', 'login', 'register', 'usage', 'settings', 'prompts', 'admin'] as const) assert.ok(screens.has(name), name);
    for (const id of [ID, ID.toUpperCase(), 'not-an-id', `${ID}0`]) {
      assert.equal(CONVERSATION_ID.test(id), matchRoute(`/c/${id}`).name === 'chat', id);
    }
  });
});
