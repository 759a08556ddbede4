import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConversation } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';
import { randomWord } from '../support/random-text.ts';
import { openSocket } from '../support/ws.ts';

// No single request within the body limits may stall the process: the heaviest ones are
// answered (or refused in their surface's shape), and /healthz answers while they run.

const CAP = 100_000;

/** Ten messages of one 100,000-character word each: about a mebibyte, the most the body limit lets through. */
const heaviestMessages = () =>
  Array.from({ length: 10 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: randomWord(CAP, i + 1) }));

function assertOpenAIError(res: { status: number; body: any; text: string }, status: number) {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.equal(res.body.error.type, 'invalid_request_error');
  assert.equal(typeof res.body.error.message, 'string');
}

describe('bounded work per request', () => {
  const fx = useTestServer({ upstream: 'openai' });

  it('refuses a 1 MiB one-word message on /v1/chat/completions in OpenAI’s shape', async () => {
    const word = 'a'.repeat(1_048_000);
    for (const stream of [false, true]) {
      const res = await fx.api.post('/v1/chat/completions', { model: 'echo', stream, messages: [{ role: 'user', content: word }] }, { token: fx.user.token });
      assertOpenAIError(res, 400);
      assert.equal(res.body.error.param, 'messages.0.content');
    }
    const parts = Array.from({ length: 11 }, (_, i) => ({ type: 'text', text: randomWord(CAP / 10, i) }));
    const split = await fx.api.post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: parts }] }, { token: fx.user.token });
    assertOpenAIError(split, 400);
    assert.match(split.body.error.message, /100000/);
  });

  // The timeout only ends a run that would otherwise wait for minutes on a stalled process.
  it('keeps /healthz answering while a mebibyte of one-word messages is estimated and sent upstream', { timeout: 120_000 }, async () => {
    const before = fx.mock.requests.length;
    fx.mock.enqueue({ hang: true });
    const abort = new AbortController();
    let settled = false;
    const completion = fetch(`${fx.server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.user.token}` },
      body: JSON.stringify({ model: 'gpt-4o', messages: heaviestMessages() }),
      signal: abort.signal,
    })
      .catch(() => undefined)
      .finally(() => {
        settled = true;
      });
    // The budget check estimates the whole prompt before the provider is called: once the
    // upstream has the request, that work is done, and the request is still open.
    while (fx.mock.requests.length === before) {
      const health = await fx.api.get('/healthz');
      assert.equal(health.status, 200);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(fx.mock.requests.at(-1)?.body.messages.length, 10);
    const health = await fx.api.get('/healthz');
    assert.equal(health.status, 200);
    assert.equal(settled, false, 'the completion is still waiting for its upstream');
    abort.abort();
    await completion;
  });

  it('answers the heaviest echo completions, streamed and not, with estimated usage', async () => {
    const messages = heaviestMessages();
    const last = messages.at(-2)?.content ?? '';
    const body = { model: 'echo', messages: messages.slice(0, -1) };

    const whole = await fx.api.post('/v1/chat/completions', body, { token: fx.user.token });
    assert.equal(whole.status, 200, whole.text.slice(0, 200));
    assert.equal(whole.body.choices[0].message.content, `Echo: ${last}`);
    const { prompt_tokens, completion_tokens } = whole.body.usage;
    // Random letters are about half a token each; within a factor of four either way.
    assert.ok(prompt_tokens > (9 * CAP) / 8 && prompt_tokens < 9 * CAP * 2, `${prompt_tokens} prompt tokens`);
    assert.ok(completion_tokens > CAP / 8 && completion_tokens < CAP * 2, `${completion_tokens} completion tokens`);

    const res = await fetch(`${fx.server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.user.token}` },
      body: JSON.stringify({ ...body, stream: true }),
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    // The reply is streaming: the process still serves other requests.
    assert.equal((await fx.api.get('/healthz')).status, 200);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    const events = text.split('\n\n').filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]');
    const content = events.map((e) => JSON.parse(e.slice(6)).choices[0]?.delta?.content ?? '').join('');
    assert.equal(content, `Echo: ${last}`);
    assert.ok(events.length > CAP / 64, 'a long word is streamed in many small pieces');
    assert.ok(text.endsWith('data: [DONE]\n\n'));
  });

  it('echoes a message ending in a long run of whitespace', async () => {
    const content = `tail${' '.repeat(CAP - 10)}`;
    const res = await fx.api.post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content }] }, { token: fx.user.token });
    assert.equal(res.status, 200, res.text.slice(0, 200));
    assert.equal(res.body.choices[0].message.content, 'Echo: tail');
  });

  it('counts special-token markers in a message instead of failing', async () => {
    const res = await fx.api.post(
      '/v1/chat/completions',
      { model: 'echo', messages: [{ role: 'user', content: 'say <|endoftext|> twice' }] },
      { token: fx.user.token },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.choices[0].message.content, 'Echo: say <|endoftext|> twice');
    assert.ok(res.body.usage.prompt_tokens > 5);
  });

  it('seed 000: answers a 100,000-character word and refuses one character more (422)', async () => {
    const id = await createConversation(fx.api, fx.user.token, { title: 'Bounded', model: 'echo' });
    const word = randomWord(CAP, 99);
    const sent = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: word }, { token: fx.user.token });
    assert.equal(sent.status, 200, sent.text.slice(0, 200));
    assert.equal(sent.body.assistant_message.content, `Echo: ${word}`);
    assert.equal(sent.body.assistant_message.metadata.usage_estimated, true);
    const refused = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: `${word}x` }, { token: fx.user.token });
    assert.equal(refused.status, 422);
    assert.deepEqual(refused.body.detail[0].loc, ['body', 'content']);
  });

  it('seed 001: refuses a message or a history item over the cap (422)', async () => {
    const assistant = await fx.api.post('/api/v1/assistants', { name: 'Bounded', model: 'echo' }, { token: fx.user.token });
    assert.equal(assistant.status, 201, assistant.text);
    const long = 'y'.repeat(CAP + 1);
    const message = await fx.api.post('/api/v1/chat/stream', { assistant_id: assistant.body.id, message: long }, { token: fx.user.token });
    assert.equal(message.status, 422);
    assert.deepEqual(message.body.detail[0].loc, ['body', 'message']);
    const history = await fx.api.post(
      '/api/v1/chat/stream',
      { assistant_id: assistant.body.id, message: 'hi', history: [{ role: 'user', content: long }] },
      { token: fx.user.token },
    );
    assert.equal(history.status, 422);
    assert.equal(history.body.detail[0].loc[1], 'history');
  });

  it('seed 002: refuses a message over the cap on /v1/chat/stream (400)', async () => {
    const res = await fx.api.post('/v1/chat/stream', { model: 'echo', messages: [{ role: 'user', content: 'z'.repeat(CAP + 1) }] }, { token: fx.user.token });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.detail[0].loc, ['body', 'messages', 0, 'content']);
  });

  it('seed 002: bounds prompt preview variables and the filled-in text (422)', async () => {
    const preview = (body: Record<string, unknown>) => fx.api.post('/api/chat/prompts/preview', { model: 'echo', ...body }, { token: fx.user.token });
    const tooLongValue = await preview({ content: 'About {topic}', variables: { topic: 'v'.repeat(CAP + 1) } });
    assert.equal(tooLongValue.status, 422);
    assert.deepEqual(tooLongValue.body.detail[0].loc.slice(0, 2), ['body', 'variables']);

    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`v${i}`, 'x']));
    const tooMany = await preview({ content: 'About {v0}', variables: many });
    assert.equal(tooMany.status, 422);
    assert.deepEqual(tooMany.body.detail[0].loc.slice(0, 2), ['body', 'variables']);

    // A short template repeating a long value: refused before it is built.
    const amplified = await preview({ content: '{v}'.repeat(6000), variables: { v: 'w'.repeat(CAP) } });
    assert.equal(amplified.status, 422, amplified.text.slice(0, 200));
    assert.match(amplified.body.detail, /longer than 100000 characters/);

    const fits = await preview({ content: '{v}{v}', variables: { v: 'w'.repeat(CAP / 2) } });
    assert.equal(fits.status, 200, fits.text.slice(0, 200));
    assert.equal(fits.body.preview, `Echo: ${'w'.repeat(CAP)}`);
  });

  it('seed 003: refuses content over the cap in the envelope (422), and over the socket with an error frame', async () => {
    const created = await fx.api.post('/api/chat/session', { title: 'Bounded' }, { token: fx.user.token });
    assert.equal(created.status, 200, created.text);
    const sessionId = created.body.data.session_id;
    const refused = await fx.api.post('/api/chat/message', { session_id: sessionId, content: 'q'.repeat(CAP + 1) }, { token: fx.user.token });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, 422);
    assert.deepEqual(refused.body.data[0].loc, ['body', 'content']);

    const socket = await openSocket(fx.server.url, sessionId, { token: fx.user.token });
    try {
      socket.send({ type: 'message', content: 'q'.repeat(CAP + 1) });
      const error = await socket.waitFor((f) => f.type === 'error');
      assert.equal(error.code, 422);
      // The socket stays open and serves the largest allowed word.
      const word = randomWord(CAP, 5);
      socket.send({ type: 'message', content: word, model: 'echo' });
      const done = await socket.waitFor((f) => f.type === 'done', { timeoutMs: 60_000 });
      assert.equal(done.data.content, `Echo: ${word}`);
    } finally {
      await socket.close();
    }
  });
});
