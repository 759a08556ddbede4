import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Actor } from '../core/actor.ts';
import type { LiveTurn, TurnEvent, TurnUsage } from '../core/chat/live-turn.ts';
import type { TurnEngine } from '../core/chat/turn-engine.ts';
import type { ConversationsService } from '../core/conversations/conversations-service.ts';
import type { Message } from '../core/conversations/messages-service.ts';
import { AppError, fromDatabaseError } from '../core/errors.ts';
import type { SocketMember } from './socket-hub.ts';

export interface ChatSocketDeps {
  conversations: Pick<ConversationsService, 'get'>;
  engine: Pick<TurnEngine, 'start' | 'stopAnywhere'>;
  /** Counts a turn against the caller's request limit; throws a 429 AppError when over it. */
  limits?: { hit(caller: { actor: Actor }): Promise<unknown> };
  presentMessage(message: Message): unknown;
  send(socket: WebSocket, frame: unknown): void;
  logError(err: unknown): void;
}

const messageFrame = z.object({
  type: z.literal('message'),
  content: z
    .string()
    .max(100_000)
    .refine((s) => s.trim().length > 0, 'must not be blank'),
  model: z.string().min(1).max(100).optional(),
});

/**
 * The client side of a session socket: `message` runs a turn through the turn engine and relays
 * it (`message`, `token`…, `done`), `stop` cancels the session's turn, `ping` answers `pong`.
 * A bad frame gets an `error` frame; the socket stays open.
 */
export class ChatSocketProtocol {
  private readonly deps: ChatSocketDeps;
  constructor(deps: ChatSocketDeps) {
    this.deps = deps;
  }

  handle(socket: WebSocket, member: SocketMember, text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.error(socket, 422, 'Frame is not valid JSON');
      return;
    }
    const type = typeof frame === 'object' && frame !== null ? (frame as { type?: unknown }).type : undefined;
    if (type === 'ping') {
      this.deps.send(socket, { type: 'pong' });
    } else if (type === 'stop') {
      // The turn may run on another instance; it is stopped there.
      void this.deps.engine
        .stopAnywhere(member.sessionId)
        .then((stopped) => {
          if (!stopped) this.error(socket, 409, 'No reply is being generated in this session');
        })
        .catch((err) => this.fail(socket, err));
    } else if (type === 'message') {
      const parsed = messageFrame.safeParse(frame);
      if (parsed.success) {
        void this.turn(socket, member, parsed.data).catch((err) => this.fail(socket, err));
      } else {
        const issue = parsed.error.issues[0];
        this.error(socket, 422, `${issue.path.join('.') || 'frame'}: ${issue.message}`);
      }
    } else {
      this.error(socket, 422, `Unknown frame type: ${JSON.stringify(type ?? null)}`);
    }
  }

  private async turn(socket: WebSocket, member: SocketMember, input: z.infer<typeof messageFrame>): Promise<void> {
    const { actor, sessionId } = member;
    let turn: LiveTurn;
    try {
      await this.deps.limits?.hit({ actor });
      // Read again: the session may have been deleted, or handed away, since the socket joined.
      const conversation = await this.deps.conversations.get(actor, sessionId);
      turn = await this.deps.engine.start({ actor, conversation, content: input.content, model: input.model });
    } catch (err) {
      this.fail(socket, err);
      return;
    }
    // Relaying stops when the socket goes; the turn itself runs to its end and is saved.
    const relay = new AbortController();
    member.relay = relay;
    try {
      for await (const event of turn.subscribe(0, relay.signal)) {
        const frame = this.frameOf(event);
        if (frame) this.deps.send(socket, frame);
      }
    } finally {
      if (member.relay === relay) member.relay = undefined;
    }
  }

  private frameOf(event: TurnEvent): unknown {
    const present = this.deps.presentMessage;
    switch (event.type) {
      case 'start':
        return { type: 'message', data: present(event.userMessage) };
      case 'sources':
        return { type: 'sources', sources: event.sources };
      case 'token':
        return { type: 'token', content: event.text };
      case 'done':
        return {
          type: 'done',
          data: present(event.message),
          usage: usageOf(event.usage),
          cost_usd: event.costUsd,
          status: event.message.status,
        };
      case 'error':
        return {
          type: 'error',
          detail: event.detail,
          code: event.status,
          data: present(event.message),
          usage: usageOf(event.usage),
          cost_usd: event.costUsd,
        };
    }
  }

  private fail(socket: WebSocket, err: unknown): void {
    const known = err instanceof AppError ? err : fromDatabaseError(err);
    if (known) {
      this.error(socket, known.status, known.message);
    } else {
      this.deps.logError(err);
      this.error(socket, 500, 'Internal Server Error');
    }
  }

  private error(socket: WebSocket, code: number, detail: string): void {
    this.deps.send(socket, { type: 'error', detail, code });
  }
}

const usageOf = (u: TurnUsage) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.totalTokens,
});
