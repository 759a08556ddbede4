/** One piece of a message's content: text, or an image given by http(s) URL or data URL. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image'; url: string; detail?: 'auto' | 'low' | 'high' };

/** A function call the model asked for; `arguments` is the JSON text the model wrote. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface PromptMessage {
  /** `tool` carries a tool's result back to the model (`toolCallId` says which call). */
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** The text; for a message with `parts`, its text parts joined. */
  content: string;
  /** Set when the content holds more than text (images); providers send these instead of `content`. */
  parts?: ContentPart[];
  /** On an assistant message: the calls it made. */
  toolCalls?: ToolCall[];
  /** On a tool message: the call it answers. */
  toolCallId?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };

/** Generation options beyond the basics, as OpenAI's Chat Completions names them. */
export interface CallOptions {
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  stop?: string[];
  seed?: number;
  topP?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  logitBias?: Record<string, number>;
  logprobs?: boolean;
  topLogprobs?: number;
  /** The end user, for the provider's abuse monitoring. */
  user?: string;
}

export interface ProviderRequest extends CallOptions {
  /** The provider's own name for the model. */
  model: string;
  messages: PromptMessage[];
  temperature?: number;
  maxTokens?: number;
  signal: AbortSignal;
  /**
   * The caller takes the reply whole (a non-streamed answer to its own client): a provider may ask
   * its upstream for one body instead of a stream, and still yields the same events. Not a
   * generation option, so it is not among the CallOptions a provider is asked to honour.
   */
  wholeReply?: boolean;
}

/** Why a reply ended, in OpenAI's words. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** One token's log probability, in OpenAI's shape (relayed as the upstream sent it). */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

export type ProviderEvent =
  | { type: 'text'; text: string; logprobs?: TokenLogprob[] }
  /** A piece of a tool call: the first piece of call `index` has its id and name, later ones more arguments. */
  | { type: 'tool_call'; index: number; id?: string; name?: string; arguments?: string }
  | { type: 'finish'; reason: FinishReason }
  | { type: 'usage'; promptTokens: number; completionTokens: number };

/** A request option the provider cannot honour, named as the OpenAI API names it. */
export interface Refusal {
  param: string;
  message: string;
}

/**
 * The seam every model sits behind: a stream of text deltas and tool call pieces, the reason
 * the reply ended, then the provider's own usage if it gives one.
 */
export interface Provider {
  readonly name: string;
  stream(request: ProviderRequest): AsyncIterable<ProviderEvent>;
  /**
   * The first option of the request this provider cannot honour; checked before the call so
   * nothing is silently dropped. Absent: the provider takes plain text turns only.
   */
  refuse?(request: Omit<ProviderRequest, 'signal'>): Refusal | undefined;
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
