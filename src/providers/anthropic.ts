import Anthropic from '@anthropic-ai/sdk';
import {
  type FailureContext,
  httpFailure,
  malformedChunk,
  networkFailure,
  streamCut,
  streamErrorEvent,
  timeoutFailure,
} from './failures.ts';
import { anthropicBody, anthropicMessages, anthropicRefusal, finishReasonOf } from './anthropic-translate.ts';
import { idleTimeout } from './idle-timeout.ts';
import { ProviderError, type PromptMessage, type Provider, type ProviderEvent, type ProviderRequest } from './types.ts';

const DEFAULT_BASE_URL = 'https://api.anthropic.com';
// The Messages API requires a ceiling on the reply; used when neither the conversation nor the
// assistant sets one.
const DEFAULT_MAX_TOKENS = 4096;

/** Anthropic's Messages API, streamed. */
export function anthropicProvider(opts: { name?: string; apiKey: string; baseUrl?: string; timeoutMs: number }): Provider {
  const name = opts.name ?? 'anthropic';
  const baseUrl = opts.baseUrl ?? DEFAULT_BASE_URL;
  const ctx: FailureContext = { provider: name, baseUrl, apiKey: opts.apiKey, timeoutMs: opts.timeoutMs };
  // Everything is passed explicitly so the SDK reads no credential, URL or log setting of its own.
  const client = new Anthropic({
    apiKey: opts.apiKey,
    baseURL: baseUrl,
    webhookKey: null,
    maxRetries: 0,
    timeout: opts.timeoutMs,
    logLevel: 'off',
  });
  return {
    name,
    refuse: anthropicRefusal,
    async *stream(request: ProviderRequest): AsyncIterable<ProviderEvent> {
      const idle = idleTimeout(request.signal, opts.timeoutMs);
      const { body, formatTool } = anthropicBody(request);
      let inputTokens: number | undefined;
      let outputTokens = 0;
      let stopped = false;
      let stopReason: string | null | undefined;
      // Content block index -> the OpenAI tool call index it streams as.
      const toolIndex = new Map<number, number>();
      // Whether the reply had begun decides how a cut connection or a stall is described.
      let opened = false;
      let received = false;
      try {
        // The current API version takes no sampling parameters, so the temperature is not sent.
        const stream = await client.messages.create(
          { model: request.model, max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS, ...body, stream: true },
          { signal: idle.signal },
        );
        opened = true;
        for await (const event of stream) {
          idle.touch();
          received = true;
          if (event.type === 'message_start') {
            const u = event.message.usage;
            inputTokens = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
            outputTokens = u.output_tokens;
          } else if (event.type === 'content_block_start' && event.content_block.type === 'tool_use' && !formatTool) {
            const index = toolIndex.size;
            toolIndex.set(event.index, index);
            yield { type: 'tool_call', index, id: event.content_block.id, name: event.content_block.name, arguments: '' };
          } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
            if (event.delta.text) yield { type: 'text', text: event.delta.text };
          } else if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') {
            const piece = event.delta.partial_json;
            if (!piece) continue;
            // A structured output's forced tool: its input is the answer's text.
            if (formatTool) yield { type: 'text', text: piece };
            else {
              const index = toolIndex.get(event.index);
              if (index !== undefined) yield { type: 'tool_call', index, arguments: piece };
            }
          } else if (event.type === 'message_delta') {
            stopReason = event.delta.stop_reason ?? stopReason;
            // Counts in message_delta are cumulative for the whole message.
            outputTokens = event.usage.output_tokens;
            if (event.usage.input_tokens != null) {
              inputTokens =
                event.usage.input_tokens + (event.usage.cache_creation_input_tokens ?? 0) + (event.usage.cache_read_input_tokens ?? 0);
            }
          } else if (event.type === 'message_stop') {
            stopped = true;
          }
        }
      } catch (err) {
        if (request.signal.aborted) return;
        throw toProviderError(err, ctx, { timedOut: idle.timedOut, opened, received });
      } finally {
        idle.dispose();
      }
      if (request.signal.aborted) return;
      // The SDK ends its iteration quietly when its request is aborted, so a stall cut off by the
      // idle timer, or a connection closed early, shows only as a stream without message_stop.
      if (idle.timedOut) throw timeoutFailure(ctx, received);
      if (!stopped) throw streamCut(ctx);
      yield { type: 'finish', reason: finishReasonOf(stopReason, formatTool) };
      if (inputTokens !== undefined) yield { type: 'usage', promptTokens: inputTokens, completionTokens: outputTokens };
    },
  };
}

/** The system prompt and the turns as Anthropic takes them (see anthropicMessages). */
export function splitSystem(prompt: PromptMessage[]) {
  return anthropicMessages(prompt);
}

function toProviderError(err: unknown, ctx: FailureContext, state: { timedOut: boolean; opened: boolean; received: boolean }): ProviderError {
  if (err instanceof ProviderError) return err;
  if (state.timedOut || err instanceof Anthropic.APIConnectionTimeoutError) return timeoutFailure(ctx, state.received);
  if (err instanceof Anthropic.APIConnectionError) return networkFailure(ctx, err, state.opened);
  if (err instanceof Anthropic.APIError) {
    const said = err.apiMessage ?? undefined;
    if (err.status) return httpFailure(ctx, err.status, err.headers, said);
    // An `error` event inside the stream (overloaded, ...): the reply had begun.
    return streamErrorEvent(ctx, err.type ?? undefined, said);
  }
  // The SDK parses each event with JSON.parse and lets its SyntaxError through.
  if (err instanceof SyntaxError) return malformedChunk(ctx);
  return networkFailure(ctx, err, state.opened);
}
