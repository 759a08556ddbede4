import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registerUser } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';
import { postSse } from '../../support/sse-reader.ts';

const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const weather = { type: 'function', name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

describe('OpenAI Responses API', () => {
  const fx = useTestServer({ upstream: 'openai' });
  const lastChat = () => fx.mock.chatRequests().at(-1)!.body;
  const post = (body: unknown, token = fx.user.token) => fx.api.post('/v1/responses', body, { token });

  /** A new conversation's first turn is followed by a title call: waited for, so it takes no scripted reply. */
  async function titled(conversationId: string) {
    for (let i = 0; i < 300; i++) {
      const res = await fx.api.get(`/api/v1/conversations/${conversationId}`, { token: fx.user.token });
      if (res.body.title) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail('the conversation got no title');
  }

  it('answers text with a response object, instructions reaching the upstream as system', async () => {
    fx.mock.enqueue({ tokens: ['Hi', ' there'], usage: { prompt_tokens: 9, completion_tokens: 2 } });
    const res = await post({ model: 'gpt-4o', input: 'hello', instructions: 'Be brief.' });
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.id, /^resp_[0-9a-f]{32}$/);
    assert.equal(res.body.object, 'response');
    assert.equal(res.body.status, 'completed');
    assert.equal(res.body.output.length, 1);
    assert.equal(res.body.output[0].type, 'message');
    assert.equal(res.body.output[0].content[0].type, 'output_text');
    assert.equal(res.body.output[0].content[0].text, 'Hi there');
    assert.deepEqual(res.body.usage && [res.body.usage.input_tokens, res.body.usage.output_tokens, res.body.usage.total_tokens], [9, 2, 11]);
    assert.deepEqual(lastChat().messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello' },
    ]);
    await titled(res.headers.get('x-session-id')!);
  });

  it('passes images, sampling and structured output to the upstream (store: false stores nothing)', async () => {
    fx.mock.enqueue({ tokens: ['{"a":1}'] });
    const res = await post({
      model: 'gpt-4o',
      store: false,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: PIXEL }] }],
      temperature: 0.3,
      top_p: 0.9,
      max_output_tokens: 50,
      text: { format: { type: 'json_schema', name: 'thing', schema: { type: 'object' } } },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-session-id'), null);
    const body = lastChat();
    assert.deepEqual(body.messages[0].content[1], { type: 'image_url', image_url: { url: PIXEL } });
    assert.equal(body.temperature, 0.3);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.max_tokens ?? body.max_completion_tokens, 50);
    assert.equal(body.response_format.json_schema.name, 'thing');
    assert.equal((await fx.api.get(`/v1/responses/${res.body.id}`, { token: fx.user.token })).status, 404);
  });

  it('reports a length finish as incomplete', async () => {
    fx.mock.enqueue({ tokens: ['cut'], finishReason: 'length' });
    const res = await post({ model: 'gpt-4o', input: 'long', store: false, max_output_tokens: 1 });
    assert.equal(res.body.status, 'incomplete');
    assert.deepEqual(res.body.incomplete_details, { reason: 'max_output_tokens' });
  });

  it('round-trips function tools through previous_response_id, as one conversation', async () => {
    fx.mock.enqueue({ tokens: [], toolCalls: [{ id: 'call_7', name: 'get_weather', arguments: ['{"city":', '"Oslo"}'] }] });
    const first = await post({ model: 'gpt-4o', input: 'Weather in Oslo?', tools: [weather], tool_choice: 'auto' });
    assert.equal(first.status, 200, first.text);
    const call = first.body.output.find((o: any) => o.type === 'function_call');
    assert.equal(call.call_id, 'call_7');
    assert.equal(call.name, 'get_weather');
    assert.equal(call.arguments, '{"city":"Oslo"}');
    assert.equal(lastChat().tools[0].function.name, 'get_weather');
    const conversationId = first.headers.get('x-session-id')!;
    await titled(conversationId);

    fx.mock.enqueue({ tokens: ['Cold', ' in Oslo'] });
    const second = await post({
      model: 'gpt-4o',
      previous_response_id: first.body.id,
      input: [{ type: 'function_call_output', call_id: 'call_7', output: '-3C' }],
      tools: [weather],
    });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.output[0].content[0].text, 'Cold in Oslo');
    assert.equal(second.headers.get('x-session-id'), conversationId);
    const sent = lastChat().messages;
    assert.equal(sent.at(-2).tool_calls[0].id, 'call_7');
    assert.deepEqual(sent.at(-1), { role: 'tool', content: '-3C', tool_call_id: 'call_7' });

    const listed = await fx.api.get(`/api/v1/conversations/${conversationId}/messages`, { token: fx.user.token });
    const items = listed.body.items ?? listed.body;
    assert.deepEqual(
      items.map((m: any) => [m.role, m.content]),
      [
        ['user', 'Weather in Oslo?'],
        ['assistant', ''],
        ['user', '-3C'],
        ['assistant', 'Cold in Oslo'],
      ],
    );
    const got = await fx.api.get(`/v1/responses/${second.body.id}`, { token: fx.user.token });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.body.previous_response_id, first.body.id);
    assert.equal(got.body.output[0].content[0].text, 'Cold in Oslo');

    // Only the chain's latest response can be continued.
    const stale = await post({ model: 'gpt-4o', previous_response_id: first.body.id, input: 'again' });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.error.param, 'previous_response_id');
  });

  it('streams typed events with sequence numbers', async () => {
    fx.mock.enqueue({ tokens: ['a', 'b'], toolCalls: [{ id: 'call_s', name: 'get_weather', arguments: ['{"city":"Rome"}'] }] });
    const res = await postSse(`${fx.server.url}/v1/responses`, { model: 'gpt-4o', input: 'x', tools: [weather], stream: true, store: false }, { token: fx.user.token });
    assert.equal(res.status, 200);
    const events = (await res.all()).map((e) => ({ name: e.event, data: JSON.parse(e.data) }));
    assert.deepEqual(
      events.map((e) => e.name),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    events.forEach((e, i) => {
      assert.equal(e.data.type, e.name);
      assert.equal(e.data.sequence_number, i);
    });
    assert.equal(events[6].data.text, 'ab');
    assert.equal(events[11].data.arguments, '{"city":"Rome"}');
    const done = events.at(-1)!.data.response;
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.output.map((o: any) => o.type), ['message', 'function_call']);
    assert.ok(done.usage.total_tokens > 0);
  });

  it('answers an upstream failure before any token with 502 in OpenAI shape', async () => {
    fx.mock.enqueue({ status: 500 });
    const res = await post({ model: 'gpt-4o', input: 'x', store: false });
    assert.equal(res.status, 502);
    assert.equal(typeof res.body.error.message, 'string');
  });

  it("gets and deletes a stored response; another user's is refused", async () => {
    fx.mock.enqueue({ tokens: ['kept'] });
    const res = await post({ model: 'gpt-4o', input: 'keep this' });
    const conversationId = res.headers.get('x-session-id')!;
    await titled(conversationId);
    const other = await registerUser(fx.api);
    const foreign = await fx.api.get(`/v1/responses/${res.body.id}`, { token: other.token });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, 'permission_denied');
    assert.equal((await fx.api.delete(`/v1/responses/${res.body.id}`, { token: other.token })).status, 403);
    assert.equal((await post({ model: 'gpt-4o', input: 'x', previous_response_id: res.body.id }, other.token)).status, 403);

    const got = await fx.api.get(`/v1/responses/${res.body.id}`, { token: fx.user.token });
    assert.equal(got.body.status, 'completed');
    assert.equal(got.body.output[0].content[0].text, 'kept');
    const deleted = await fx.api.delete(`/v1/responses/${res.body.id}`, { token: fx.user.token });
    assert.deepEqual(deleted.body, { id: res.body.id, object: 'response', deleted: true });
    const gone = await fx.api.get(`/v1/responses/${res.body.id}`, { token: fx.user.token });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.type, 'invalid_request_error');
    const listed = await fx.api.get(`/api/v1/conversations/${conversationId}/messages`, { token: fx.user.token });
    assert.equal((listed.body.items ?? listed.body).length, 0);
    assert.equal((await fx.api.get('/v1/responses/resp_nothing', { token: fx.user.token })).status, 404);
  });

  it('refuses requests without a token, and bad parameters by name', async () => {
    const anon = await fx.api.post('/v1/responses', { model: 'gpt-4o', input: 'x' });
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error.code, 'invalid_api_key');
    const bad = await post({ model: 'gpt-4o', input: 'x', temperature: 5 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.type, 'invalid_request_error');
    assert.equal(bad.body.error.param, 'temperature');
    const unknown = await post({ model: 'gpt-4o', input: 'x', reasoning: { effort: 'high' } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /reasoning/);
    const model = await post({ model: 'no-such-model', input: 'x' });
    assert.equal(model.status, 400);
    assert.equal(model.body.error.param, 'model');
    const tool = await post({ model: 'gpt-4o', input: 'x', tools: [{ type: 'web_search' }] });
    assert.equal(tool.status, 400);
  });
});
