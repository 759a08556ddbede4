import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { z } from 'zod';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client } from '../../support/http.ts';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

const weatherParams = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

describe('Real client libraries against Parley', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  let user: TestUser;
  let sdk: OpenAI;
  let chat: ChatOpenAI;
  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: mock.url } });
    user = await registerUser(client(server.url));
    sdk = new OpenAI({ apiKey: user.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
    chat = new ChatOpenAI({ model: 'gpt-4o', apiKey: user.token, maxRetries: 0, configuration: { baseURL: `${server.url}/v1` } });
  });
  after(async () => {
    await server.close();
    await mock.close();
  });
  const lastBody = () => mock.requests.at(-1)!.body;

  describe('the openai SDK', () => {
    it('chats', async () => {
      mock.enqueue({ tokens: ['Hi', '!'] });
      const res = await sdk.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });
      assert.equal(res.choices[0].message.content, 'Hi!');
      assert.equal(res.choices[0].finish_reason, 'stop');
    });

    it('calls tools and continues with the result', async () => {
      mock.enqueue({ tokens: [], toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: ['{"city":"Paris"}'] }] }, { tokens: ['Sunny'] });
      const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: weatherParams } }];
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather?' }];
      const first = await sdk.chat.completions.create({ model: 'gpt-4o', messages, tools });
      const call = first.choices[0].message.tool_calls?.[0];
      assert.equal(first.choices[0].finish_reason, 'tool_calls');
      assert.ok(call && call.type === 'function');
      assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
      messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny' });
      const second = await sdk.chat.completions.create({ model: 'gpt-4o', messages, tools });
      assert.equal(second.choices[0].message.content, 'Sunny');
      assert.equal(lastBody().messages[2].tool_call_id, 'call_1');
    });

    it('gets structured output through response_format json_schema', async () => {
      mock.enqueue({ tokens: ['{"name":', '"Ada",', '"age":36}'] });
      const res = await sdk.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Who?' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'person', strict: true, schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'number' } } } },
        },
      });
      assert.deepEqual(JSON.parse(res.choices[0].message.content ?? ''), { name: 'Ada', age: 36 });
      assert.equal(lastBody().response_format.json_schema.name, 'person');
    });

    it('streams, tool call deltas included', async () => {
      mock.enqueue({ tokens: ['a', 'b'], toolCalls: [{ id: 'call_s', name: 'get_weather', arguments: ['{"ci', 'ty":"Rome"}'] }] });
      const stream = await sdk.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherParams } }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let args = '';
      let finish: string | null = null;
      let usage: unknown;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) args += call.function?.arguments ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      assert.equal(text, 'ab');
      assert.equal(args, '{"city":"Rome"}');
      assert.equal(finish, 'tool_calls');
      assert.ok(usage);
    });
  });

  describe("LangChain's ChatOpenAI", () => {
    it('invokes', async () => {
      mock.enqueue({ tokens: ['Hello', ' there'] });
      const reply = await chat.invoke('hi');
      assert.equal(reply.content, 'Hello there');
    });

    it('streams', async () => {
      mock.enqueue({ tokens: ['one', ' two', ' three'] });
      let text = '';
      for await (const chunk of await chat.stream('count')) text += chunk.content;
      assert.equal(text, 'one two three');
    });

    it('binds tools and reads the tool calls', async () => {
      mock.enqueue({ tokens: [], toolCalls: [{ id: 'call_lc', name: 'get_weather', arguments: ['{"city":', '"Lima"}'] }] });
      const weather = tool(async ({ city }) => `sunny in ${city}`, {
        name: 'get_weather',
        description: 'Weather in a city',
        schema: z.object({ city: z.string() }),
      });
      const reply = await chat.bindTools([weather]).invoke('Weather in Lima?');
      assert.equal(reply.tool_calls?.length, 1);
      assert.equal(reply.tool_calls?.[0].name, 'get_weather');
      assert.deepEqual(reply.tool_calls?.[0].args, { city: 'Lima' });
      assert.equal(lastBody().tools[0].function.name, 'get_weather');
    });

    it('gives structured output with withStructuredOutput', async () => {
      const schema = z.object({ name: z.string(), age: z.number() });
      // Whichever way the library asks (response_format or a forced tool), the mock answers it.
      mock.enqueue({
        tokens: ['{"name":"Grace","age":85}'],
        toolCalls: [{ id: 'call_so', name: 'extract', arguments: ['{"name":"Grace","age":85}'] }],
      });
      const result = await chat.withStructuredOutput(schema, { name: 'extract' }).invoke('Who wrote COBOL?');
      assert.deepEqual(result, { name: 'Grace', age: 85 });
      const sent = lastBody();
      assert.ok(sent.response_format || sent.tools, 'the structured output request reached the upstream');
    });
  });
});
