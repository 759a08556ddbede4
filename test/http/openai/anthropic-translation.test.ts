import { useTestServer } from '../../support/fixture.ts';
import { chunks, weatherTool } from '../../support/openai-chunks.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('Chat Completions translated for Anthropic', () => {
  const fx = useTestServer({ upstream: 'anthropic' });
  const post = (body: object) => fx.api.post('/v1/chat/completions', { model: 'claude-haiku-4-5', ...body }, { token: fx.user.token });
  const lastBody = () => fx.mock.requests.at(-1)!.body;

  it('translates tools, tool_choice, stop and fx.user, and a tool_use reply into tool_calls', async () => {
    fx.mock.enqueue({ tokens: ['Let me check.'], toolUses: [{ id: 'toolu_1', name: 'get_weather', input: ['{"city":', '"Paris"}'] }] });
    const res = await post({
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: 'required',
      parallel_tool_calls: false,
      stop: ['END'],
      user: 'u-1',
    });
    assert.equal(res.status, 200, res.text);
    const sent = lastBody();
    assert.equal(sent.system, 'Be brief.');
    assert.deepEqual(sent.tools, [{ name: 'get_weather', description: 'Weather in a city', input_schema: weatherTool.function.parameters }]);
    assert.deepEqual(sent.tool_choice, { type: 'any', disable_parallel_tool_use: true });
    assert.deepEqual(sent.stop_sequences, ['END']);
    assert.deepEqual(sent.metadata, { user_id: 'u-1' });
    const choice = res.body.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Let me check.');
    assert.deepEqual(choice.message.tool_calls, [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  });

  it('sends tool calls and results back as tool_use and tool_result blocks', async () => {
    fx.mock.enqueue({ tokens: ['Sunny.'] });
    const res = await post({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'clear sky' },
      ],
      tools: [weatherTool],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.choices[0].message.content, 'Sunny.');
    assert.deepEqual(lastBody().messages, [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'clear sky' }] },
    ]);
  });

  it('streams tool_use as OpenAI tool call deltas', async () => {
    fx.mock.enqueue({ tokens: [], toolUses: [{ id: 'toolu_9', name: 'get_weather', input: ['{"city"', ':"Oslo"}'] }] });
    const res = await post({ messages: [{ role: 'user', content: 'Oslo?' }], tools: [weatherTool], stream: true });
    const pieces = chunks(res.text).flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    assert.equal(pieces[0].id, 'toolu_9');
    assert.equal(pieces[0].function.name, 'get_weather');
    assert.equal(pieces.map((p) => p.function.arguments).join(''), '{"city":"Oslo"}');
    assert.ok(chunks(res.text).some((c) => c.choices[0]?.finish_reason === 'tool_calls'));
  });

  it('serves a json_schema response_format through a forced tool, answered as text', async () => {
    fx.mock.enqueue({ tokens: [], toolUses: [{ id: 'toolu_f', name: 'answer', input: ['{"n":', '3}'] }] });
    const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    const res = await post({
      messages: [{ role: 'user', content: 'Count' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(lastBody().tool_choice, { type: 'tool', name: 'answer' });
    assert.deepEqual(lastBody().tools[0].input_schema, schema);
    assert.equal(res.body.choices[0].message.content, '{"n":3}');
    assert.equal(res.body.choices[0].finish_reason, 'stop');
    assert.equal(res.body.choices[0].message.tool_calls, undefined);
  });

  it('translates image parts to image blocks: data URLs as base64, http(s) URLs as url sources', async () => {
    const res = await post({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.test/b.jpg' } },
          ],
        },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(lastBody().messages[0].content, [
      { type: 'text', text: 'Compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.test/b.jpg' } },
    ]);
  });

  it('reports max_tokens as a length finish', async () => {
    fx.mock.enqueue({ tokens: ['cut'], stopReason: 'max_tokens' });
    const res = await post({ messages: [{ role: 'user', content: 'long' }], max_tokens: 1 });
    assert.equal(res.body.choices[0].finish_reason, 'length');
  });

  it('refuses, by name, what Anthropic cannot honour', async () => {
    const before = fx.mock.requests.length;
    for (const [extra, param] of [
      [{ logprobs: true }, 'logprobs'],
      [{ seed: 3 }, 'seed'],
      [{ frequency_penalty: 1 }, 'frequency_penalty'],
      [{ logit_bias: { '1': 2 } }, 'logit_bias'],
      [{ response_format: { type: 'json_object' }, tools: [weatherTool] }, 'response_format'],
    ] as const) {
      const res = await post({ messages: [{ role: 'user', content: 'x' }], ...extra });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.param, param);
      assert.match(res.body.error.message, new RegExp(param));
    }
    assert.equal(fx.mock.requests.length, before);
  });
});
