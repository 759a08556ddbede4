import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { optionalAuth } from '../plugins/auth.ts';
import { clientGone, openStream, safeWrite } from '../streaming/sse.ts';
import { presentHistoryMessage, toChatEvent } from './presenters.ts';
import * as s from './schemas.ts';
import { streamFormatFor } from './stream-format.ts';

/**
 * Seed 001's chat: open to anonymous visitors of public assistants. A bearer credential, when
 * one is sent, must be valid (401 otherwise): a client whose token expired learns it, instead
 * of being served as a stranger and losing access to its own sessions.
 */
export const assistantChatRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', optionalAuth(core.authenticator));
  const tags = ['chat'];

  app.post(
    '/stream',
    {
      config: { modelCall: true },
      schema: {
        tags,
        summary: 'Chat with an assistant, streamed',
        description:
          'NDJSON (application/x-ndjson) by default, SSE when Accept includes text/event-stream. One JSON object per line/event: ' +
          '{"type":"start","session_id","message_id"}, {"type":"sources","sources"}, {"type":"token","content"}…, then ' +
          '{"type":"end","message_id","usage","cost_usd"} or {"type":"error","detail"}. The session id is also in X-Session-Id.',
        body: s.chatStreamBody,
        produces: ['application/x-ndjson', 'text/event-stream'],
        response: s.withErrors({ 200: z.string().describe('The event stream'), 400: s.detailSchema, 409: s.detailSchema }),
      },
    },
    async (request, reply) => {
      const { body } = request;
      const { sessionId, turn } = await core.assistantChat.start(request.actor, {
        assistantId: body.assistant_id,
        sessionId: body.session_id ?? undefined,
        message: body.message,
        language: body.language || undefined,
        history: s.normalizeHistory(body.history),
      });
      const format = streamFormatFor(request.headers.accept);
      const res = openStream(reply, format.contentType, { 'x-session-id': sessionId });
      // A client that goes away only stops this loop: the turn runs on and is saved.
      const gone = clientGone(res);
      for await (const event of turn.subscribe(0, gone)) {
        if (!safeWrite(res, format.encode(toChatEvent(event, sessionId), event.seq))) break;
      }
      if (!res.writableEnded) res.end();
    },
  );

  app.get(
    '/:session_id/history',
    {
      schema: {
        tags,
        summary: 'A session’s messages, oldest first (the latest 1000)',
        params: s.sessionParams,
        response: s.withErrors({ 200: s.historySchema }),
      },
    },
    async (request) => {
      const messages = await core.assistantChat.history(request.actor, request.params.session_id);
      return { messages: messages.map(presentHistoryMessage) };
    },
  );

  app.delete(
    '/:session_id',
    {
      schema: {
        tags,
        summary: 'Reset a session: delete its messages, keep the session',
        params: s.sessionParams,
        response: s.withErrors({ 200: s.messageOnlySchema }),
      },
    },
    async (request) => {
      await core.assistantChat.reset(request.actor, request.params.session_id);
      return { message: 'Conversation history reset successfully' };
    },
  );
};
