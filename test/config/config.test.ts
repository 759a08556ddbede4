import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '../../src/config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = parseConfig({});
    assert.equal(config.server.port, 7001);
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.dataDir, './data');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.auth.allowRegistration, true);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.retention.deleteRetentionDays, 30);
    assert.equal(config.webApp.enabled, true);
    assert.equal(config.webApp.distDir, path.join(root, 'web', 'dist'));
  });

  it('turns the web app off and points it at another build', () => {
    const config = parseConfig({ WEB_APP: 'false', WEB_DIST_DIR: 'build/web' });
    assert.equal(config.webApp.enabled, false);
    assert.equal(config.webApp.distDir, path.resolve('build/web'));
  });

  it('names the variable of a bad value', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'seven' }, /^PORT: /],
      [{ PORT: '70000' }, /^PORT: /],
      [{ ALLOW_REGISTRATION: 'perhaps' }, /^ALLOW_REGISTRATION: /],
      [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: /],
      [{ DATABASE_URL: 'postgres://localhost/x' }, /^JWT_SECRET: required/],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
      [{ OPENAI_BASE_URL: 'not a url' }, /^OPENAI_BASE_URL: /],
      [{ WEB_APP: 'perhaps' }, /^WEB_APP: /],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => parseConfig(env), (err: Error) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env));
    }
  });

  it('stops start-up with one line naming the variable', () => {
    const result = spawnSync(process.execPath, ['src/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: 'seven', DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /PORT/);
  });
});
