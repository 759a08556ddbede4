import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../support/factories.ts';
import { client, type Client } from '../support/http.ts';
import { chunks, weatherTool } from '../support/openai-chunks.ts';
import { sleep, startScriptedUpstream } from '../support/scripted-upstream.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** A reply written as given: the status, the content type, then each piece (pauses between pieces keep them apart). */
interface RawReply {
  status?: number;
  contentType?: string;
  pieces: (string | Buffer)[];
  /** Cut the connection after the pieces instead of ending the reply. */
  cut?: boolean;
  /** Accept the request and never answer. */
  hang?: boolean;
}

const completion = (message: object, finish: string | null, extra: object = {}) =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', refusal: null, ...message }, logprobs: null, finish_reason: finish }],
    usage: { prompt_tokens: 13, completion_tokens: 7, total_tokens: 20 },
    ...extra,
  });

type Upstream = Awaited<ReturnType<typeof startScriptedUpstream<RawReply>>>;

const sse = (...payloads: object[]) => payloads.map((p) => `data: ${JSON.stringify(p)}\n\n`);
const delta = (d: object, finish: string | null = null) => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: d, finish_reason: finish }] });

describe('OpenAI-compatible provider: whole replies and raw streams', () => {
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  let upstream: Upstream;
  const startUpstream = () => startScriptedUpstream<RawReply>({
    defaultReply: { contentType: 'application/json', pieces: [completion({ content: 'Default reply.' }, 'stop')] },
    answer: async (res, record, reply) => {
      if (reply.hang) return;
      res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json' });
      for (const [i, piece] of reply.pieces.entries()) {
        if (i > 0) await sleep(15);
        res.write(piece);
      }
      if (reply.cut) {
        await sleep(30);
        res.socket?.destroy();
        return;
      }
      record.finished = true;
      res.end();
    },
  });
  const ask = (body: object) =>
    api.post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...body }, { token: user.token });
  const lastSent = () => upstream.requests.at(-1)!;

  before(async () => {
    upstream = await startUpstream();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'whole-key', OPENAI_BASE_URL: `${upstream.origin}/v1`, PROVIDER_TIMEOUT_MS: '1000', TURN_TIMEOUT_MS: '3000' } });
    api = client(server.url);
    user = await registerUser(api);
  });
  after(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('asks the upstream for one JSON body when the client did not ask for a stream, and answers from it', async () => {
    upstream.enqueue({ pieces: [completion({ content: 'Tides follow the moon.' }, 'length')] });
    const res = await ask({ max_tokens: 50 });
    assert.equal(res.status, 200, res.text);
    const sent = lastSent();
    assert.equal(sent.path, '/v1/chat/completions');
    assert.equal(sent.body.stream, false);
    assert.equal('stream_options' in sent.body, false, 'stream_options is only allowed on a stream');
    assert.equal(sent.body.max_tokens, 50);
    assert.equal(sent.headers.authorization, 'Bearer whole-key');
    assert.equal(res.body.choices[0].message.content, 'Tides follow the moon.');
    assert.equal(res.body.choices[0].finish_reason, 'length');
    assert.deepEqual(res.body.usage, { prompt_tokens: 13, completion_tokens: 7, total_tokens: 20 }, 'the upstream’s own usage');
    const usage = await api.get('/api/v1/tokens/usage', { token: user.token });
    const row = usage.body.by_model.find((m: { model: string }) => m.model === 'gpt-4o');
    assert.equal(row.total_tokens, 20);
  });

  it('still streams from the upstream for a streamed client and for a stored turn', async () => {
    upstream.enqueue({ contentType: 'text/event-stream', pieces: [...sse(delta({ content: 'Str' }), delta({ content: 'eamed' }), delta({}, 'stop')), 'data: [DONE]\n\n'] });
    const streamed = await ask({ stream: true });
    assert.equal(streamed.status, 200, streamed.text);
    assert.equal(lastSent().body.stream, true);
    assert.deepEqual(lastSent().body.stream_options, { include_usage: true });
    assert.equal(
      chunks(streamed.text)
        .map((c) => c.choices[0]?.delta?.content ?? '')
        .join(''),
      'Streamed',
    );

    // The stored turn, then its conversation's title: both streamed from the upstream.
    const title = { contentType: 'text/event-stream', pieces: [...sse(delta({ content: 'A title' }), delta({}, 'stop')), 'data: [DONE]\n\n'] };
    upstream.enqueue({ contentType: 'text/event-stream', pieces: [...sse(delta({ content: 'Kept' }), delta({}, 'stop')), 'data: [DONE]\n\n'] }, title);
    const before = upstream.requests.length;
    const stored = await ask({ store: true });
    assert.equal(stored.status, 200, stored.text);
    assert.equal(stored.body.choices[0].message.content, 'Kept');
    for (let i = 0; i < 100 && !upstream.requests.slice(before).some((r) => r.body?.max_tokens === 24 && r.finished); i++) await sleep(20);
    const calls = upstream.requests.slice(before);
    assert.equal(calls.length, 2, 'the turn and its title');
    assert.deepEqual(
      calls.map((r) => r.body.stream),
      [true, true],
    );
  });

  it('turns a whole reply’s tool calls and log probabilities into the same answer as a stream', async () => {
    const calls = [
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ];
    upstream.enqueue({ pieces: [completion({ content: null, tool_calls: calls }, 'tool_calls')] });
    const tools = await ask({ tools: [weatherTool] });
    assert.equal(tools.status, 200, tools.text);
    assert.equal(tools.body.choices[0].finish_reason, 'tool_calls');
    assert.equal(tools.body.choices[0].message.content, null);
    assert.deepEqual(tools.body.choices[0].message.tool_calls, calls);

    const logprobs = [
      { token: 'Hi', logprob: -0.25, bytes: [72, 105], top_logprobs: [] },
      { token: '!', logprob: -1.5, bytes: [33], top_logprobs: [] },
    ];
    const body = JSON.parse(completion({ content: 'Hi!' }, 'stop'));
    body.choices[0].logprobs = { content: logprobs };
    upstream.enqueue({ pieces: [JSON.stringify(body)] });
    const res = await ask({ logprobs: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(lastSent().body.logprobs, true);
    assert.deepEqual(res.body.choices[0].logprobs.content, logprobs);
  });

  it('reads a stream from an upstream that streams although asked for one body', async () => {
    upstream.enqueue({ contentType: 'text/event-stream', pieces: [...sse(delta({ content: 'Streamed ' }), delta({ content: 'anyway' }), delta({}, 'stop')), 'data: [DONE]\n\n'] });
    const res = await ask({});
    assert.equal(res.status, 200, res.text);
    assert.equal(lastSent().body.stream, false);
    assert.equal(res.body.choices[0].message.content, 'Streamed anyway');
  });

  it('names a whole reply that is not a chat completion, and an error object in it', async () => {
    upstream.enqueue({ pieces: ['{"choices": [ not json'] });
    const malformed = await ask({});
    assert.equal(malformed.status, 502, malformed.text);
    assert.equal(malformed.body.error.message, 'The openai provider sent a malformed reply (not a whole chat completion)');

    upstream.enqueue({ pieces: [completion({ content: 'no end' }, null)] });
    const unfinished = await ask({});
    assert.equal(unfinished.status, 502, unfinished.text);
    assert.equal(unfinished.body.error.message, 'The openai provider sent a malformed reply (not a whole chat completion)');

    upstream.enqueue({ pieces: [JSON.stringify({ error: { message: 'engine overloaded', type: 'server_error' } })] });
    const failed = await ask({});
    assert.equal(failed.status, 502, failed.text);
    assert.equal(failed.body.error.message, 'The openai provider failed mid-reply: engine overloaded');
  });

  it('describes a whole reply cut off, a silent upstream and an error status as it does for streams', async () => {
    const body = completion({ content: 'A reply that never arrives whole' }, 'stop');
    upstream.enqueue({ pieces: [body.slice(0, 40)], cut: true });
    const cut = await ask({});
    assert.equal(cut.status, 502, cut.text);
    assert.equal(cut.body.error.message, 'The openai provider closed the stream before the reply ended');

    upstream.enqueue({ hang: true, pieces: [] });
    const silent = await ask({});
    assert.equal(silent.status, 502, silent.text);
    // A whole reply arrives only when the model is done: its wait is the turn's bound, not the idle one.
    assert.equal(silent.body.error.message, 'The openai provider did not respond within 3000 ms');

    upstream.enqueue({ status: 400, pieces: [JSON.stringify({ error: { message: 'Unknown parameter: whole-key', type: 'invalid_request_error' } })] });
    const rejected = await ask({});
    assert.equal(rejected.status, 502, rejected.text);
    assert.equal(rejected.body.error.message, 'The openai provider refused the request (400): Unknown parameter: [key]');
  });

  it('aborts the upstream request when the client of a whole reply goes away', async () => {
    upstream.enqueue({ hang: true, pieces: [] });
    const before = upstream.requests.length;
    const controller = new AbortController();
    const pending = fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'long' }] }),
      signal: controller.signal,
    }).catch(() => undefined);
    for (let i = 0; i < 100 && upstream.requests.length === before; i++) await sleep(20);
    const sent = upstream.requests[before];
    assert.equal(sent.body.stream, false);
    const abortedAt = Date.now();
    controller.abort();
    await pending;
    while (!sent.aborted && Date.now() - abortedAt < 2000) await sleep(20);
    assert.equal(sent.aborted, true, 'the upstream request was cut by the client going away, well before the idle timeout (3 s)');
  });

  it('parses raw streams: \\r\\n line ends, comments, multi-line data, a character split between packets', async () => {
    const text = Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"caf\u00e9 "},"finish_reason":null}]}\r\n\r\n');
    const split = text.indexOf(0xc3) + 1;
    upstream.enqueue({
      contentType: 'text/event-stream',
      pieces: [
        ': keep-alive\r\n\r\n',
        text.subarray(0, split),
        text.subarray(split),
        'data: {"choices":[{"index":0,\ndata: "delta":{"content":"ol\u00e9"},"finish_reason":null}]}\n\n',
        'event: message\r',
        '\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r\n\r\n',
        'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\ndata: [DONE]\n\n',
      ],
    });
    const res = await ask({ stream: true, stream_options: { include_usage: true } });
    assert.equal(res.status, 200, res.text);
    const got = chunks(res.text);
    assert.equal(got.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'café olé');
    assert.deepEqual(got.at(-1).usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('ends a stream with the provider’s error when an error object arrives inside it, keeping what came before', async () => {
    upstream.enqueue({
      contentType: 'text/event-stream',
      pieces: [...sse(delta({ content: 'Half' }), { error: { message: 'rate limit reached for whole-key', type: 'rate_limit_exceeded' } })],
    });
    const res = await ask({ stream: true });
    assert.equal(res.status, 200, res.text);
    const got = chunks(res.text);
    assert.equal(got.map((c) => c.choices?.[0]?.delta?.content ?? '').join(''), 'Half');
    assert.equal(got.at(-1).error.message, 'The openai provider is rate limiting requests: rate limit reached for [key]');
  });
});
