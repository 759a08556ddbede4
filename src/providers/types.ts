export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ProviderRequest {
  /** The provider's own name for the model. */
  model: string;
  messages: PromptMessage[];
  temperature?: number;
  maxTokens?: number;
  signal: AbortSignal;
}

export type ProviderEvent =
  | { type: 'text'; text: string }
  | { type: 'usage'; promptTokens: number; completionTokens: number };

/** The seam every model sits behind: a stream of text deltas, then the provider's own usage if it gives one. */
export interface Provider {
  readonly name: string;
  stream(request: ProviderRequest): AsyncIterable<ProviderEvent>;
}

/** A provider call that failed: the upstream answered an error, timed out or dropped the connection. */
export class ProviderError extends Error {
  readonly upstreamStatus?: number;
  constructor(message: string, upstreamStatus?: number) {
    super(message);
    this.upstreamStatus = upstreamStatus;
  }
}
