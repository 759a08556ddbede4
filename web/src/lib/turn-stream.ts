import { ApiError } from './api.ts';
import { readSse, type SseEvent } from './sse.ts';
import type { Message, Source } from './types.ts';

export interface TurnUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What a turn's events have said so far. */
export interface TurnState {
  /** `connecting` until `start`; `done` and `error` are final. */
  phase: 'connecting' | 'streaming' | 'done' | 'error';
  userMessage?: Message;
  /** The reply: the `streaming` placeholder from `start`, then the stored one from `done`/`error`. */
  assistant?: Message;
  /** The reply's text so far. */
  text: string;
  sources: Source[];
  /** The id of the last numbered event, for Last-Event-ID when re-attaching. */
  lastEventId?: string;
  /** Why the turn failed: the `error` event's detail, or the connection's. */
  error?: string;
  usage?: TurnUsage;
  costUsd?: number;
}

export const initialTurnState = (): TurnState => ({ phase: 'connecting', text: '', sources: [] });

export const isFinished = (state: TurnState) => state.phase === 'done' || state.phase === 'error';

/** The state after one event of the stream (unknown events and unreadable data change nothing). */
export function applyTurnEvent(state: TurnState, event: SseEvent): TurnState {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(event.data);
  } catch {
    return state;
  }
  if (!data || typeof data !== 'object') return state;
  const lastEventId = event.id ?? state.lastEventId;
  switch (event.event) {
    case 'start': {
      const assistant = data.assistant_message as Message | undefined;
      // A stream replayed from its beginning starts over.
      return {
        ...state,
        phase: 'streaming',
        lastEventId,
        userMessage: data.user_message as Message | undefined,
        assistant,
        text: assistant?.content ?? '',
        sources: [],
      };
    }
    case 'sources':
      return { ...state, lastEventId, sources: Array.isArray(data.sources) ? (data.sources as Source[]) : [] };
    case 'token':
      return {
        ...state,
        phase: 'streaming',
        lastEventId,
        text: state.text + (typeof data.content === 'string' ? data.content : ''),
      };
    case 'done': {
      const message = (data.message as Message | null | undefined) ?? undefined;
      return {
        ...state,
        phase: 'done',
        lastEventId,
        assistant: message ?? state.assistant,
        text: message?.content ?? state.text,
        sources: message?.metadata?.sources ?? state.sources,
        usage: data.usage as TurnUsage | undefined,
        costUsd: typeof data.cost_usd === 'number' ? data.cost_usd : undefined,
      };
    }
    case 'error': {
      const message = (data.message as Message | null | undefined) ?? undefined;
      return {
        ...state,
        phase: 'error',
        lastEventId,
        assistant: message ?? state.assistant,
        text: message?.content ?? state.text,
        error: typeof data.detail === 'string' ? data.detail : 'The reply failed',
      };
    }
    default:
      return state;
  }
}

export interface FollowTurnOptions {
  /** Starts the turn (send, regenerate, edit) or re-attaches to one: a response with an event stream. */
  open: () => Promise<Response>;
  /** Re-attaches after a dropped connection, replaying after the given event. */
  reattach: (lastEventId: string | undefined) => Promise<Response>;
  /** Called with every new state. */
  onState: (state: TurnState) => void;
  signal?: AbortSignal;
  /** How many times a dropped stream is re-attached before the turn is reported lost. */
  retries?: number;
  /** Waits before each re-attach (milliseconds, growing with each try). */
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const CONNECTION_LOST = 'The connection was lost while the reply was being written';

/**
 * Reads a turn's event stream to its end. A stream that ends before `done` or `error` (a
 * dropped connection) is re-attached from the last event seen, up to `retries` times; then the
 * state ends as an `error` saying so. A failure of `open` itself (the request refused) is thrown:
 * nothing was started. Aborting `signal` stops reading and answers the state so far.
 */
export async function followTurn(opts: FollowTurnOptions): Promise<TurnState> {
  const retries = opts.retries ?? 2;
  const delay = opts.retryDelayMs ?? 500;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let state = initialTurnState();
  const update = (next: TurnState) => {
    if (next === state) return;
    state = next;
    opts.onState(state);
  };

  let response: Response | undefined = await opts.open();
  for (let attempt = 0; ; attempt++) {
    if (response?.body) {
      try {
        for await (const event of readSse(response.body)) {
          update(applyTurnEvent(state, event));
          if (isFinished(state)) return state;
        }
      } catch (err) {
        if (opts.signal?.aborted) return state;
        // A dropped connection: re-attached below.
        void err;
      }
    }
    if (opts.signal?.aborted) return state;
    if (attempt >= retries) {
      update({ ...state, phase: 'error', error: CONNECTION_LOST });
      return state;
    }
    await sleep(delay * (attempt + 1));
    if (opts.signal?.aborted) return state;
    try {
      response = await opts.reattach(state.lastEventId);
    } catch (err) {
      if (opts.signal?.aborted || (err as Error).name === 'AbortError') return state;
      // The conversation is gone or access ended: no point trying again.
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
        update({ ...state, phase: 'error', error: err.message });
        return state;
      }
      response = undefined;
    }
  }
}
