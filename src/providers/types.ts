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

/** Why a provider call failed, for operators (logs, metrics) and for the status a client gets. */
export type ProviderErrorKind =
  /** Nothing listens at the provider's address. */
  | 'connection_refused'
  /** The provider's host name does not resolve. */
  | 'dns'
  /** The TLS handshake failed (untrusted or invalid certificate, protocol mismatch). */
  | 'tls'
  /** No route to the provider's host. */
  | 'unreachable'
  /** The connection was cut before the provider answered. */
  | 'connection'
  /** The provider sent nothing for the idle timeout. */
  | 'timeout'
  /** The provider refused its API key (401, 403). */
  | 'auth'
  /** The provider is rate limiting (429). */
  | 'rate_limited'
  /** The provider failed (5xx, or an error event mid-stream saying so). */
  | 'upstream_5xx'
  /** The provider refused the request itself (another 4xx: unknown model, request too large...). */
  | 'rejected'
  /** The provider sent an error event of another kind mid-stream. */
  | 'upstream_error'
  /** The stream could not be read: an invalid chunk, or it ended before the reply did. */
  | 'bad_response';

/** Kinds where the request never reached the provider: no model ran, so nothing can have been charged. */
const NEVER_REACHED: ReadonlySet<ProviderErrorKind> = new Set(['connection_refused', 'dns', 'tls', 'unreachable']);

/** A provider call that failed: the upstream answered an error, timed out or dropped the connection. */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  /** The provider's name (`openai`, `anthropic`). */
  readonly provider: string;
  readonly upstreamStatus?: number;
  /** From the provider's Retry-After, when it rate limits. */
  readonly retryAfterSeconds?: number;

  constructor(
    message: string,
    opts: { kind: ProviderErrorKind; provider: string; upstreamStatus?: number; retryAfterSeconds?: number },
  ) {
    super(message);
    this.name = 'ProviderError';
    this.kind = opts.kind;
    this.provider = opts.provider;
    this.upstreamStatus = opts.upstreamStatus;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  /** False when the request never reached the provider (refused, unresolved, TLS refused). */
  get reached(): boolean {
    return !NEVER_REACHED.has(this.kind);
  }
}
