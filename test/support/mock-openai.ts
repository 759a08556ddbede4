import type { ServerResponse } from 'node:http';
import { json, type ReceivedRequest, sleep, startScriptedUpstream } from './scripted-upstream.ts';

export type { ReceivedRequest } from './scripted-upstream.ts';

export interface MockReply {
  /** Answer this status with an error body instead of a stream. */
  status?: number;
  /** Headers sent with an error status (Retry-After, ...). */
  headers?: Record<string, string>;
  /** An error message to answer with the status (the default names the status). */
  errorMessage?: string;
  /** Send a chunk that is not valid JSON in place of this token. */
  malformedAfter?: number;
  /** End the response cleanly after this many tokens, without a finish_reason or [DONE]. */
  endAfter?: number;
  tokens?: string[];
  /** Delay before the first token and between tokens. */
  delayMs?: number;
  firstDelayMs?: number;
  /** Usage reported at the end; null reports none. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** Destroy the connection after this many tokens. */
  dropAfter?: number;
  /** Accept the request and never answer. */
  hang?: boolean;
  /** Tool calls streamed after the tokens, each with its arguments in these pieces. */
  toolCalls?: { id: string; name: string; arguments: string[] }[];
  /** The finish_reason sent (default `tool_calls` when there are tool calls, else `stop`). */
  finishReason?: string;
}

const DEFAULT_REPLY: MockReply = {
  tokens: ['Hello', ' from', ' the', ' mock'],
  usage: { prompt_tokens: 21, completion_tokens: 4 },
};

/**
 * An OpenAI-compatible chat completions server on 127.0.0.1, scripted per request:
 * replies are taken from a queue (the default reply when it is empty).
 */
export async function startMockOpenAI(opts: { models?: string[] } = {}) {
  // What `GET /v1/models` lists (as Ollama, vLLM and OpenAI answer it); empty unless given.
  let models = opts.models ?? [];
  // Set to a status to have the model list fail (a provider whose list cannot be read).
  let modelListStatus = 200;
  const upstream = await startScriptedUpstream<MockReply>({
    defaultReply: DEFAULT_REPLY,
    answer,
    listModels: (res) => {
      if (modelListStatus !== 200) return json(res, modelListStatus, { error: { message: 'models unavailable', type: 'server_error' } });
      json(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'library' })) });
    },
  });
  return {
    ...upstream,
    url: `${upstream.origin}/v1`,
    /** Changes what the model list answers from now on. */
    setModels(next: string[]) {
      models = next;
    },
    setModelListStatus(status: number) {
      modelListStatus = status;
    },
  };
}

export type MockOpenAI = Awaited<ReturnType<typeof startMockOpenAI>>;

async function answer(res: ServerResponse, record: ReceivedRequest, reply: MockReply) {
  const body = record.body;
  if (reply.hang) return;
  if (reply.status && reply.status >= 400) {
    record.finished = true;
    return json(res, reply.status, { error: { message: reply.errorMessage ?? `mock failure ${reply.status}`, type: 'server_error' } }, reply.headers);
  }
  const tokens = reply.tokens ?? DEFAULT_REPLY.tokens!;
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finish: string | null = null, usage: object | null = null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body?.model, choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
  const chunkWith = (delta: object, logprobs: object) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body?.model, choices: [{ index: 0, delta, logprobs, finish_reason: null }] })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(chunk({ role: 'assistant', content: '' }));
  for (let i = 0; i < tokens.length; i++) {
    const wait = i === 0 ? (reply.firstDelayMs ?? reply.delayMs) : reply.delayMs;
    if (wait) await sleep(wait);
    if (res.destroyed) return;
    if (reply.dropAfter !== undefined && i === reply.dropAfter) {
      // Let what was written reach the client first: destroy() discards unsent writes.
      await sleep(30);
      res.socket?.destroy();
      return;
    }
    if (reply.malformedAfter !== undefined && i === reply.malformedAfter) {
      res.write('data: {"choices": [ this is not json\n\n');
      continue;
    }
    if (reply.endAfter !== undefined && i === reply.endAfter) {
      record.finished = true;
      res.end();
      return;
    }
    if (body?.logprobs) {
      // Log probabilities ride on the token's chunk, as OpenAI sends them.
      const lp = { token: tokens[i], logprob: -0.5 - i, bytes: [...Buffer.from(tokens[i])], top_logprobs: [] };
      res.write(chunkWith({ content: tokens[i] }, { content: [lp] }));
    } else res.write(chunk({ content: tokens[i] }));
  }
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    res.write(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of call.arguments) res.write(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }
  res.write(chunk({}, reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop')));
  const usage = reply.usage === undefined ? DEFAULT_REPLY.usage : reply.usage;
  // OpenAI reports usage at the end of a stream when asked, and always with a whole reply.
  if (usage && (body?.stream_options?.include_usage || body?.stream === false)) {
    res.write(chunk({}, null, { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens }));
  }
  res.write('data: [DONE]\n\n');
  record.finished = true;
  res.end();
}
