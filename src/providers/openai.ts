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
import { ProviderError, type Provider, type ProviderEvent, type ProviderRequest } from './types.ts';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Any OpenAI-compatible chat completions endpoint (OpenAI, Azure, OpenRouter, vLLM, Ollama, ...). */
export function openaiProvider(opts: { apiKey: string; baseUrl?: string; timeoutMs: number }): Provider {
  const baseUrl = opts.baseUrl ?? DEFAULT_BASE_URL;
  // The SDK's own logging is off: it would print a malformed chunk, whole, to the console.
  const client = new OpenAI({ apiKey: opts.apiKey, baseURL: baseUrl, maxRetries: 0, timeout: opts.timeoutMs, logLevel: 'off' });
  const ctx: FailureContext = { provider: 'openai', baseUrl, apiKey: opts.apiKey, timeoutMs: opts.timeoutMs };
  return {
    name: 'openai',
    async *stream(request: ProviderRequest): AsyncIterable<ProviderEvent> {
      const idle = idleTimeout(request.signal, opts.timeoutMs);
      // Whether the reply had begun decides how a cut connection or a stall is described.
      let opened = false;
      let received = false;
      // Every compatible server ends a reply with a finish_reason (or the usage chunk after it).
      let ended = false;
      try {
        const stream = await client.chat.completions.create(
          {
            model: request.model,
            messages: request.messages,
            temperature: request.temperature,
            max_tokens: request.maxTokens,
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal: idle.signal },
        );
        opened = true;
        for await (const chunk of stream) {
          idle.touch();
          received = true;
          const choice = chunk.choices[0];
          if (choice?.finish_reason) ended = true;
          const text = choice?.delta?.content;
          if (text) yield { type: 'text', text };
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
