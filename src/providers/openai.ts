import OpenAI from 'openai';
import { idleTimeout } from './idle-timeout.ts';
import { ProviderError, type Provider, type ProviderEvent, type ProviderRequest } from './types.ts';

/** Any OpenAI-compatible chat completions endpoint (OpenAI, Azure, OpenRouter, vLLM, Ollama, ...). */
export function openaiProvider(opts: { apiKey: string; baseUrl?: string; timeoutMs: number }): Provider {
  const client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseUrl, maxRetries: 0, timeout: opts.timeoutMs });
  return {
    name: 'openai',
    async *stream(request: ProviderRequest): AsyncIterable<ProviderEvent> {
      const idle = idleTimeout(request.signal, opts.timeoutMs);
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
        for await (const chunk of stream) {
          idle.touch();
          const text = chunk.choices[0]?.delta?.content;
          if (text) yield { type: 'text', text };
          if (chunk.usage) {
            yield {
              type: 'usage',
              promptTokens: chunk.usage.prompt_tokens,
              completionTokens: chunk.usage.completion_tokens,
            };
          }
        }
        // The SDK ends an aborted stream quietly: a stall cut off by the idle timer is still a failure.
        if (idle.timedOut) throw new ProviderError(`The model provider stopped responding for ${opts.timeoutMs} ms`);
      } catch (err) {
        if (err instanceof ProviderError) throw err;
        if (request.signal.aborted) return;
        throw toProviderError(err, idle.timedOut, opts.timeoutMs);
      } finally {
        idle.dispose();
      }
    },
  };
}

function toProviderError(err: unknown, timedOut: boolean, timeoutMs: number): ProviderError {
  if (timedOut || err instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProviderError(`The model provider did not respond within ${timeoutMs} ms`);
  }
  if (err instanceof OpenAI.APIError && err.status) {
    return new ProviderError(`The model provider answered ${err.status}: ${err.message}`, err.status);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError(`The model provider failed: ${message}`);
}
