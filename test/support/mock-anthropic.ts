import type { ServerResponse } from 'node:http';
import { json, type ReceivedRequest, sleep, startScriptedUpstream } from './scripted-upstream.ts';

export interface MockAnthropicReply {
  /** Answer this status with an Anthropic error body instead of a stream. */
  status?: number;
  /** Headers sent with an error status (Retry-After, ...). */
  headers?: Record<string, string>;
  /** An error message to answer with the status (the default names the status). */
  errorMessage?: string;
  /** Send an event whose data is not valid JSON in place of this token. */
  malformedAfter?: number;
  tokens?: string[];
  /** Delay before the first token and between tokens. */
  delayMs?: number;
  firstDelayMs?: number;
  /** input_tokens in message_start. */
  inputTokens?: number;
  /** output_tokens in the final message_delta (cumulative, as the API reports it). */
  outputTokens?: number;
  /** Destroy the connection after this many tokens. */
  dropAfter?: number;
  /** Send an `error` event after this many tokens, as the API does when it overloads mid-stream. */
  errorAfter?: number;
  /** Accept the request and never answer. */
  hang?: boolean;
  /** tool_use blocks streamed after the text, each input in these JSON pieces. */
  toolUses?: { id: string; name: string; input: string[] }[];
  /** The stop_reason sent (default `tool_use` when there are tool uses, else `end_turn`). */
  stopReason?: string;
}

const DEFAULT_REPLY: MockAnthropicReply = {
  tokens: ['Hello', ' from', ' Claude'],
  inputTokens: 37,
  outputTokens: 9,
};

/**
 * A scripted Anthropic Messages API on 127.0.0.1: `POST /v1/messages` streams the SSE events
 * message_start, content_block_start, content_block_delta..., content_block_stop, message_delta
 * (with usage) and message_stop. Replies come from a queue, then the default one.
 */
export async function startMockAnthropic() {
  const upstream = await startScriptedUpstream<MockAnthropicReply>({
    defaultReply: DEFAULT_REPLY,
    answer: (res, record, reply) => {
      if (record.method !== 'POST' || !record.path.startsWith('/v1/messages')) {
        record.finished = true;
        return json(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } });
      }
      return answer(res, record, reply);
    },
  });
  /** The base URL, as ANTHROPIC_BASE_URL takes it (the SDK adds /v1/messages). */
  return { ...upstream, url: upstream.origin };
}

export type MockAnthropic = Awaited<ReturnType<typeof startMockAnthropic>>;


const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;

async function answer(res: ServerResponse, record: ReceivedRequest, reply: MockAnthropicReply) {
  const body = record.body;
  if (reply.hang) return;
  if (reply.status && reply.status >= 400) {
    record.finished = true;
    return json(
      res,
      reply.status,
      { type: 'error', error: { type: 'api_error', message: reply.errorMessage ?? `mock failure ${reply.status}` } },
      reply.headers,
    );
  }
  const tokens = reply.tokens ?? DEFAULT_REPLY.tokens!;
  const inputTokens = reply.inputTokens ?? DEFAULT_REPLY.inputTokens!;
  const outputTokens = reply.outputTokens ?? DEFAULT_REPLY.outputTokens!;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const usage = { input_tokens: inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  res.write(
    event('message_start', {
      message: { id: `msg_${Date.now()}`, type: 'message', role: 'assistant', model: body?.model, content: [], stop_reason: null, usage },
    }),
  );
  res.write(event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
  res.write(event('ping', {}));
  for (let i = 0; i < tokens.length; i++) {
    const wait = i === 0 ? (reply.firstDelayMs ?? reply.delayMs) : reply.delayMs;
    if (wait) await sleep(wait);
    if (res.destroyed) return;
    if (reply.dropAfter !== undefined && i === reply.dropAfter) {
      res.socket?.destroy();
      return;
    }
    if (reply.errorAfter !== undefined && i === reply.errorAfter) {
      res.write(event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }));
      record.finished = true;
      res.end();
      return;
    }
    if (reply.malformedAfter !== undefined && i === reply.malformedAfter) {
      res.write('event: content_block_delta\ndata: {"type": "content_block_delta", oops\n\n');
      continue;
    }
    res.write(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: tokens[i] } }));
  }
  res.write(event('content_block_stop', { index: 0 }));
  for (const [i, use] of (reply.toolUses ?? []).entries()) {
    const index = i + 1;
    res.write(event('content_block_start', { index, content_block: { type: 'tool_use', id: use.id, name: use.name, input: {} } }));
    for (const piece of use.input) res.write(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }));
    res.write(event('content_block_stop', { index }));
  }
  const stopReason = reply.stopReason ?? (reply.toolUses?.length ? 'tool_use' : 'end_turn');
  res.write(
    event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }),
  );
  res.write(event('message_stop', {}));
  record.finished = true;
  res.end();
}
