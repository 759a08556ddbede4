import type { Message } from '../conversations/messages-service.ts';

export interface TurnUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** True when the provider gave no counts and they were estimated with a tokenizer. */
  estimated: boolean;
}

export interface Source {
  file_id: string;
  filename: string;
  page: number;
  snippet: string;
}

export type TurnEventBody =
  | { type: 'start'; conversationId: string; userMessage: Message; assistantMessage: Message }
  | { type: 'sources'; sources: Source[] }
  | { type: 'token'; text: string }
  | { type: 'done'; message: Message; usage: TurnUsage; costUsd: number }
  | {
      type: 'error';
      message: Message;
      usage: TurnUsage;
      costUsd: number;
      status: number;
      detail: string;
      /** The provider's Retry-After, when it rate limited the turn (status 429). */
      retryAfterSeconds?: number;
      afterTokens: boolean;
    };

export type TurnEvent = TurnEventBody & { seq: number };

export type StopReason = 'stop' | 'timeout' | 'shutdown' | 'deleted';

/** A turn's events from a point on, as a re-attaching client reads them (here or on another instance). */
export interface TurnFeed {
  subscribe(afterSeq?: number, signal?: AbortSignal): AsyncGenerator<TurnEvent>;
}

/**
 * One model turn in flight. Every event is kept until the turn ends, so a client can
 * (re)attach at any point and replay from the last event it saw.
 */
export class LiveTurn implements TurnFeed {
  readonly conversationId: string;
  readonly abort = new AbortController();
  private readonly events: TurnEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly taps = new Set<(event: TurnEvent) => void>();
  private finished = false;
  stopReason: StopReason | undefined;
  /**
   * The reply so far: every token appended as it is emitted. Read by the heartbeat, which
   * saves it while the turn streams, and by the final write.
   */
  text = '';
  /** Resolves when everything the turn does (final write, title) is done. */
  settled: Promise<void> = Promise.resolve();

  constructor(conversationId: string) {
    this.conversationId = conversationId;
  }

  get ended(): boolean {
    return this.finished;
  }

  emit(body: TurnEventBody): void {
    const event = { ...body, seq: this.events.length + 1 } as TurnEvent;
    this.events.push(event);
    if (body.type === 'token') this.text += body.text;
    if (body.type === 'done' || body.type === 'error') this.finished = true;
    for (const tap of this.taps) tap(event);
    for (const wake of this.waiters) wake();
  }

  /** Calls `listener` with each event as it is emitted (synchronously, in order). */
  onEvent(listener: (event: TurnEvent) => void): void {
    this.taps.add(listener);
  }

  /** Ends a turn that never started (its start failed): anyone waiting on its events stops waiting. */
  abandon(): void {
    this.finished = true;
    for (const wake of this.waiters) wake();
  }

  stop(reason: StopReason): void {
    if (this.finished || this.abort.signal.aborted) return;
    this.stopReason = reason;
    this.abort.abort(new Error(`turn ${reason}`));
  }

  /** Events after `afterSeq`, then live ones as they come, until the turn ends or `signal` aborts. */
  async *subscribe(afterSeq = 0, signal?: AbortSignal): AsyncGenerator<TurnEvent> {
    let next = afterSeq;
    while (true) {
      while (next < this.events.length) {
        const event = this.events[next++];
        yield event;
        if (event.type === 'done' || event.type === 'error') return;
      }
      if (this.finished || signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }
}
