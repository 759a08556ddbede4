import OpenAI from 'openai';
import {
  type FailureContext,
  httpFailure,
  malformedChunk,
  networkFailure,
  streamCut,
  streamErrorEvent,
  timeoutFailure,
} from './failures.ts';
import { idleTimeout } from './idle-timeout.ts';
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
export function openaiProvider(opts: { name?: string; apiKey?: string; baseUrl?: string; timeoutMs: number }): Provider {
  const name = opts.name ?? 'openai';
  const baseUrl = opts.baseUrl ?? DEFAULT_BASE_URL;
  // The SDK's own logging is off: it would print a malformed chunk, whole, to the console.
  // Without a key (local servers), the SDK still wants one: a placeholder satisfies it, and the
  // null header keeps it from being sent, so the upstream sees no Authorization at all.
  const client = new OpenAI({
    apiKey: opts.apiKey ?? 'none',
    defaultHeaders: opts.apiKey ? undefined : { Authorization: null },
    baseURL: baseUrl,
    maxRetries: 0,
    timeout: opts.timeoutMs,
    logLevel: 'off',
  });
  const ctx: FailureContext = { provider: name, baseUrl, apiKey: opts.apiKey ?? '', timeoutMs: opts.timeoutMs };
  return {
    name,
    // Every option of the seam is an OpenAI parameter: nothing to refuse.
    refuse: () => undefined,
    async *stream(request: ProviderRequest): AsyncIterable<ProviderEvent> {
      const idle = idleTimeout(request.signal, opts.timeoutMs);
      // Whether the reply had begun decides how a cut connection or a stall is described.
      let opened = false;
      let received = false;
      // Every compatible server ends a reply with a finish_reason (or the usage chunk after it).
      let ended = false;
      try {
        const stream = await client.chat.completions.create(openaiBody(request), { signal: idle.signal });
        opened = true;
        for await (const chunk of stream) {
          idle.touch();
          received = true;
          const choice = chunk.choices[0];
          const text = choice?.delta?.content;
          const logprobs = choice?.logprobs?.content;
          if (text || logprobs?.length) yield { type: 'text', text: text ?? '', ...(logprobs?.length ? { logprobs } : {}) };
          for (const call of choice?.delta?.tool_calls ?? []) {
            yield { type: 'tool_call', index: call.index, id: call.id, name: call.function?.name, arguments: call.function?.arguments };
          }
          if (choice?.finish_reason) {
            ended = true;
            yield { type: 'finish', reason: finishReason(choice.finish_reason) };
          }
          if (chunk.usage) {
            ended = true;
            yield {
              type: 'usage',
              promptTokens: chunk.usage.prompt_tokens,
              completionTokens: chunk.usage.completion_tokens,
            };
          }
        }
      } catch (err) {
        if (request.signal.aborted) return;
        throw toProviderError(err, ctx, { timedOut: idle.timedOut, opened, received });
      } finally {
        idle.dispose();
      }
      if (request.signal.aborted) return;
      // The SDK ends an aborted stream quietly: a stall cut off by the idle timer is still a failure.
      if (idle.timedOut) throw timeoutFailure(ctx, received);
      if (!ended) throw streamCut(ctx);
    },
  };
}

/** The request as OpenAI's API takes it; options left unset are not sent, so any compatible server accepts the body. */
export function openaiBody(request: ProviderRequest): OpenAI.ChatCompletionCreateParamsStreaming {
  const body: OpenAI.ChatCompletionCreateParamsStreaming = {
    model: request.model,
    messages: request.messages.map(openaiMessage),
    stream: true,
    stream_options: { include_usage: true },
  };
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

function openaiMessage(m: PromptMessage): OpenAI.ChatCompletionMessageParam {
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
  if (state.timedOut || err instanceof OpenAI.APIConnectionTimeoutError) return timeoutFailure(ctx, state.received);
  if (err instanceof OpenAI.APIConnectionError) return networkFailure(ctx, err, state.opened);
  if (err instanceof OpenAI.APIError) {
    const said = upstreamMessage(err.error);
    if (err.status) return httpFailure(ctx, err.status, err.headers, said);
    // An `error` object inside the stream: the reply had begun.
    return streamErrorEvent(ctx, err.type ?? undefined, said);
  }
  // The SDK parses each chunk with JSON.parse and lets its SyntaxError through.
  if (err instanceof SyntaxError) return malformedChunk(ctx);
  return networkFailure(ctx, err, state.opened);
}

function upstreamMessage(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? message : undefined;
}
