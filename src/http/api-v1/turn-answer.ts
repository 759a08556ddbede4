import type { FastifyReply, FastifyRequest } from 'fastify';
import { waitForTurn } from '../../core/chat/chat-service.ts';
import type { LiveTurn } from '../../core/chat/live-turn.ts';
import { clientGone, openStream, safeWrite } from '../streaming/sse.ts';
import { presentTurnResult } from './presenters.ts';
import { turnEventToSse } from './turn-events.ts';

export const wantsStream = (request: FastifyRequest) => request.headers.accept?.toLowerCase().includes('text/event-stream') ?? false;

export const turnDescription =
  'When the request accepts `text/event-stream`, the turn is streamed as the re-attach stream (`GET /conversations/{id}/stream`) ' +
  'streams it: `start`, `sources`, `token`, `done` or `error`; stop and re-attach work on it as on any turn.';

/** A turn answered as JSON once it ends, or as an event stream while it runs. */
export async function answerTurn(request: FastifyRequest, reply: FastifyReply, turn: LiveTurn) {
  if (!wantsStream(request)) {
    const result = await waitForTurn(turn);
    return presentTurnResult(result);
  }
  const res = openStream(reply, 'text/event-stream; charset=utf-8');
  // A client that goes away stops only its own subscription; the turn runs on.
  const gone = clientGone(res);
  for await (const event of turn.subscribe(0, gone)) {
    if (!safeWrite(res, turnEventToSse(event))) break;
  }
  if (!res.writableEnded) res.end();
  return reply;
}
