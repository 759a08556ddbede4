import type { IncomingMessage } from 'node:http';
import {
  type FailureContext,
  httpFailure,
  malformedChunk,
  malformedReply,
  networkFailure,
  streamCut,
  streamErrorEvent,
  timeoutFailure,
} from './failures.ts';
import { idleTimeout } from './idle-timeout.ts';
import { openaiHttpClient, readText, textPieces, toHeaders } from './openai-http.ts';
import type { ChatCompletion, ChatCompletionChunk, OpenAIChatBody, OpenAIMessage } from './openai-wire.ts';
import { SseParser } from './sse-parser.ts';
import {
  type FinishReason,
  type PromptMessage,
  ProviderError,
  type Provider,
  type ProviderEvent,
  type ProviderRequest,
} from './types.ts';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Any OpenAI-compatible chat completions endpoint (OpenAI, Azure, OpenRouter, vLLM, Ollama, ...). */
/**
 * `timeoutMs` bounds each wait for the upstream (the reply's start, then the gap between chunks);
 * a reply asked whole arrives at once when it is done, so its one wait is bounded by
 * `wholeReplyTimeoutMs` (the turn's bound) instead.
 */
export function openaiProvider(opts: { name?: string; apiKey?: string; baseUrl?: string; timeoutMs: number; wholeReplyTimeoutMs?: number }): Provider {
  const name = opts.name ?? 'openai';
  const baseUrl = opts.baseUrl ?? DEFAULT_BASE_URL;
  const client = openaiHttpClient({ baseUrl, apiKey: opts.apiKey });
  const baseCtx: FailureContext = { provider: name, baseUrl, apiKey: opts.apiKey ?? '', timeoutMs: opts.timeoutMs };
  return {
    name,
    // Every option of the seam is an OpenAI parameter: nothing to refuse.
    refuse: () => undefined,
    async *stream(request: ProviderRequest): AsyncIterable<ProviderEvent> {
      // A caller that takes the reply whole gets it as one JSON body: no stream to parse.
      const whole = request.wholeReply === true;
      const waitMs = whole ? Math.max(opts.timeoutMs, opts.wholeReplyTimeoutMs ?? 0) : opts.timeoutMs;
      const ctx: FailureContext = { ...baseCtx, timeoutMs: waitMs };
      const idle = idleTimeout(request.signal, waitMs);
      // Whether the reply had begun decides how a cut connection or a stall is described.
      const state = { opened: false, received: false };
      // Every compatible server ends a reply with a finish_reason (or the usage chunk after it).
      let ended = false;
      let res: IncomingMessage | undefined;
      try {
        res = await client.post(JSON.stringify(openaiBody(request, { stream: !whole })), idle.signal);
        state.opened = true;
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) throw await statusFailure(ctx, res);
        // A server that streams anyway (`text/event-stream`) is read as a stream.
        if (whole && !isEventStream(res)) {
          // Each piece of the body that arrives counts as the provider responding.
          const reply = await readText(res, () => {
            idle.touch();
            state.received = true;
          });
          for (const event of replyEvents(ctx, reply)) yield event;
          ended = true;
        } else {
          const queue: ProviderEvent[] = [];
          let failed: ProviderError | undefined;
          let done = false;
          const parser = new SseParser((data) => {
            if (done || failed) return;
            if (data.startsWith('[DONE]')) {
              done = true;
              return;
            }
            let chunk: ChatCompletionChunk;
            try {
              chunk = JSON.parse(data);
            } catch {
              failed = malformedChunk(ctx);
              return;
            }
            if (chunk?.error) {
              // An `error` object inside the stream: the reply had begun.
              failed = streamErrorEvent(ctx, errorType(chunk.error), upstreamMessage(chunk.error));
              return;
            }
            idle.touch();
            state.received = true;
            if (chunkEvents(chunk, queue)) ended = true;
          });
          for await (const batch of textPieces(res)) {
            for (const text of batch) parser.push(text);
            // Events before a failure in the same piece are still the reply's.
            for (const event of queue) yield event;
            queue.length = 0;
            if (failed) throw failed;
          }
        }
      } catch (err) {
        if (request.signal.aborted) return;
        throw toProviderError(err, ctx, { timedOut: idle.timedOut, ...state });
      } finally {
        idle.dispose();
        // A reply left unread (the caller stopped early, or a failure) must not keep its connection.
        if (res && !res.complete) res.destroy();
      }
      if (request.signal.aborted) return;
      if (idle.timedOut) throw timeoutFailure(ctx, state.received);
      if (!ended) throw streamCut(ctx);
    },
  };
}

/** The failure for an error status, with the provider's own message when its body is OpenAI's error shape. */
async function statusFailure(ctx: FailureContext, res: IncomingMessage): Promise<ProviderError> {
  // A body that cannot be read (cut, timed out) leaves just the status to report.
  const text = await readText(res).catch(() => '');
  const body = safeJson(text) as { error?: unknown } | undefined;
  return httpFailure(ctx, res.statusCode ?? 0, toHeaders(res.headers), upstreamMessage(body?.error));
}

function isEventStream(res: IncomingMessage): boolean {
  return res.headers['content-type']?.toLowerCase().startsWith('text/event-stream') ?? false;
}

/** The events of one stream chunk, pushed to `out`; true when the chunk ends the reply. */
function chunkEvents(chunk: ChatCompletionChunk, out: ProviderEvent[]): boolean {
  let ends = false;
  const choice = chunk?.choices?.[0];
  const text = choice?.delta?.content;
  const logprobs = choice?.logprobs?.content;
  if (text || logprobs?.length) out.push({ type: 'text', text: text ?? '', ...(logprobs?.length ? { logprobs } : {}) });
  for (const call of choice?.delta?.tool_calls ?? []) {
    out.push({ type: 'tool_call', index: call.index, id: call.id, name: call.function?.name, arguments: call.function?.arguments });
  }
  if (choice?.finish_reason) {
    ends = true;
    out.push({ type: 'finish', reason: finishReason(choice.finish_reason) });
  }
  if (chunk?.usage) {
    ends = true;
    out.push({ type: 'usage', promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens });
  }
  return ends;
}

/** A whole chat completion as the events its stream would have carried: text, tool calls, finish, usage. */
function replyEvents(ctx: FailureContext, text: string): ProviderEvent[] {
  const reply = safeJson(text) as ChatCompletion | undefined;
  if (!reply || typeof reply !== 'object') throw malformedReply(ctx);
  if (reply.error) throw streamErrorEvent(ctx, errorType(reply.error), upstreamMessage(reply.error));
  const choice = reply.choices?.[0];
  if (!choice?.finish_reason) throw malformedReply(ctx);
  const events: ProviderEvent[] = [];
  const content = choice.message?.content;
  const logprobs = choice.logprobs?.content;
  if (content || logprobs?.length) events.push({ type: 'text', text: content ?? '', ...(logprobs?.length ? { logprobs } : {}) });
  for (const [index, call] of (choice.message?.tool_calls ?? []).entries()) {
    events.push({ type: 'tool_call', index, id: call.id, name: call.function?.name, arguments: call.function?.arguments });
  }
  events.push({ type: 'finish', reason: finishReason(choice.finish_reason) });
  if (reply.usage) events.push({ type: 'usage', promptTokens: reply.usage.prompt_tokens, completionTokens: reply.usage.completion_tokens });
  return events;
}

/**
 * The request as OpenAI's API takes it; options left unset are not sent, so any compatible server
 * accepts the body. Streamed, it asks for the usage chunk at the end (only allowed on a stream).
 */
export function openaiBody(request: ProviderRequest, delivery: { stream: boolean } = { stream: true }): OpenAIChatBody {
  const body: OpenAIChatBody = delivery.stream
    ? { model: request.model, messages: request.messages.map(openaiMessage), stream: true, stream_options: { include_usage: true } }
    : { model: request.model, messages: request.messages.map(openaiMessage), stream: false };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      type: 'function' as const,
      function: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        ...(t.parameters !== undefined ? { parameters: t.parameters } : {}),
        ...(t.strict !== undefined ? { strict: t.strict } : {}),
      },
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
  }
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  const format = request.responseFormat;
  if (format) {
    body.response_format =
      format.type === 'json_schema'
        ? {
            type: 'json_schema',
            json_schema: {
              name: format.name,
              ...(format.description !== undefined ? { description: format.description } : {}),
              ...(format.schema !== undefined ? { schema: format.schema } : {}),
              ...(format.strict !== undefined ? { strict: format.strict } : {}),
            },
          }
        : { type: format.type };
  }
  if (request.stop?.length) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.logitBias !== undefined) body.logit_bias = request.logitBias;
  if (request.logprobs !== undefined) body.logprobs = request.logprobs;
  if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
  if (request.user !== undefined) body.user = request.user;
  return body;
}

function openaiMessage(m: PromptMessage): OpenAIMessage {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role === 'assistant') {
    if (!m.toolCalls?.length) return { role: 'assistant', content: m.content };
    return {
      role: 'assistant',
      content: m.content || null,
      tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
    };
  }
  if (m.role === 'user' && m.parts) {
    return {
      role: 'user',
      content: m.parts.map((p) =>
        p.type === 'text'
          ? { type: 'text' as const, text: p.text }
          : { type: 'image_url' as const, image_url: { url: p.url, ...(p.detail ? { detail: p.detail } : {}) } },
      ),
    };
  }
  return { role: m.role, content: m.content };
}

/** Compatible servers may send reasons of their own (`function_call`, `eos`): the nearest OpenAI one. */
function finishReason(reason: string): FinishReason {
  if (reason === 'length' || reason === 'tool_calls' || reason === 'content_filter') return reason;
  if (reason === 'function_call') return 'tool_calls';
  return 'stop';
}

function toProviderError(err: unknown, ctx: FailureContext, state: { timedOut: boolean; opened: boolean; received: boolean }): ProviderError {
  if (err instanceof ProviderError) return err;
  if (state.timedOut) return timeoutFailure(ctx, state.received);
  return networkFailure(ctx, err, state.opened);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function upstreamMessage(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? message : undefined;
}

function errorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' ? type : undefined;
}
