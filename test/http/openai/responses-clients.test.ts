import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client } from '../../support/http.ts';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

describe('Responses API clients against Parley', () => {
  let mock: MockOpenAI;
  let server: TestServer;
  let user: TestUser;
  let sdk: OpenAI;
  let provider: ReturnType<typeof createOpenAI>;
  before(async () => {
    mock = await startMockOpenAI();
    server = await startTestServer({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: mock.url } });
    user = await registerUser(client(server.url));
    sdk = new OpenAI({ apiKey: user.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
    provider = createOpenAI({ apiKey: user.token, baseURL: `${server.url}/v1` });
  });
  after(async () => {
    await server.close();
    await mock.close();
  });
  const chatBodies = () => mock.chatRequests().map((r) => r.body);
  // Stateless calls: no title call follows them to take a scripted reply.
  const stateless = { openai: { store: false } };

  it('the openai SDK creates a response', async () => {
    mock.enqueue({ tokens: ['Hi', '!'] });
    const res = await sdk.responses.create({ model: 'gpt-4o', input: 'hello', instructions: 'Be kind.', store: false });
    assert.equal(res.output_text, 'Hi!');
    assert.equal(res.status, 'completed');
    assert.deepEqual(chatBodies().at(-1).messages[0], { role: 'system', content: 'Be kind.' });
  });

  it('the openai SDK streams a response', async () => {
    mock.enqueue({ tokens: ['one', ' two'] });
    const stream = await sdk.responses.create({ model: 'gpt-4o', input: 'count', stream: true, store: false });
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.equal(text, 'one two');
    assert.ok(completed);
    assert.equal((completed.output[0] as OpenAI.Responses.ResponseOutputMessage).content[0].type, 'output_text');
  });

  it('the AI SDK generates text', async () => {
    mock.enqueue({ tokens: ['Hello', ' AI SDK'], usage: { prompt_tokens: 5, completion_tokens: 2 } });
    const result = await generateText({ model: provider('gpt-4o'), prompt: 'hi', providerOptions: stateless });
    assert.equal(result.text, 'Hello AI SDK');
    assert.equal(result.usage.inputTokens, 5);
    assert.equal(result.usage.outputTokens, 2);
  });

  it('the AI SDK streams text', async () => {
    mock.enqueue({ tokens: ['s1', ' s2', ' s3'] });
    const result = streamText({ model: provider('gpt-4o'), prompt: 'go', providerOptions: stateless });
    let text = '';
    for await (const piece of result.textStream) text += piece;
    assert.equal(text, 's1 s2 s3');
    assert.equal(await result.finishReason, 'stop');
  });

  it('the AI SDK calls a tool and continues with its result', async () => {
    mock.enqueue({ tokens: [], toolCalls: [{ id: 'call_ai', name: 'weather', arguments: ['{"city":"Lima"}'] }] }, { tokens: ['Sunny in Lima'] });
    const result = await generateText({
      model: provider('gpt-4o'),
      prompt: 'Weather in Lima?',
      tools: {
        weather: tool({
          description: 'Weather in a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => `sunny in ${city}`,
        }),
      },
      stopWhen: stepCountIs(2),
      providerOptions: stateless,
    });
    assert.equal(result.text, 'Sunny in Lima');
    assert.deepEqual(result.steps[0].toolCalls[0].input, { city: 'Lima' });
    const last = chatBodies().at(-1).messages;
    assert.equal(last.at(-1).role, 'tool');
    assert.equal(last.at(-1).tool_call_id, 'call_ai');
    assert.match(last.at(-1).content, /sunny in Lima/);
  });
});
