import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../../../src/db/client.ts';
import { messages, usageEvents } from '../../../src/db/schema.ts';
import { createConversation, registerUser } from '../../support/factories.ts';
import { client } from '../../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { eventually } from '../../support/stream-reader.ts';

const TOKENS = Array.from({ length: 12 }, (_, i) => ` word${i}`);

describe('turn time limit (TURN_TIMEOUT_MS)', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url, TURN_TIMEOUT_MS: '700' } });
  });
  after(async () => {
    await mock.close();
    await server.close();
  });

  it('stops a turn that runs past the limit: the upstream is aborted, the partial reply saved as incomplete', async () => {
    const api = client(server.url);
    const user = await registerUser(api);
    const id = await createConversation(api, user.token, { title: 'Long', model: 'gpt-4o-mini' });
    // Twelve tokens 200 ms apart: the upstream needs 2.4 s, far past the 0.7 s limit.
    mock.setDefault({ tokens: TOKENS, delayMs: 200, firstDelayMs: 0 });
    const content = `long answer ${randomUUID()}`;
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    const reply = res.body.assistant_message;
    assert.equal(reply.status, 'incomplete');
    assert.equal(reply.metadata.stop_reason, 'timeout');
    assert.ok(reply.content.length < TOKENS.join('').length, 'the reply was cut short');
    assert.ok(TOKENS.join('').startsWith(reply.content), 'what was generated before the limit is kept');
    const upstream = mock.requests.find((r) => r.body?.messages?.at(-1)?.content === content);
    await eventually(() => upstream?.aborted);

    const stored = await api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(stored.body[1].status, 'incomplete');
    assert.equal(stored.body[1].content, reply.content);
    const usage = await api.get('/api/v1/tokens/usage', { token: user.token });
    assert.equal(usage.body.requests, 1, 'usage is recorded for a turn cut by the limit');
  });
});

describe('what a finished turn stores', () => {
  it('writes content, usage, cost and time to first token on the reply, with its usage event', async () => {
    const mock = await startMockOpenAI();
    const server = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url } });
    try {
      const api = client(server.url);
      const user = await registerUser(api);
      const id = await createConversation(api, user.token, { title: 'Measured', model: 'gpt-4o-mini' });
      // The first token comes 150 ms after the request: the time to first token cannot be less.
      mock.enqueue({ tokens: ['Quick', ' reply'], firstDelayMs: 150, delayMs: 0, usage: { prompt_tokens: 9, completion_tokens: 3 } });
      const res = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'Measure me' }, { token: user.token });
      assert.equal(res.status, 200, res.text);
      const replyId: string = res.body.assistant_message.id;
      await server.stop();

      const database = await openDatabase({ databaseUrl: server.databaseUrl, dataDir: server.dataDir });
      try {
        const [row] = await database.db.select().from(messages).where(eq(messages.id, replyId));
        assert.equal(row.status, 'complete');
        assert.equal(row.content, 'Quick reply');
        assert.equal(row.promptTokens, 9);
        assert.equal(row.completionTokens, 3);
        assert.ok(Math.abs(row.costUsd - (9 * 0.15 + 3 * 0.6) / 1_000_000) < 1e-12, `cost_usd ${row.costUsd}`);
        assert.ok(Number.isInteger(row.ttftMs) && (row.ttftMs ?? 0) >= 150, `ttft_ms ${row.ttftMs}`);
        const events = await database.db.select().from(usageEvents).where(eq(usageEvents.messageId, replyId));
        assert.equal(events.length, 1);
        assert.equal(events[0].kind, 'chat');
        assert.equal(events[0].promptTokens, 9);
        assert.equal(events[0].completionTokens, 3);
        assert.equal(events[0].costUsd, row.costUsd);
        assert.equal(events[0].estimated, false);
      } finally {
        await database.close();
      }
    } finally {
      await server.close();
      await mock.close();
    }
  });
});
