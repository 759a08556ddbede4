import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { type Client, client } from '../support/http.ts';
import { killMainProcess, type MainProcess, startMainProcess } from '../support/main-process.ts';
import { type MockOpenAI, startMockOpenAI } from '../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openStream } from '../support/stream-reader.ts';
import { openSocket } from '../support/ws.ts';

// Replies cut by `kill -9` keep the text the heartbeat saved (at least once a second), and a
// restarted instance shows none of its replies `streaming` once it is ready.

const TOKEN_MS = 50;
/** Long enough never to end during a test: 100 s of tokens. */
const TOKENS = Array.from({ length: 2000 }, (_, i) => ` t${i}`);
/**
 * What a crash may lose: one save period (1 s), plus the time a beat takes and timers firing
 * late on a busy machine; 1.5 s of tokens.
 */
const MAX_LOST_TOKENS = Math.ceil(1500 / TOKEN_MS);

const countTokens = (text: string) => text.match(/ t\d+/g)?.length ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A reply streaming to a client: what the client has seen of it so far. */
interface Stream {
  surface: string;
  sessionId: string;
  seen(): string;
  /** Resolves when the connection is gone (the server was killed). */
  done: Promise<unknown>;
}

/** Seed 002: `POST /v1/chat/stream`, one `data:` event per token. */
async function seed002(url: string, user: TestUser, sessionId: string): Promise<Stream> {
  const res = await openStream(`${url}/v1/chat/stream`, {
    token: user.token,
    headers: { accept: 'text/event-stream' },
    body: { session_id: sessionId, messages: [{ role: 'user', content: 'Seed 002, go on' }] },
  });
  assert.equal(res.status, 200);
  let seen = '';
  const done = (async () => {
    for (let e = await res.nextEvent(); e !== undefined && e.data !== '[DONE]'; e = await res.nextEvent()) seen += e.data;
  })().catch(() => {});
  return { surface: 'seed 002', sessionId, seen: () => seen, done };
}

/** Seed 001: `POST /api/v1/chat/stream` to an assistant, NDJSON. */
async function seed001(url: string, user: TestUser, assistantId: string): Promise<Stream> {
  const res = await openStream(`${url}/api/v1/chat/stream`, {
    token: user.token,
    body: { assistant_id: assistantId, message: 'Seed 001, go on' },
  });
  assert.equal(res.status, 200);
  const start = await res.nextJson();
  assert.equal(start.type, 'start');
  let seen = '';
  const done = (async () => {
    for (let o = await res.nextJson(); o !== undefined; o = await res.nextJson()) if (o.type === 'token') seen += o.content;
  })().catch(() => {});
  return { surface: 'seed 001', sessionId: start.session_id, seen: () => seen, done };
}

/** Seed 003: a `message` frame on `/ws/{session_id}`, answered with `token` frames. */
async function seed003(url: string, user: TestUser, sessionId: string): Promise<Stream> {
  const socket = await openSocket(url, sessionId, { token: user.token });
  socket.send({ type: 'message', content: 'Seed 003, go on' });
  const seen = () =>
    socket.frames
      .filter((f) => f.type === 'token')
      .map((f) => f.content)
      .join('');
  return { surface: 'seed 003', sessionId, seen, done: socket.closed };
}

/** OpenAI: `POST /v1/chat/completions` appending to a session (`X-Session-Id`), streamed chunks. */
async function openai(url: string, user: TestUser, sessionId: string): Promise<Stream> {
  const res = await openStream(`${url}/v1/chat/completions`, {
    token: user.token,
    headers: { 'x-session-id': sessionId },
    body: { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'OpenAI, go on' }] },
  });
  assert.equal(res.status, 200);
  let seen = '';
  const done = (async () => {
    for (let e = await res.nextEvent(); e !== undefined && e.data !== '[DONE]'; e = await res.nextEvent()) {
      seen += JSON.parse(e.data).choices?.[0]?.delta?.content ?? '';
    }
  })().catch(() => {});
  return { surface: 'OpenAI', sessionId, seen: () => seen, done };
}

/** The session's assistant reply, through seed 000 (which shows each message's status). */
async function storedReply(api: Client, token: string, sessionId: string) {
  const res = await api.get(`/api/v1/conversations/${sessionId}/messages`, { token });
  assert.equal(res.status, 200, res.text);
  const replies = res.body.filter((m: any) => m.role === 'assistant');
  assert.equal(replies.length, 1, JSON.stringify(res.body));
  return replies[0];
}

/**
 * Waits until at least 1.5 s has passed and every client has seen 1.5 s of tokens: each reply
 * has then streamed across at least one save.
 */
async function whileStreaming(streams: Stream[], startedAt: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (streams.some((s) => countTokens(s.seen()) < 1500 / TOKEN_MS) || Date.now() - startedAt < 1500) {
    if (Date.now() > deadline) assert.fail(`the streams did not progress: ${streams.map((s) => `${s.surface}: ${s.seen().length}`).join(', ')}`);
    await sleep(25);
  }
}

/** The saved text is a non-empty prefix of what the client saw, short of it by at most ~1 s of tokens. */
function assertSavedPrefix(surface: string, saved: string, seen: string): void {
  assert.equal(seen, TOKENS.slice(0, countTokens(seen)).join(''), `${surface}: the client saw the scripted tokens in order`);
  assert.ok(saved.length > 0, `${surface}: some of the reply was saved (the client saw ${countTokens(seen)} tokens)`);
  assert.ok(seen.startsWith(saved), `${surface}: ${JSON.stringify(saved)} is a prefix of what the client saw`);
  const lost = countTokens(seen) - countTokens(saved);
  assert.ok(lost <= MAX_LOST_TOKENS, `${surface}: ${lost} tokens lost (saved ${countTokens(saved)} of ${countTokens(seen)})`);
}

describe('crash recovery: a killed process restarted on the same data', () => {
  let mock: MockOpenAI;
  let data: TestServer;
  const children: MainProcess[] = [];
  before(async () => {
    mock = await startMockOpenAI();
    mock.setDefault({ tokens: TOKENS, delayMs: TOKEN_MS, usage: null });
    // Started and stopped once, only to provide the data (folder or database) the processes share.
    data = await startTestServer();
    await data.stop();
  });
  after(async () => {
    for (const child of children) await killMainProcess(child, 'SIGKILL');
    await mock.close();
    await data.close();
  });

  it('shows every cut reply incomplete once ready, with the text saved up to about a second before the crash', async () => {
    // The same env for both processes: same data, and on PostgreSQL the same INSTANCE_ID.
    const env = { ...data.env, LOG_LEVEL: 'warn', OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url, DEFAULT_MODEL: 'gpt-4o' };
    const first = await startMainProcess(env);
    children.push(first);
    const api = client(first.url);
    const user = await registerUser(api);
    const titled = () => createConversation(api, user.token, { title: 'Crash', model: 'gpt-4o' });
    const assistant = await api.post('/api/v1/assistants', { name: 'Crash', model: 'gpt-4o', user_authentication: true }, { token: user.token });
    assert.equal(assistant.status, 201, assistant.text);

    const startedAt = Date.now();
    const streams = await Promise.all([
      seed002(first.url, user, await titled()),
      seed001(first.url, user, assistant.body.id),
      seed003(first.url, user, await titled()),
      openai(first.url, user, await titled()),
    ]);
    await whileStreaming(streams, startedAt);
    const midway = await storedReply(api, user.token, streams[0].sessionId);
    assert.equal(midway.status, 'streaming');
    await killMainProcess(first, 'SIGKILL');
    // Everything the clients received before their connections dropped.
    await Promise.all(streams.map((s) => s.done));

    const second = await startMainProcess(env);
    children.push(second);
    // Ready: no waiting for a background job from here on.
    const again = client(second.url);
    const replies = await Promise.all(streams.map((s) => storedReply(again, user.token, s.sessionId)));
    assert.deepEqual(
      replies.map((r) => r.status),
      streams.map(() => 'incomplete'),
      'no reply is left streaming',
    );
    for (const [i, reply] of replies.entries()) {
      assert.equal(reply.metadata.stop_reason, 'interrupted');
      assertSavedPrefix(streams[i].surface, reply.content, streams[i].seen());
    }
    await killMainProcess(second, 'SIGTERM');
    assert.equal(second.process.exitCode, 0, second.output());
  });
});

describe('crash recovery: another instance on the same PostgreSQL', { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL' }, () => {
  let mock: MockOpenAI;
  let data: TestServer;
  let db: pg.Client;
  const children: MainProcess[] = [];
  before(async () => {
    mock = await startMockOpenAI();
    mock.setDefault({ tokens: TOKENS, delayMs: TOKEN_MS, usage: null });
    data = await startTestServer();
    await data.stop();
    db = new pg.Client({ connectionString: data.databaseUrl });
    await db.connect();
  });
  after(async () => {
    for (const child of children) await killMainProcess(child, 'SIGKILL');
    await db.end();
    await mock.close();
    await data.close();
  });

  const env = () => ({
    ...data.env,
    LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'test',
    OPENAI_BASE_URL: mock.url,
    DEFAULT_MODEL: 'gpt-4o',
    STALE_TURN_SECONDS: '2',
  });

  /** The first instance, streaming a reply for 1.5 s at least; with a reader of its stored row. */
  async function firstInstanceStreaming() {
    const first = await startMainProcess({ ...env(), INSTANCE_ID: 'crash-first' });
    children.push(first);
    const api = client(first.url);
    const user = await registerUser(api);
    const sessionId = await createConversation(api, user.token, { title: 'Crash', model: 'gpt-4o' });
    const startedAt = Date.now();
    const stream = await seed002(first.url, user, sessionId);
    await whileStreaming([stream], startedAt);
    const { id } = await storedReply(api, user.token, sessionId);
    const row = async () =>
      (
        await db.query<{ status: string; content: string; instance_id: string; updated_at: Date }>(
          'select status, content, instance_id, updated_at from messages where id = $1',
          [id],
        )
      ).rows[0];
    return { first, stream, row };
  }

  /** Polls until the reply is no longer streaming; checks it was cut only once 2 s silent. */
  async function untilRecovered(row: () => Promise<{ status: string; content: string; updated_at: Date }>, lastBeat: Date) {
    const deadline = Date.now() + 10_000;
    let current = await row();
    while (current.status === 'streaming' && Date.now() < deadline) {
      await sleep(25);
      current = await row();
    }
    assert.equal(current.status, 'incomplete');
    // The dead instance's final beat is the one last seen before the kill, or a later one.
    const silentFor = current.updated_at.getTime() - lastBeat.getTime();
    assert.ok(silentFor >= 2000, `recovered ${silentFor} ms after the dead instance's last beat`);
    return current;
  }

  it('a second instance leaves a live instance’s reply alone, and recovers it once that one has been silent STALE_TURN_SECONDS', async () => {
    const { first, stream, row } = await firstInstanceStreaming();
    // Started while the first streams: its start-up recovery runs with the reply alive.
    const second = await startMainProcess({ ...env(), INSTANCE_ID: 'crash-second' });
    children.push(second);
    assert.equal((await row()).status, 'streaming', 'the start-up of another instance left a live reply alone');
    const beforeKill = await row();
    assert.deepEqual([beforeKill.status, beforeKill.instance_id], ['streaming', 'crash-first']);
    await killMainProcess(first, 'SIGKILL');
    assert.equal((await row()).status, 'streaming', 'a reply silent for less than STALE_TURN_SECONDS is left streaming');
    await stream.done;
    const recovered = await untilRecovered(row, beforeKill.updated_at);
    assertSavedPrefix('seed 002', recovered.content, stream.seen());
    await killMainProcess(second, 'SIGTERM');
    assert.equal(second.process.exitCode, 0, second.output());
  });

  it('a restart under another INSTANCE_ID recovers the dead reply only once STALE_TURN_SECONDS old', async () => {
    const { first, stream, row } = await firstInstanceStreaming();
    const beforeKill = await row();
    assert.deepEqual([beforeKill.status, beforeKill.instance_id], ['streaming', 'crash-first']);
    await killMainProcess(first, 'SIGKILL');
    await stream.done;
    // A reply is cut only once its last beat is 2 s old: by the new process's start-up if it
    // took that long to start, else by its periodic recovery afterwards.
    const second = await startMainProcess({ ...env(), INSTANCE_ID: 'crash-second' });
    children.push(second);
    const recovered = await untilRecovered(row, beforeKill.updated_at);
    assertSavedPrefix('seed 002', recovered.content, stream.seen());
    await killMainProcess(second, 'SIGTERM');
    assert.equal(second.process.exitCode, 0, second.output());
  });
});
