import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser } from '../../support/factories.ts';
import { client } from '../../support/http.ts';
import { killMainProcess, type MainProcess, startMainProcess } from '../../support/main-process.ts';
import { type MockOpenAI, startMockOpenAI } from '../../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { postSse } from '../../support/sse-reader.ts';
import { eventually, storedMessages } from './helpers.ts';

describe('crash recovery', () => {
  let mock: MockOpenAI;
  let data: TestServer;
  const children: MainProcess[] = [];
  before(async () => {
    mock = await startMockOpenAI();
    // Started and stopped once, only to provide the data (folder or database) the processes share.
    data = await startTestServer();
    await data.stop();
  });
  after(async () => {
    for (const child of children) await killMainProcess(child, 'SIGKILL');
    await data.close();
    await mock.close();
  });

  it('shows a reply cut by a killed process as incomplete after a restart on the same data', async () => {
    const env = {
      ...data.env,
      LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: mock.url,
      // Short, so that on a shared PostgreSQL (where only stale replies are cut) the test is quick.
      STALE_TURN_SECONDS: '1',
    };
    const first = await startMainProcess(env);
    children.push(first);
    const api = client(first.url);
    const user = await registerUser(api);
    const sessionId = await createConversation(api, user.token, { title: 'Crash', model: 'gpt-4o' });
    mock.enqueue({ tokens: Array.from({ length: 50 }, (_, i) => ` t${i}`), delayMs: 100 });
    const res = await postSse(`${first.url}/v1/chat/stream`, { session_id: sessionId, messages: [{ role: 'user', content: 'Long' }] }, { token: user.token });
    for await (const event of res.events()) {
      assert.equal(event.data, ' t0');
      break;
    }
    assert.equal((await storedMessages(api, user.token, sessionId))[1].status, 'streaming');
    await killMainProcess(first, 'SIGKILL');
    res.abort();

    const second = await startMainProcess(env);
    children.push(second);
    const again = client(second.url);
    const stored = await eventually(
      'the interrupted reply',
      () => storedMessages(again, user.token, sessionId),
      (messages) => messages[1]?.status !== 'streaming',
    );
    assert.deepEqual(
      stored.map((m) => [m.role, m.status]),
      [
        ['user', 'complete'],
        ['assistant', 'incomplete'],
      ],
    );
    assert.equal(stored[0].content, 'Long');
    // Killed right after the first token: the heartbeat may have saved the start of the reply.
    const scripted = Array.from({ length: 50 }, (_, i) => ` t${i}`).join('');
    assert.ok(scripted.startsWith(stored[1].content), stored[1].content);
    assert.equal(stored[1].metadata.stop_reason, 'interrupted');
    // The session is usable again at once.
    const next = await again.post(
      '/v1/chat/stream',
      { session_id: sessionId, stream: false, messages: [{ role: 'user', content: 'Again' }] },
      { token: user.token },
    );
    assert.equal(next.status, 200, next.text);
    await killMainProcess(second, 'SIGTERM');
    assert.equal(second.process.exitCode, 0, second.output());
  });
});
