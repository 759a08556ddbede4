import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

describe('operations endpoints', () => {
  let server: TestServer;
  let api: Client;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
  });
  after(() => server.close());

  it('answers health and readiness', async () => {
    assert.deepEqual((await api.get('/healthz')).body, { status: 'ok' });
    const ready = await api.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: process.env.REDIS_URL ? { database: 'ok', redis: 'ok' } : { database: 'ok' } });
  });

  it('documents every route in /openapi.json, with schemas', async () => {
    const res = await api.get('/openapi.json');
    assert.equal(res.status, 200);
    const paths = res.body.paths;
    for (const route of [
      '/api/v1/auth/register',
      '/api/v1/auth/login',
      '/api/v1/auth/refresh',
      '/api/v1/auth/logout',
      '/api/v1/auth/me',
      '/api/v1/auth/api-keys',
      '/api/v1/auth/api-keys/{id}',
      '/api/v1/conversations/',
      '/api/v1/conversations/{id}',
      '/api/v1/conversations/{id}/archive',
      '/api/v1/conversations/{id}/unarchive',
      '/api/v1/conversations/{id}/messages',
      '/api/v1/tokens/usage',
      '/api/v1/models',
    ]) {
      assert.ok(paths[route], `${route} is documented`);
    }
    const send = paths['/api/v1/conversations/{id}/messages'].post;
    assert.ok(send.requestBody.content['application/json'].schema.properties.content);
    assert.ok(send.responses['200']);
    // Every operation of the API surfaces has a response schema.
    for (const [path, ops] of Object.entries<any>(paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} has responses`);
      }
    }
  });

  it('serves interactive docs', async () => {
    const res = await api.get('/docs/');
    assert.equal(res.status, 200);
    assert.match(res.text, /swagger/i);
  });

  it('exposes Prometheus metrics', async () => {
    await api.get('/healthz');
    const res = await api.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.text, /^parley_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]\d*$/m);
  });

  it('answers unknown routes with a 404 detail', async () => {
    const res = await api.get('/api/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { detail: 'Not Found' });
  });
});
