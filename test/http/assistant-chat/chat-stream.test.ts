import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../../support/mock-openai.ts';
import { makePdf } from '../../support/pdf.ts';
import { eventually, openStream } from '../../support/stream-reader.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { uploadFile } from '../../support/uploads.ts';

const MINI = { input: 0.15, output: 0.6 };
const TOKENS = ['Stream', 'ing', ' works', ' fine', '.'];

describe('seed 001 chat stream', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  let api: Client;
  let owner: TestUser;
  let publicAssistant: string;
  let privateAssistant: string;

  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: mock.url, RATE_LIMIT_FREE_RPM: '100000' } });
    api = client(server.url);
    await registerUser(api); // the admin
    owner = await registerUser(api);
    publicAssistant = await createAssistant({ user_authentication: false });
    privateAssistant = await createAssistant({ user_authentication: true });
  });
  after(async () => {
    await mock.close();
    await server.close();
  });

  async function createAssistant(body: Record<string, unknown>): Promise<string> {
    const res = await api.post('/api/v1/assistants', { name: 'Bot', model: 'gpt-4o-mini', ...body }, { token: owner.token });
    assert.equal(res.status, 201, res.text);
    return res.body.id;
  }

  const chat = (body: Record<string, unknown>, opts: { token?: string; accept?: string } = {}) =>
    openStream(`${server.url}/api/v1/chat/stream`, {
      body,
      token: opts.token,
      headers: opts.accept ? { accept: opts.accept } : {},
    });
  const upstreamFor = (content: string) => eventually(() => mock.requests.find((r) => r.body?.messages?.at(-1)?.content === content));

  it('streams NDJSON by default: start, tokens, end; the stored reply is the tokens joined', async () => {
    mock.setDefault({ tokens: TOKENS });
    const stream = await chat({ assistant_id: publicAssistant, message: 'Hello there' });
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get('content-type'), 'application/x-ndjson');
    const sessionId = stream.headers.get('x-session-id');
    assert.match(sessionId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a server-made UUID');

    const events = await stream.allJson();
    const [start, ...rest] = events;
    const end = rest.pop();
    assert.equal(start.type, 'start');
    assert.equal(start.session_id, sessionId);
    assert.match(start.message_id, /^[0-9a-f-]{36}$/);
    assert.ok(rest.every((e) => e.type === 'token'));
    assert.deepEqual(
      rest.map((e) => e.content),
      TOKENS,
    );
    assert.deepEqual(end, {
      type: 'end',
      message_id: start.message_id,
      usage: { prompt_tokens: 21, completion_tokens: 4, total_tokens: 25 },
      cost_usd: (21 * MINI.input + 4 * MINI.output) / 1_000_000,
    });

    const history = await api.get(`/api/v1/chat/${sessionId}/history`);
    assert.equal(history.status, 200);
    assert.deepEqual(
      history.body.messages.map((m: { id: string; text: string; sender: string }) => [m.sender, m.text]),
      [
        ['user', 'Hello there'],
        ['bot', TOKENS.join('')],
      ],
    );
    assert.equal(history.body.messages[1].id, start.message_id);
  });

  it('streams SSE when the client accepts text/event-stream, with the same JSON events', async () => {
    mock.setDefault({ tokens: TOKENS });
    const stream = await chat({ assistant_id: publicAssistant, message: 'SSE please' }, { accept: 'application/json, text/event-stream' });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = await stream.allEvents();
    assert.ok(events.every((e) => e.event === 'message'), 'unnamed events: the type is in the data');
    assert.deepEqual(
      events.map((e) => Number(e.id)),
      events.map((_, i) => i + 1),
    );
    const payloads = events.map((e) => JSON.parse(e.data));
    assert.equal(payloads[0].type, 'start');
    assert.equal(payloads[0].session_id, stream.headers.get('x-session-id'));
    assert.equal(
      payloads
        .filter((p) => p.type === 'token')
        .map((p) => p.content)
        .join(''),
      TOKENS.join(''),
    );
    assert.equal(payloads.at(-1).type, 'end');
  });

  it('forwards tokens before a slow upstream has finished', async () => {
    mock.setDefault({ tokens: ['first', ' second', ' third', ' fourth'], delayMs: 250, firstDelayMs: 0 });
    const message = `slow ${randomUUID()}`;
    const stream = await chat({ assistant_id: publicAssistant, message });
    assert.equal((await stream.nextJson()).type, 'start');
    const firstToken = await stream.nextJson();
    assert.deepEqual(firstToken, { type: 'token', content: 'first' });
    const upstream = await upstreamFor(message);
    assert.equal(upstream.finished, false, 'the first token arrived while the upstream was still writing');
    const rest = await stream.allJson();
    assert.equal(rest.at(-1).type, 'end');
    assert.equal(upstream.finished, true);
  });

  it('copies the assistant’s model, prompt, temperature and max_tokens into the session, and the language', async () => {
    const tuned = await createAssistant({ system_prompt: 'You sell blenders.', temperature: 0.25, max_tokens: 77 });
    mock.setDefault({ tokens: ['Oui'] });
    const message = `tuned ${randomUUID()}`;
    const stream = await chat({ assistant_id: tuned, message, language: 'French' }, { token: owner.token });
    const events = await stream.allJson();
    assert.equal(events.at(-1).type, 'end');
    const sent = (await upstreamFor(message)).body;
    assert.equal(sent.model, 'gpt-4o-mini');
    assert.equal(sent.temperature, 0.25);
    assert.equal(sent.max_tokens, 77);
    assert.equal(sent.messages[0].role, 'system');
    assert.match(sent.messages[0].content, /You sell blenders\./);
    assert.match(sent.messages[0].content, /French/);

    const sessionId = stream.headers.get('x-session-id');
    const conversation = await api.get(`/api/v1/conversations/${sessionId}`, { token: owner.token });
    assert.equal(conversation.status, 200, 'a signed-in user’s session is one of their conversations');
    assert.equal(conversation.body.model, 'gpt-4o-mini');
    assert.equal(conversation.body.system_prompt, 'You sell blenders.');

    // Changing the assistant later does not change the session already started.
    await api.patch(`/api/v1/assistants/${tuned}`, { system_prompt: 'Changed.' }, { token: owner.token });
    const next = `again ${randomUUID()}`;
    await (await chat({ assistant_id: tuned, session_id: sessionId, message: next, language: 'German' }, { token: owner.token })).allJson();
    const nextSent = (await upstreamFor(next)).body;
    assert.match(nextSent.messages[0].content, /You sell blenders\./);
    assert.match(nextSent.messages[0].content, /German/, 'a new language replaces the session’s');
  });

  it('sends an error event when the upstream fails before any token, keeping the conversation consistent', async () => {
    mock.setDefault({ status: 500 });
    const message = `fail ${randomUUID()}`;
    const stream = await chat({ assistant_id: privateAssistant, message }, { token: owner.token });
    assert.equal(stream.status, 200);
    const events = await stream.allJson();
    assert.deepEqual(
      events.map((e) => e.type),
      ['start', 'error'],
    );
    assert.match(events[1].detail, /500/);
    const sessionId = stream.headers.get('x-session-id');
    const stored = await api.get(`/api/v1/conversations/${sessionId}/messages`, { token: owner.token });
    assert.deepEqual(
      stored.body.map((m: { role: string; status: string }) => [m.role, m.status]),
      [
        ['user', 'complete'],
        ['assistant', 'error'],
      ],
    );
    assert.equal(stored.body[0].content, message);
    assert.equal(stored.body[1].id, events[0].message_id);
    const history = await api.get(`/api/v1/chat/${sessionId}/history`, { token: owner.token });
    assert.match(history.body.messages[1].error, /500/, 'the metadata fields are part of a history entry');
  });

  it('ends with an error event when the upstream drops mid-stream, keeping the partial reply as `error`', async () => {
    mock.setDefault({ tokens: ['Half', ' way', ' there'], dropAfter: 2 });
    const stream = await chat({ assistant_id: privateAssistant, message: `drop ${randomUUID()}` }, { token: owner.token });
    assert.equal(stream.status, 200);
    const events = await stream.allJson();
    assert.deepEqual(
      events.map((e) => e.type),
      ['start', 'token', 'token', 'error'],
    );
    assert.deepEqual(Object.keys(events[3]).sort(), ['detail', 'type']);
    assert.ok(events[3].detail.length > 0);
    const sessionId = stream.headers.get('x-session-id');
    const stored = await api.get(`/api/v1/conversations/${sessionId}/messages`, { token: owner.token });
    assert.deepEqual(
      stored.body.map((m: { role: string; content: string; status: string }) => [m.role, m.status]),
      [
        ['user', 'complete'],
        ['assistant', 'error'],
      ],
    );
    assert.equal(stored.body[1].content, 'Half way');
    assert.equal(stored.body[1].id, events[0].message_id);
  });

  it('runs the turn to its end and stores it when the client disconnects mid-stream', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 60, firstDelayMs: 0 });
    const stream = await chat({ assistant_id: privateAssistant, message: `leaving ${randomUUID()}` }, { token: owner.token });
    const sessionId = stream.headers.get('x-session-id');
    await stream.nextJson();
    await stream.nextJson();
    stream.abort();
    const stored = await eventually(async () => {
      const res = await api.get(`/api/v1/conversations/${sessionId}/messages`, { token: owner.token });
      return res.body[1]?.status === 'complete' ? res.body : undefined;
    });
    assert.equal(stored[1].content, TOKENS.join(''));
  });

  it('stops a reply in flight when its session is reset, and leaves the session empty', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 150, firstDelayMs: 0 });
    const message = `reset me ${randomUUID()}`;
    const stream = await chat({ assistant_id: publicAssistant, message });
    const sessionId = stream.headers.get('x-session-id');
    assert.equal((await stream.nextJson()).type, 'start');
    assert.equal((await stream.nextJson()).type, 'token');
    const reset = await api.delete(`/api/v1/chat/${sessionId}`);
    assert.equal(reset.status, 200);
    const rest = await stream.allJson();
    assert.equal(rest.at(-1).type, 'end', 'the stopped reply still ends its stream');
    assert.ok(rest.filter((e) => e.type === 'token').length < TOKENS.length - 1);
    await eventually(async () => (await upstreamFor(message)).aborted);
    assert.deepEqual((await api.get(`/api/v1/chat/${sessionId}/history`)).body, { messages: [] });
  });

  it('refuses a second turn in the same session while one is streaming (409)', async () => {
    mock.setDefault({ tokens: TOKENS, delayMs: 80, firstDelayMs: 0 });
    const first = await chat({ assistant_id: publicAssistant, message: 'first' });
    const sessionId = first.headers.get('x-session-id');
    await first.nextJson();
    const second = await api.post('/api/v1/chat/stream', { assistant_id: publicAssistant, session_id: sessionId, message: 'second' });
    assert.equal(second.status, 409);
    assert.equal(typeof second.body.detail, 'string');
    await first.allJson();
  });

  it('sends a sources event when the assistant’s knowledge files are used', async () => {
    const expert = await createAssistant({ user_authentication: false });
    const pdf = makePdf(['The Zephyr blender comes with a warranty period of 24 months for the motor.']);
    const upload = await uploadFile(api, `/api/v1/assistants/${expert}/files`, owner.token, pdf, { filename: 'zephyr.pdf' });
    assert.equal(upload.status, 201, upload.text);
    mock.setDefault({ tokens: ['24 months.'] });
    const stream = await chat({ assistant_id: expert, message: 'What is the warranty period of the Zephyr blender?' });
    const events = await stream.allJson();
    const sources = events.find((e) => e.type === 'sources');
    assert.ok(sources, `a sources event in ${JSON.stringify(events.map((e) => e.type))}`);
    assert.equal(sources.sources[0].filename, 'zephyr.pdf');
    assert.equal(sources.sources[0].page, 1);
    assert.ok(events.findIndex((e) => e.type === 'sources') < events.findIndex((e) => e.type === 'token'));
    const history = await api.get(`/api/v1/chat/${stream.headers.get('x-session-id')}/history`);
    assert.equal(history.body.messages[1].sources[0].filename, 'zephyr.pdf');
  });
});
