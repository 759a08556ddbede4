import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from '../../support/fixture.ts';
import { chunks, weatherTool } from '../../support/openai-chunks.ts';

describe('OpenAI Chat Completions, whole', () => {
  const fx = useTestServer({ upstream: 'openai' });
  const post = (body: object, headers: Record<string, string> = {}) => fx.api.post('/v1/chat/completions', body, { token: fx.user.token, headers });
  const lastBody = () => fx.mock.requests.at(-1)!.body;

  it('passes every generation parameter through to the upstream', async () => {
    const res = await post({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      stop: ['END', 'STOP'],
      seed: 42,
      top_p: 0.5,
      presence_penalty: 0.25,
      frequency_penalty: -0.5,
      logit_bias: { '50256': -100 },
      user: 'end-user-7',
      max_completion_tokens: 77,
      temperature: 0.3,
    });
    assert.equal(res.status, 200, res.text);
    const sent = lastBody();
    assert.deepEqual(sent.tools, [weatherTool]);
    assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.equal(sent.parallel_tool_calls, false);
    assert.deepEqual(sent.response_format, { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } });
    assert.deepEqual(sent.stop, ['END', 'STOP']);
    assert.equal(sent.seed, 42);
    assert.equal(sent.top_p, 0.5);
    assert.equal(sent.presence_penalty, 0.25);
    assert.equal(sent.frequency_penalty, -0.5);
    assert.deepEqual(sent.logit_bias, { '50256': -100 });
    assert.equal(sent.user, 'end-user-7');
    assert.equal(sent.max_tokens, 77);
    assert.equal(sent.temperature, 0.3);
  });

  it('sends nothing the request did not ask for', async () => {
    const res = await post({ model: 'gpt-4o', messages: [{ role: 'user', content: 'plain' }] });
    assert.equal(res.status, 200, res.text);
    const sent = lastBody();
    for (const key of ['tools', 'tool_choice', 'response_format', 'stop', 'seed', 'top_p', 'logprobs', 'user', 'temperature']) {
      assert.equal(key in sent, false, `${key} is not sent`);
    }
  });

  it('relays log probabilities, whole and streamed', async () => {
    fx.mock.enqueue({ tokens: ['Hi', ' there'] }, { tokens: ['Yo'] });
    const res = await post({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 2 });
    assert.equal(res.status, 200, res.text);
    assert.equal(lastBody().logprobs, true);
    assert.equal(lastBody().top_logprobs, 2);
    assert.deepEqual(
      res.body.choices[0].logprobs.content.map((l: any) => [l.token, l.logprob]),
      [
        ['Hi', -0.5],
        [' there', -1.5],
      ],
    );
    const streamed = await post({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], logprobs: true, stream: true });
    const withLogprobs = chunks(streamed.text).filter((c) => c.choices[0]?.logprobs);
    assert.equal(withLogprobs.length, 1);
    assert.equal(withLogprobs[0].choices[0].logprobs.content[0].token, 'Yo');
  });

  it('round-trips a tool call, not streamed: the call, the result, the answer', async () => {
    fx.mock.enqueue({ tokens: [], toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: ['{"city":', '"Paris"}'] }] });
    const messages: any[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await post({ model: 'gpt-4o', messages, tools: [weatherTool] });
    assert.equal(first.status, 200, first.text);
    const choice = first.body.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.deepEqual(choice.message.tool_calls, [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);

    fx.mock.enqueue({ tokens: ['Sunny', ' in Paris'] });
    messages.push(choice.message, { role: 'tool', tool_call_id: 'call_1', content: '{"sky":"clear"}' });
    const second = await post({ model: 'gpt-4o', messages, tools: [weatherTool] });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.choices[0].message.content, 'Sunny in Paris');
    assert.equal(second.body.choices[0].finish_reason, 'stop');
    const sent = lastBody().messages;
    assert.deepEqual(sent[1], {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    });
    assert.deepEqual(sent[2], { role: 'tool', tool_call_id: 'call_1', content: '{"sky":"clear"}' });
  });

  it('streams tool calls as OpenAI does, in deltas with index, id, name and argument pieces', async () => {
    fx.mock.enqueue({
      tokens: [],
      toolCalls: [
        { id: 'call_a', name: 'get_weather', arguments: ['{"ci', 'ty":"Oslo"}'] },
        { id: 'call_b', name: 'get_weather', arguments: ['{"city":"Rome"}'] },
      ],
    });
    const res = await post({ model: 'gpt-4o', messages: [{ role: 'user', content: 'two cities' }], tools: [weatherTool], stream: true });
    assert.equal(res.status, 200, res.text);
    const pieces = chunks(res.text).flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    assert.deepEqual(pieces[0], { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } });
    const args = (i: number) =>
      pieces
        .filter((p) => p.index === i)
        .map((p) => p.function.arguments)
        .join('');
    assert.equal(args(0), '{"city":"Oslo"}');
    assert.equal(args(1), '{"city":"Rome"}');
    assert.equal(pieces.filter((p) => p.id).length, 2);
    const finishes = chunks(res.text)
      .map((c) => c.choices[0]?.finish_reason)
      .filter(Boolean);
    assert.deepEqual(finishes, ['tool_calls']);
  });

  it('keeps tool calls and results in a stored conversation, so the loop continues across requests', async () => {
    fx.mock.enqueue({ tokens: [], toolCalls: [{ id: 'call_s', name: 'get_weather', arguments: ['{"city":"Lima"}'] }] });
    const messages: any[] = [{ role: 'user', content: 'Weather in Lima?' }];
    const first = await post({ model: 'gpt-4o', messages, tools: [weatherTool], store: true, stream: true });
    assert.equal(first.status, 200, first.text);
    const sessionId = first.headers.get('x-session-id')!;
    assert.ok(sessionId);
    const pieces = chunks(first.text).flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    assert.equal(pieces[0].id, 'call_s');
    assert.equal(pieces.map((p) => p.function.arguments).join(''), '{"city":"Lima"}');

    // The new conversation's title is asked of the same upstream: let it take its reply first.
    await waitFor(() => fx.mock.requests.some((r) => r.body?.max_tokens === 24 && r.finished));
    fx.mock.enqueue({ tokens: ['Foggy'] });
    messages.push(
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_s', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } }] },
      { role: 'tool', tool_call_id: 'call_s', content: 'fog' },
    );
    const second = await post({ model: 'gpt-4o', messages, tools: [weatherTool] }, { 'x-session-id': sessionId });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.choices[0].message.content, 'Foggy');
    const sent = lastBody().messages;
    assert.deepEqual(
      sent.map((m: any) => m.role),
      ['user', 'assistant', 'tool'],
      'the resent assistant call is not stored twice',
    );
    assert.equal(sent[1].tool_calls[0].id, 'call_s');
    assert.equal(sent[2].tool_call_id, 'call_s');

    const stored = await fx.api.get(`/api/v1/conversations/${sessionId}/messages`, { token: fx.user.token });
    assert.equal(stored.status, 200, stored.text);
    const rows = stored.body.items ?? stored.body;
    const withCall = rows.find((m: any) => m.metadata?.tool_calls);
    assert.deepEqual(withCall.metadata.tool_calls, [{ id: 'call_s', name: 'get_weather', arguments: '{"city":"Lima"}' }]);
    assert.equal(withCall.metadata.finish_reason, 'tool_calls');
    const result = rows.find((m: any) => m.metadata?.tool_call_id === 'call_s');
    assert.equal(result.content, 'fog');
    assert.equal(result.role, 'user');
  });

  it('reports a length finish', async () => {
    fx.mock.enqueue({ tokens: ['cut'], finishReason: 'length' }, { tokens: ['cut'], finishReason: 'length' });
    const res = await post({ model: 'gpt-4o', messages: [{ role: 'user', content: 'long' }], max_tokens: 1 });
    assert.equal(res.body.choices[0].finish_reason, 'length');
    const streamed = await post({ model: 'gpt-4o', messages: [{ role: 'user', content: 'long' }], max_tokens: 1, stream: true });
    assert.ok(chunks(streamed.text).some((c) => c.choices[0]?.finish_reason === 'length'));
  });

  it('passes image parts, by URL and by data URL, to the upstream', async () => {
    const dataUrl = 'data:image/png;base64,iVBORw0KGgo=';
    const res = await post({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.test/cat.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: dataUrl } },
          ],
        },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(lastBody().messages[0].content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'https://example.test/cat.png', detail: 'low' } },
      { type: 'image_url', image_url: { url: dataUrl } },
    ]);
  });

  it('refuses what the echo model cannot honour, naming the parameter, and n > 1 everywhere', async () => {
    for (const [extra, param] of [
      [{ tools: [weatherTool] }, 'tools'],
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [{ logprobs: true }, 'logprobs'],
    ] as const) {
      const res = await post({ model: 'echo', messages: [{ role: 'user', content: 'x' }], ...extra });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.param, param);
      assert.equal(res.body.error.type, 'invalid_request_error');
    }
    const ok = await post({ model: 'echo', messages: [{ role: 'user', content: 'one two STOP three' }], stop: 'STOP', seed: 1, top_p: 0.9 });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.choices[0].message.content, 'Echo: one two');
    const n = await post({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], n: 2 });
    assert.equal(n.status, 400, n.text);
    assert.equal(n.body.error.param, 'n');
    const before = fx.mock.requests.length;
    const image = await post({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x' } }] }] });
    assert.equal(image.status, 400, image.text);
    assert.match(image.body.error.param, /^messages\.0\.content/);
    assert.equal(fx.mock.requests.length, before, 'a refused request never reaches the upstream');
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
