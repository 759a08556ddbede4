import type { Db } from '../../db/client.ts';
import { costUsd, type ResolvedModel } from '../../providers/catalog.ts';
import { type CallOptions, type PromptMessage, ProviderError, type ProviderEvent } from '../../providers/types.ts';
import type { Actor } from '../actor.ts';
import { AppError, errors } from '../errors.ts';
import { newId } from '../ids.ts';
import { type BudgetHold, recordUsage, type SpendGuard } from '../limits/budgets.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { TurnUsage } from './live-turn.ts';
import { estimatePromptTokens, estimateTextTokens } from './token-estimate.ts';

export interface ModelCallRequest {
  actor: Actor | null;
  model: ResolvedModel;
  messages: PromptMessage[];
  kind: 'chat' | 'preview' | 'title';
  temperature?: number;
  maxTokens?: number;
  /** Tools, structured output, sampling options: already checked against the provider. */
  options?: CallOptions;
  conversationId?: string;
  signal: AbortSignal;
  /** The caller takes the reply whole: the provider may ask for one body instead of a stream. */
  wholeReply?: boolean;
}

/** What a model call streams: text (with its log probabilities), tool call pieces, the finish. */
export type CallEvent = Exclude<ProviderEvent, { type: 'usage' }>;

export interface ModelCallResult {
  text: string;
  usage: TurnUsage;
  costUsd: number;
  /** True when the caller's signal ended the call early. */
  aborted: boolean;
}

interface ModelCallsDeps {
  db: Db;
  guard?: SpendGuard;
  metrics?: Pick<Metrics, 'turnFinished' | 'usageRecorded'>;
}

/**
 * A model call outside a stored conversation turn (a prompt preview, a title, a stateless
 * completion): held against the caller's budgets first, its usage recorded in every case,
 * also when it fails or is aborted half way.
 */
export class ModelCalls {
  private readonly deps: ModelCallsDeps;
  constructor(deps: ModelCallsDeps) {
    this.deps = deps;
  }

  /** Yields the reply's events as they arrive; returns the whole text with its usage and cost. */
  async *stream(request: ModelCallRequest): AsyncGenerator<CallEvent, ModelCallResult> {
    // Held before the provider is called, released by the statement that records the usage;
    // here only if the call ends without recording it (its consumer stopped, the write failed).
    const hold = await this.deps.guard?.hold(request.actor, {
      model: request.model,
      promptTokens: estimatePromptTokens(request.messages),
      maxTokens: request.maxTokens,
    });
    try {
      return yield* this.call(request, hold);
    } finally {
      await hold?.release();
    }
  }

  private async *call(request: ModelCallRequest, hold: BudgetHold | undefined): AsyncGenerator<CallEvent, ModelCallResult> {
    let text = '';
    let reported: { promptTokens: number; completionTokens: number } | undefined;
    let failure: AppError | undefined;
    const started = performance.now();
    let firstEventAt: number | undefined;
    try {
      const events = request.model.provider.stream({
        ...request.options,
        model: request.model.entry.upstream,
        messages: request.messages,
        temperature: request.temperature,
        maxTokens: request.maxTokens,
        signal: request.signal,
        wholeReply: request.wholeReply,
      });
      for await (const event of events) {
        if (event.type === 'usage') {
          reported = { promptTokens: event.promptTokens, completionTokens: event.completionTokens };
          continue;
        }
        if (request.signal.aborted) break;
        firstEventAt ??= performance.now();
        if (event.type === 'text') text += event.text;
        yield event;
      }
    } catch (err) {
      if (!request.signal.aborted) failure = toUpstreamError(err);
    }
    // A call that never reached the provider ran no model: it is recorded, but with nothing to pay.
    const usage: TurnUsage = !reachedProvider(failure)
      ? unchargedUsage()
      : reported
        ? { ...reported, totalTokens: reported.promptTokens + reported.completionTokens, estimated: false }
        : {
            promptTokens: estimatePromptTokens(request.messages),
            completionTokens: estimateTextTokens(text),
            totalTokens: 0,
            estimated: true,
          };
    usage.totalTokens = usage.promptTokens + usage.completionTokens;
    const cost = costUsd(request.model.entry, usage.promptTokens, usage.completionTokens);
    await recordUsage(this.deps.db, {
      id: newId(),
      userId: request.actor?.userId ?? null,
      apiKeyId: request.actor?.apiKeyId ?? null,
      conversationId: request.conversationId ?? null,
      kind: request.kind,
      model: request.model.entry.id,
      provider: request.model.entry.provider,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: cost,
      estimated: usage.estimated,
    }, hold);
    this.observe(request, { usage, cost, failure, started, firstEventAt });
    if (failure) throw failure;
    return { text, usage, costUsd: cost, aborted: request.signal.aborted };
  }

  /** The call's usage for /metrics; a stateless completion also as a turn (its timings and outcome). */
  private observe(
    request: ModelCallRequest,
    call: { usage: TurnUsage; cost: number; failure?: AppError; started: number; firstEventAt?: number },
  ): void {
    const metrics = this.deps.metrics;
    if (!metrics) return;
    const { usage, failure, started, firstEventAt } = call;
    const { id: model, provider } = request.model.entry;
    // A stateless completion is a turn to its client; previews and titles only count their usage.
    if (request.kind === 'chat') {
      metrics.turnFinished({
        model,
        status: failure ? 'error' : request.signal.aborted ? 'incomplete' : 'complete',
        ttftSeconds: firstEventAt === undefined ? null : (firstEventAt - started) / 1000,
        seconds: (performance.now() - started) / 1000,
      });
    }
    metrics.usageRecorded({ model, provider, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, costUsd: call.cost });
  }

  /** The whole reply at once. */
  async complete(request: ModelCallRequest): Promise<ModelCallResult> {
    const stream = this.stream(request);
    while (true) {
      const next = await stream.next();
      if (next.done) return next.value;
    }
  }
}

/**
 * A provider failure as the domain error every surface shows: the provider's 429 is passed on
 * as a 429 with its Retry-After, any other failure is a 502. The details say whether the request
 * reached the provider at all, which decides whether it is charged.
 */
export function toUpstreamError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ProviderError) {
    if (err.kind === 'rate_limited') return errors.upstreamRateLimited(err.message, err.retryAfterSeconds);
    return new AppError('upstream', err.message, { provider: err.provider, kind: err.kind, reached: err.reached });
  }
  return errors.upstream(`The model provider failed: ${(err as Error)?.message ?? String(err)}`);
}

/** False only for a failure known to have never reached the provider (refused, unresolved, TLS). */
export function reachedProvider(failure: AppError | undefined): boolean {
  return failure?.details?.reached !== false;
}

/** The usage of a call that reached no provider: zero tokens, and counted, not estimated. */
export function unchargedUsage(): TurnUsage {
  return { promptTokens: 0, completionTokens: 0, totalTokens: 0, estimated: false };
}

/**
 * The error a non-streamed surface answers for a turn that failed, from its error event:
 * the same status whether or not tokens had arrived (the partial reply is stored as `error`).
 */
export function turnFailureError(event: { status: number; detail: string; retryAfterSeconds?: number }): AppError {
  if (event.status === 429) return errors.upstreamRateLimited(event.detail, event.retryAfterSeconds);
  if (event.status === 502) return errors.upstream(event.detail);
  return new AppError('unavailable', event.detail);
}
