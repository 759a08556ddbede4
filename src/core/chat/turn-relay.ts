import type { Message } from '../conversations/messages-service.ts';
import type { LiveTurn, TurnFeed } from './live-turn.ts';

/** What the relay asks of the engine on this instance. */
export interface TurnRelayHooks {
  /** Stops this instance's turn in the conversation, resolving once its reply is saved; false when none runs here. */
  stop(conversationId: string): Promise<boolean>;
  /** The stored reply, to end a followed turn whose instance died before its last event. */
  reply(messageId: string): Promise<Message | undefined>;
}

/**
 * Turns seen from every instance: a turn's events are mirrored where other instances can
 * follow them, and a stop asked of any instance reaches the one running the turn. The
 * in-process relay (one instance, no Redis) has nothing to share.
 */
export interface TurnRelay {
  bind(hooks: TurnRelayHooks): void;
  /** Mirrors the turn's events, from its first, for other instances to follow. */
  publish(turn: LiveTurn): void;
  /** The turn another instance runs (or just ran) in the conversation, if its events can be followed. */
  follow(conversationId: string): Promise<TurnFeed | undefined>;
  /** Asks the instance running the conversation's turn to stop it; whether a turn was stopped. */
  requestStop(conversationId: string): Promise<boolean>;
  close(): Promise<void>;
}

export class InProcessTurnRelay implements TurnRelay {
  bind(): void {}
  publish(): void {}
  async follow(): Promise<undefined> {
    return undefined;
  }
  async requestStop(): Promise<boolean> {
    return false;
  }
  async close(): Promise<void> {}
}
