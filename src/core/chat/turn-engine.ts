import type { Db } from '../../db/client.ts';
import { costUsd, type ModelRegistry, priceKnown, type ResolvedModel } from '../../providers/catalog.ts';
import type { CallOptions, FinishReason, PromptMessage, ToolCall } from '../../providers/types.ts';
import type { EventBus } from '../../realtime/event-bus.ts';
import type { Actor } from '../actor.ts';
import type { Conversation, ConversationRow } from '../conversations/conversations-service.ts';
import type { Message } from '../conversations/messages-service.ts';
import { type AppError, errors, REPLY_IN_FLIGHT } from '../errors.ts';
import type { BudgetHold, SpendGuard } from '../limits/budgets.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { TurnHeartbeat } from './heartbeat.ts';
import { reachedProvider, toUpstreamError, unchargedUsage } from './model-call.ts';
import { LiveTurn, type Source, type TurnFeed, type TurnUsage } from './live-turn.ts';
import { buildPrompt } from './prompt.ts';
import { estimatePromptTokens, estimateTextTokens } from './token-estimate.ts';
import type { TitleGenerator } from './titles.ts';
import { InProcessTurnRelay, type TurnRelay } from './turn-relay.ts';
import { toPrompt } from './transcript.ts';
import { type EarlierMessage, TurnStore } from './turn-store.ts';

export interface TurnRequest {
  /** Null for an anonymous visitor of a public assistant. */
  actor: Actor | null;
  /** Already authorized by the caller. */
  conversation: Conversation;
  content: string;
  /** This turn's model; the conversation's when absent. */
  model?: string;
  temperature?: number;
  maxTokens?: number;
  /** Tools, structured output, sampling options (the OpenAI surface), already checked against the provider. */
  options?: CallOptions;
  /** The new message as the model gets it, when it is more than `content` (images, a tool result). */
  final?: PromptMessage;
  /** Stored on the new message (`tool_call_id` of a tool result). */
  finalMetadata?: Record<string, unknown>;
  /**
   * A turn off the active path: a new reply to a stored user message (regenerate; `content` is
   * that message's), or a new user message under a given parent (edit). The model reads the path
   * above it; the new branch becomes the active one.
   */
  branch?: { kind: 'regenerate'; userMessage: Message } | { kind: 'edit'; parentId: string | null };
  /**
   * The conversation is not stored yet (`conversation` is its draft): it is stored with the
   * messages the client brought before this one (`earlier`, its whole history), the user message
   * and the reply in one statement, once the budgets have admitted the call.
   */
  create?: { row: ConversationRow; earlier: EarlierMessage[] };
}

/** Context from outside the conversation (document passages) added to a turn's prompt. */
export interface ContextSource {
  /** `stored` is false for a conversation whose first turn this is, not stored yet: it has no files of its own. */
  forTurn(conversation: Conversation, query: string, stored?: boolean): Promise<{ system?: string; sources: Source[] }>;
}

export interface TurnEngineDeps {
  db: Db;
  models: ModelRegistry;
  bus: EventBus;
  titles: TitleGenerator;
  turnTimeoutMs: number;
  /** How often live replies refresh their `updated_at`, so recovery can tell them from dead ones. */
  heartbeatMs?: number;
  /** This process's INSTANCE_ID, recorded on the replies it runs so its restart recovers them at once. */
  instanceId?: string;
  context?: ContextSource;
  guard?: SpendGuard;
  metrics?: Pick<Metrics, 'turnFinished' | 'usageRecorded'>;
  /** Shares turns with other instances (Redis); in-process by default. */
  relay?: TurnRelay;
}

/**
 * The one place a conversation turn runs, for every surface: the user message is committed
 * before the model is called, tokens are forwarded as they arrive, and the reply is finished
 * with its usage and cost in one write. A turn runs to its end even if its client goes away.
 */
export class TurnEngine {
  private readonly deps: TurnEngineDeps;
  private readonly live = new Map<string, LiveTurn>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly heartbeat: TurnHeartbeat;
  private readonly store: TurnStore;
  private readonly relay: TurnRelay;

  constructor(deps: TurnEngineDeps) {
    this.deps = deps;
    this.heartbeat = new TurnHeartbeat({ db: deps.db, intervalMs: deps.heartbeatMs ?? 15_000 });
    this.store = new TurnStore(deps.db, deps.instanceId ?? null);
    this.relay = deps.relay ?? new InProcessTurnRelay();
    this.relay.bind({ stop: (conversationId) => this.stopHere(conversationId), reply: (id) => this.store.reply(id) });
  }

  /** The assistant messages this process is streaming: recovery must leave them alone. */
  liveMessageIds(): string[] {
    return this.heartbeat.live;
  }

  /** Turns running on this instance, from their reservation to the release of their conversation. */
  get turnsInFlight(): number {
    return this.live.size;
  }

  /** The turn in flight in a conversation, if any. */
  inFlight(conversationId: string): LiveTurn | undefined {
    return this.live.get(conversationId);
  }

  /**
   * Commits the user message and a `streaming` assistant message, then runs the model in
   * the background. Resolves with the live turn once both messages are stored.
   */
  async start(request: TurnRequest): Promise<LiveTurn> {
    const { conversation } = request;
    const model = this.deps.models.resolve(request.model ?? conversation.model);
    if (this.live.has(conversation.id)) {
      throw errors.conflict(REPLY_IN_FLIGHT);
    }
    // Reserved before the first await, so two requests racing for one conversation cannot both start.
    const turn = new LiveTurn(conversation.id);
    this.live.set(conversation.id, turn);
    this.relay.publish(turn);
    const unfollow = this.followDeletion(turn);
    let hold: BudgetHold | undefined;
    try {
      const { create, branch } = request;
      // Independent reads, so they overlap on a database server. A new conversation's history
      // is what the client brought: nothing to read.
      const [history, context] = await Promise.all([
        create
          ? toPrompt(create.earlier)
          : !branch
            ? this.store.history(conversation.id)
            : this.store.historyTo(branch.kind === 'edit' ? branch.parentId : branch.userMessage.parentId),
        this.deps.context?.forTurn(conversation, request.content, !create),
      ]);
      const prompt = buildPrompt({
        systemPrompt: conversation.systemPrompt,
        language: conversation.language,
        context: context?.system,
        history,
        userContent: request.content,
      });
      if (request.final) prompt[prompt.length - 1] = request.final;
      // Held before anything is stored: a call the budgets refuse leaves no trace.
      hold = await this.deps.guard?.hold(request.actor, {
        model,
        promptTokens: estimatePromptTokens(prompt),
        maxTokens: request.maxTokens ?? conversation.maxTokens,
      });
      let earlierMessages: Message[] = [];
      let started: { userMessage: Message; assistantMessage: Message };
      if (create) {
        ({ earlierMessages, ...started } = await this.store.commitNew(create.row, create.earlier, request.content, model, request.finalMetadata));
      } else if (branch?.kind === 'regenerate') {
        started = { userMessage: branch.userMessage, assistantMessage: await this.store.commitReply(conversation.id, branch.userMessage, model) };
      } else {
        started = await this.store.commitStart(conversation.id, request.content, model, request.finalMetadata, branch);
      }
      const { userMessage, assistantMessage } = started;
      this.heartbeat.add(assistantMessage.id, turn);
      for (const message of earlierMessages) this.deps.bus.publish({ sessionId: conversation.id, event: 'message.created', data: message });
      if (branch?.kind !== 'regenerate') this.deps.bus.publish({ sessionId: conversation.id, event: 'message.created', data: userMessage });
      turn.emit({ type: 'start', conversationId: conversation.id, userMessage, assistantMessage });
      if (context?.sources.length) turn.emit({ type: 'sources', sources: context.sources });
      const run = this.run(turn, request, model, prompt, assistantMessage, context?.sources ?? [], hold);
      turn.settled = run;
      this.running.add(run);
      void run.finally(() => {
        this.running.delete(run);
        unfollow();
      });
      return turn;
    } catch (err) {
      this.live.delete(conversation.id);
      turn.abandon();
      unfollow();
      await hold?.release();
      throw err;
    }
  }

  /** Stops the conversation's turn in flight on this instance; false when there is none here. */
  stop(conversationId: string): boolean {
    const turn = this.live.get(conversationId);
    if (!turn) return false;
    turn.stop('stop');
    return true;
  }

  /**
   * Stops the conversation's turn wherever it runs, resolving once its reply is saved; false
   * when no reply is being written.
   */
  async stopAnywhere(conversationId: string): Promise<boolean> {
    if (await this.stopHere(conversationId)) return true;
    // Another instance may run it: ask only when the database says a reply is being written
    // there. One recorded as this instance's but not live here was cut short (recovery marks it).
    const reply = await this.store.streamingReply(conversationId);
    if (!reply || (reply.instanceId !== null && reply.instanceId === this.deps.instanceId)) return false;
    return this.relay.requestStop(conversationId);
  }

  /** The conversation's turn to re-attach to: this instance's, or one another instance runs. */
  async follow(conversationId: string): Promise<TurnFeed | undefined> {
    const here = this.live.get(conversationId);
    if (here) return here;
    const there = await this.relay.follow(conversationId);
    if (there || !(await this.store.streamingReply(conversationId))) return there;
    // A reply stored a moment ago whose first event is still on its way to the relay.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return this.relay.follow(conversationId);
  }

  /** Stops this instance's turn and resolves once its reply is saved (its last event sent). */
  private async stopHere(conversationId: string): Promise<boolean> {
    const turn = this.live.get(conversationId);
    if (!turn) return false;
    turn.stop('stop');
    for await (const _ of turn.subscribe()) {
      // Drained up to the turn's last event, which follows its final write.
    }
    return true;
  }

  /**
   * A conversation deleted while its turn runs (through any surface, on any instance: deletion is
   * published on the bus) stops the turn: the provider request is aborted and the reply is not
   * saved as `complete` into the deleted conversation.
   */
  private followDeletion(turn: LiveTurn): () => void {
    return this.deps.bus.subscribe(turn.conversationId, (event) => {
      if (event.event === 'session.deleted') turn.stop('deleted');
    });
  }

  /** Stops every turn in flight and waits until each has saved what it had. */
  async drain(): Promise<void> {
    for (const turn of this.live.values()) turn.stop('shutdown');
    await Promise.allSettled([...this.running]);
  }

  private async run(
    turn: LiveTurn,
    request: TurnRequest,
    model: ResolvedModel,
    prompt: PromptMessage[],
    placeholder: Message,
    sources: Source[],
    hold: BudgetHold | undefined,
  ): Promise<void> {
    const started = performance.now();
    const timeout = setTimeout(() => turn.stop('timeout'), this.deps.turnTimeoutMs);
    let ttftMs: number | null = null;
    let reported: { promptTokens: number; completionTokens: number } | undefined;
    let failure: AppError | undefined;
    // Tool calls are kept whole in the reply's metadata, so an agent loop can continue later.
    const toolCalls: ToolCall[] = [];
    let finish: FinishReason | undefined;
    try {
      const stream = model.provider.stream({
        ...request.options,
        model: model.entry.upstream,
        messages: prompt,
        temperature: request.temperature ?? request.conversation.temperature ?? undefined,
        maxTokens: request.maxTokens ?? request.conversation.maxTokens ?? undefined,
        signal: turn.abort.signal,
      });
      for await (const event of stream) {
        if (event.type === 'usage') {
          reported = { promptTokens: event.promptTokens, completionTokens: event.completionTokens };
          continue;
        }
        if (turn.abort.signal.aborted) break;
        if (event.type === 'finish') finish = event.reason;
        if (event.type === 'tool_call') {
          toolCalls[event.index] ??= { id: '', name: '', arguments: '' };
          const call = toolCalls[event.index];
          if (event.id) call.id = event.id;
          if (event.name) call.name += event.name;
          if (event.arguments) call.arguments += event.arguments;
        }
        if (event.type !== 'text') continue;
        // The database cannot store U+0000: a reply carrying one would fail its final write.
        // Dropped here, so what the client receives is exactly what is stored.
        const text = event.text.includes('\u0000') ? event.text.replaceAll('\u0000', '') : event.text;
        if (!text) continue;
        if (ttftMs === null) ttftMs = Math.round(performance.now() - started);
        // Appended to the turn's text, which the heartbeat saves while the turn streams.
        turn.emit({ type: 'token', text });
      }
    } catch (err) {
      if (!turn.abort.signal.aborted) failure = toUpstreamError(err);
    } finally {
      clearTimeout(timeout);
    }
    const content = turn.text;

    // A call that never reached the provider ran no model: its usage event records zero tokens.
    const usage: TurnUsage = !reachedProvider(failure)
      ? unchargedUsage()
      : reported
        ? { ...reported, totalTokens: reported.promptTokens + reported.completionTokens, estimated: false }
        : estimateUsage(prompt, content);
    const cost = costUsd(model.entry, usage.promptTokens, usage.completionTokens);
    const status = failure ? 'error' : turn.stopReason ? 'incomplete' : 'complete';
    this.deps.metrics?.turnFinished({
      model: model.entry.id,
      status,
      ttftSeconds: ttftMs === null ? null : ttftMs / 1000,
      seconds: (performance.now() - started) / 1000,
    });
    const metadata: Record<string, unknown> = { ...placeholder.metadata };
    if (sources.length) metadata.sources = sources;
    if (usage.estimated) metadata.usage_estimated = true;
    // No price in the catalog: charged 0, and the reply says so rather than claiming it was free.
    if (!priceKnown(model.entry)) metadata.cost_unknown = true;
    if (failure) metadata.error = failure.message;
    if (turn.stopReason) metadata.stop_reason = turn.stopReason;
    const calls = toolCalls.filter(Boolean);
    if (calls.length) metadata.tool_calls = calls;
    if (finish && finish !== 'stop') metadata.finish_reason = finish;

    try {
      const message = await this.store.commitEnd({
        conversationId: turn.conversationId,
        actor: request.actor,
        placeholder,
        model,
        content,
        status,
        usage,
        cost,
        ttftMs,
        metadata,
        holdId: hold?.id ?? undefined,
      });
      // The usage is recorded and the hold released with it, in that one statement (before the
      // title, which holds its own). Were the final write refused, the hold would stay until it
      // expires: the reply's cost is unknown.
      hold?.released();
      this.deps.metrics?.usageRecorded({
        model: model.entry.id,
        provider: model.entry.provider,
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        costUsd: cost,
      });
      this.deps.bus.publish({ sessionId: turn.conversationId, event: 'message.created', data: message });
      if (failure) {
        turn.emit({
          type: 'error',
          message,
          usage,
          costUsd: cost,
          status: failure.status,
          detail: failure.message,
          retryAfterSeconds: typeof failure.details?.retryAfterSeconds === 'number' ? failure.details.retryAfterSeconds : undefined,
          afterTokens: content.length > 0,
        });
      } else {
        turn.emit({ type: 'done', message, usage, costUsd: cost });
      }
      this.release(turn);
      if (status === 'complete' && !request.conversation.title) {
        await this.deps.titles.generate(request.actor, request.conversation, request.content, model).catch(() => {});
      }
    } catch (err) {
      // The database refused the final write: the message stays `streaming` and is
      // recovered as `incomplete` at the next start; the client still hears why.
      turn.emit({
        type: 'error',
        message: { ...placeholder, content, status: 'error' },
        usage,
        costUsd: cost,
        status: 500,
        detail: `The reply could not be saved: ${(err as Error).message}`,
        afterTokens: content.length > 0,
      });
    } finally {
      this.heartbeat.delete(placeholder.id);
      this.release(turn);
    }
  }

  private release(turn: LiveTurn): void {
    if (this.live.get(turn.conversationId) === turn) this.live.delete(turn.conversationId);
  }
}

export function estimateUsage(prompt: PromptMessage[], completion: string): TurnUsage {
  const promptTokens = estimatePromptTokens(prompt);
  const completionTokens = estimateTextTokens(completion);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, estimated: true };
}

