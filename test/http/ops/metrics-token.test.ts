import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

describe('GET /metrics with METRICS_TOKEN', () => {
  let server: TestServer;
  let api: Client;
  before(async () => {
    server = await startTestServer({ env: { METRICS_TOKEN: TOKEN } });
    api = client(server.url);
  });
  after(() => server.close());

  it('refuses a request without the token, or with another one, as 401 {detail}', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
      const res = await api.get('/metrics', { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(typeof res.body.detail, 'string');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      assert.ok(!res.text.includes('parley_'), 'no metrics leak');
    }
  });

  it('answers the metrics with the token', async () => {
    const res = await api.get('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.text, /parley_http_requests_total/);
  });

  it('leaves health and readiness open', async () => {
    assert.equal((await api.get('/healthz')).status, 200);
    assert.equal((await api.get('/readyz')).status, 200);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('stays open', async () => {
    const res = await client(server.url).get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.text, /parley_process_uptime_seconds/);
  });
});
