import assert from 'node:assert/strict';
import { createConversation } from '../../support/factories.ts';
import type { Client } from '../../support/http.ts';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

/** A server whose OpenAI-compatible models are served by a fresh mock; rate limits out of the way. */
export async function startChatServer(env: Record<string, string> = {}): Promise<{ server: TestServer; mock: MockOpenAI }> {
  const mock = await startMockOpenAI();
  const server = await startTestServer({
    env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url, RATE_LIMIT_FREE_RPM: '100000', ...env },
  });
  return { server, mock };
}

/**
 * A session that already has a title, so its turns never ask the mock for one: the replies a
 * test scripts are then certain to go to the turn they are meant for.
 */
export function titledSession(api: Client, token: string, model = 'gpt-4o'): Promise<string> {
  return createConversation(api, token, { title: 'Scripted', model });
}

/** Stored messages of a session, through seed 000 (which shows each message's status). */
export async function storedMessages(api: Client, token: string, sessionId: string): Promise<any[]> {
  const res = await api.get(`/api/v1/conversations/${sessionId}/messages`, { token });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** Polls until `check` passes (or the deadline does): for work a turn finishes in the background. */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until a new session got its title: its title request has then been answered by the mock. */
export async function untilTitled(api: Client, token: string, sessionId: string): Promise<void> {
  await eventually(
    'session title',
    async () => (await api.get(`/api/v1/conversations/${sessionId}`, { token })).body.title,
    (title) => typeof title === 'string' && title.length > 0,
  );
}
