import type { FastifyReply } from 'fastify';
import type { LiveTurn } from '../../core/chat/live-turn.ts';
import { clientGone, openStream, safeWrite, sseEvent } from '../streaming/sse.ts';

/**
 * Seed 002's stream: one `data: <token>` event per token as it arrives, then `data: [DONE]`.
 * A failure is an `event: error` whose data is `{"detail": ...}`, still followed by
 * `data: [DONE]`, so clients that only watch for [DONE] end cleanly. A client that goes
 * away stops the writing, not the turn: it runs on and is saved.
 */
export async function writeTokenStream(reply: FastifyReply, sessionId: string, turn: LiveTurn): Promise<void> {
  const res = openStream(reply, 'text/event-stream; charset=utf-8', { 'x-session-id': sessionId });
  const gone = clientGone(res);
  try {
    for await (const event of turn.subscribe(0, gone)) {
      if (event.type === 'token') safeWrite(res, sseEvent(event.text));
      else if (event.type === 'error') safeWrite(res, sseEvent(JSON.stringify({ detail: event.detail }), { event: 'error' }));
    }
    safeWrite(res, sseEvent('[DONE]'));
  } finally {
    if (!res.writableEnded) res.end();
  }
}
