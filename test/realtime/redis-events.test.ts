import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RedisEventBus } from '../../src/realtime/redis-event-bus.ts';
import type { SessionEvent } from '../../src/realtime/event-bus.ts';
import { addMessage, createSession, ok } from '../http/aichat/helpers.ts';
import { registerUser } from '../support/factories.ts';
import { client } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openSocket } from '../support/ws.ts';

const redisUrl = process.env.REDIS_URL;

describe('the Redis event bus', { skip: redisUrl ? false : 'REDIS_URL is not set' }, () => {
  it('delivers an event once to every bus on the channel, the publisher included', async () => {
    const channel = `parley:test:${randomUUID()}`;
    const a = await RedisEventBus.connect(redisUrl!, { channel });
    const b = await RedisEventBus.connect(redisUrl!, { channel });
    const other = await RedisEventBus.connect(redisUrl!, { channel: `${channel}:elsewhere` });
    try {
      const sessionId = randomUUID();
      const seenA: SessionEvent[] = [];
      const seenB: SessionEvent[] = [];
      const seenOther: SessionEvent[] = [];
      a.subscribe(sessionId, (e) => seenA.push(e));
      const arrived = new Promise<void>((resolve) =>
        b.subscribe(sessionId, (e) => {
          seenB.push(e);
          resolve();
        }),
      );
      other.subscribe(sessionId, (e) => seenOther.push(e));
      const seenElsewhere: SessionEvent[] = [];
      b.subscribe(randomUUID(), (e) => seenElsewhere.push(e));

      const createdAt = new Date();
      a.publish({ sessionId, event: 'message.created', data: { id: 'm1', createdAt } });
      // The publisher's own listeners hear it at once, in process.
      assert.equal(seenA.length, 1);
      await arrived;
      assert.deepEqual(seenB, [{ sessionId, event: 'message.created', data: { id: 'm1', createdAt: createdAt.toISOString() } }]);
      // A round trip through Redis later, the publisher still heard it only once.
      const marker = new Promise<void>((resolve) => b.subscribe(sessionId, (e) => e.event === 'session.deleted' && resolve()));
      a.publish({ sessionId, event: 'session.deleted', data: { session_id: sessionId } });
      await marker;
      assert.equal(seenA.length, 2);
      assert.deepEqual(seenOther, []);
      assert.deepEqual(seenElsewhere, []);
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });
});

// Two instances need one database: PostgreSQL (the embedded one belongs to one process).
const shared = redisUrl && process.env.DATABASE_URL;

describe('events across instances', { skip: shared ? false : 'REDIS_URL and DATABASE_URL are not both set' }, () => {
  let first: TestServer;
  let second: TestServer;
  before(async () => {
    first = await startTestServer();
    second = await startTestServer({ reuse: first });
  });
  after(async () => {
    await second.stop();
    await first.close();
  });

  it('a socket on instance A receives changes made through instance B', async () => {
    const apiA = client(first.url);
    const apiB = client(second.url);
    await registerUser(apiA);
    const user = await registerUser(apiA);
    const session = await createSession(apiA, user.token);
    const socket = await openSocket(first.url, session.session_id, { token: user.token });

    const message = await addMessage(apiB, user.token, session.session_id, 'written on B');
    const created = await socket.waitFor((f) => f.type === 'event' && f.event === 'message.created');
    assert.equal(created.data.message_id, message.message_id);
    assert.equal(created.data.content, 'written on B');
    assert.equal(created.data.created_at, message.created_at);

    ok(await apiB.patch(`/api/chat/sessions/${session.session_id}`, { new_title: 'renamed on B' }, { token: user.token }));
    const renamed = await socket.waitFor((f) => f.type === 'event' && f.event === 'session.updated');
    assert.equal(renamed.data.title, 'renamed on B');
    assert.equal(renamed.data.message_count, 1);

    // A turn run on B through its own socket reaches A's socket as stored messages.
    const onB = await openSocket(second.url, session.session_id, { token: user.token, via: 'query' });
    onB.send({ type: 'message', content: 'across instances' });
    const done = await onB.waitFor((f) => f.type === 'done');
    const reply = await socket.waitFor((f) => f.type === 'event' && f.event === 'message.created' && f.data.role === 'assistant');
    assert.deepEqual(reply.data, done.data);

    ok(await apiB.delete(`/api/chat/sessions/${session.session_id}`, { token: user.token }));
    assert.deepEqual((await socket.waitFor((f) => f.type === 'event' && f.event === 'session.deleted')).data, {
      session_id: session.session_id,
    });
    await onB.close();
    await socket.close();
  });
});
