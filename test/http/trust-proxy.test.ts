import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { client } from '../support/http.ts';
import { startTestServer } from '../support/server.ts';

const LIMIT = 3;

/** Spends an anonymous visitor's requests from one forwarded address; the status of the one after. */
async function overLimitStatus(url: string, forwardedFor: string): Promise<number> {
  const api = client(url);
  const path = `/api/v1/chat/${randomUUID()}/history`;
  for (let i = 0; i < LIMIT; i++) await api.get(path, { headers: { 'x-forwarded-for': forwardedFor } });
  return (await api.get(path, { headers: { 'x-forwarded-for': forwardedFor } })).status;
}

describe('anonymous visitors behind a reverse proxy', () => {
  it('are counted by their forwarded address when TRUST_PROXY is on', async () => {
    const server = await startTestServer({ env: { TRUST_PROXY: 'true', RATE_LIMIT_API_RPM: String(LIMIT) } });
    try {
      assert.equal(await overLimitStatus(server.url, '203.0.113.7'), 429);
      // Another visitor through the same proxy has a counter of its own.
      const api = client(server.url);
      const other = await api.get(`/api/v1/chat/${randomUUID()}/history`, { headers: { 'x-forwarded-for': '203.0.113.8' } });
      assert.notEqual(other.status, 429);
      assert.equal(other.headers.get('x-ratelimit-remaining'), String(LIMIT - 1));
    } finally {
      await server.close();
    }
  });

  it('share the proxy’s address when TRUST_PROXY is off, so a client cannot pick its own counter', async () => {
    const server = await startTestServer({ env: { RATE_LIMIT_API_RPM: String(LIMIT) } });
    try {
      assert.equal(await overLimitStatus(server.url, '203.0.113.7'), 429);
      const api = client(server.url);
      const spoofed = await api.get(`/api/v1/chat/${randomUUID()}/history`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      assert.equal(spoofed.status, 429);
    } finally {
      await server.close();
    }
  });
});
