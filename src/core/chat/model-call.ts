import type { Db } from '../../db/client.ts';
import { usageEvents } from '../../db/schema.ts';
import { costUsd, type ResolvedModel } from '../../providers/catalog.ts';
import { ProviderError, type PromptMessage } from '../../providers/types.ts';
import type { Actor } from '../actor.ts';
import { AppError, errors } from '../errors.ts';
import { newId } from '../ids.ts';
import type { TurnUsage } from './live-turn.ts';
import { estimatePromptTokens, estimateTextTokens } from './token-estimate.ts';
import type { TurnGuard } from './turn-engine.ts';

export interface ModelCallRequest {
  actor: Actor | null;
  model: ResolvedModel;
  messages: PromptMessage[];
  kind: 'chat' | 'preview' | 'title';
  temperature?: number;
  maxTokens?: number;
  conversationId?: string;
  signal: AbortSignal;
}

export interface ModelCallResult {
  text: string;
  usage: TurnUsage;
  costUsd: number;
  /** True when the caller's signal ended the call early. */
  aborted: boolean;
}

/**
 * A model call outside a stored conversation turn (a prompt preview, a title, a stateless
 * completion): checked against the caller's budget first, its usage recorded in every case,
 * also when it fails or is aborted half way.
 */
export class ModelCalls {
  private readonly deps: { db: Db; guard?: TurnGuard };
  constructor(deps: { db: Db; guard?: TurnGuard }) {
    this.deps = deps;
  }

  /** Yields text deltas as they arrive; returns the whole text with its usage and cost. */
  async *stream(request: ModelCallRequest): AsyncGenerator<string, ModelCallResult> {
    const check = await this.deps.guard?.prepare(request.actor);
    check?.(estimatePromptTokens(request.messages));
    let text = '';
    let reported: { promptTokens: number; completionTokens: number } | undefined;
    let failure: AppError | undefined;
    try {
      const events = request.model.provider.stream({
        model: request.model.entry.upstream,
        messages: request.messages,
        temperature: request.temperature,
        maxTokens: request.maxTokens,
        signal: request.signal,
      });
      for await (const event of events) {
        if (event.type === 'usage') {
          reported = { promptTokens: event.promptTokens, completionTokens: event.completionTokens };
          continue;
        }
        if (request.signal.aborted) break;
        text += event.text;
        yield event.text;
      }
    } catch (err) {
      if (!request.signal.aborted) failure = toUpstreamError(err);
    }
    const usage: TurnUsage = reported
      ? { ...reported, totalTokens: reported.promptTokens + reported.completionTokens, estimated: false }
      : {
          promptTokens: estimatePromptTokens(request.messages),
          completionTokens: estimateTextTokens(text),
          totalTokens: 0,
          estimated: true,
        };
    usage.totalTokens = usage.promptTokens + usage.completionTokens;
    const cost = costUsd(request.model.entry, usage.promptTokens, usage.completionTokens);
    await this.deps.db.insert(usageEvents).values({
      id: newId(),
      userId: request.actor?.userId ?? null,
      conversationId: request.conversationId ?? null,
      kind: request.kind,
      model: request.model.entry.id,
      provider: request.model.entry.provider,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: cost,
      estimated: usage.estimated,
    });
    if (failure) throw failure;
    return { text, usage, costUsd: cost, aborted: request.signal.aborted };
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

/** A provider failure as the domain error every surface shows (502). */
export function toUpstreamError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ProviderError) return errors.upstream(err.message);
  return errors.upstream(`The model provider failed: ${(err as Error)?.message ?? String(err)}`);
}
