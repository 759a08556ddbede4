import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { bearerOrAnonymous } from '../openapi/document.ts';
import { TAG } from '../openapi/tags.ts';
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
  const tags = [TAG.assistantChat];
  // Anonymous visitors may chat with public assistants; a token, when sent, must be valid.
  const security = bearerOrAnonymous;

  app.post(
    '/stream',
    {
      config: { modelCall: true },
      schema: {
        tags,
        operationId: 'streamAssistantChat',
        summary: 'Chat with an assistant (streamed)',
        description:
          'Sends a message to an assistant in a session (a new one when `session_id` is absent) and streams the reply. ' +
          'Public assistants take anonymous visitors; others need a signed-in user. NDJSON (application/x-ndjson) by default, SSE when Accept includes text/event-stream. One JSON object per line/event: ' +
          '{"type":"start","session_id","message_id"}, {"type":"sources","sources"}, {"type":"token","content"}…, then ' +
          '{"type":"end","message_id","usage","cost_usd"} or {"type":"error","detail"}. The session id is also in X-Session-Id.',
        security,
        body: s.chatStreamBody,
        produces: ['application/x-ndjson', 'text/event-stream'],
        response: s.withErrors({
          200: z.string().describe('The reply’s events, one JSON object per line (or per server-sent event)'),
          400: s.detailSchema.describe('The assistant’s model is not available'),
          409: s.detailSchema.describe('A reply is already being written in this session'),
        }),
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
        operationId: 'getAssistantChatHistory',
        summary: 'Get a session’s history',
        description: 'The session’s latest 1000 messages, oldest first, to whoever may chat in it (anonymous sessions included).',
        security,
        params: s.sessionParams,
        response: s.withErrors({ 200: s.historySchema.describe('The messages, oldest first') }),
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
        operationId: 'resetAssistantChat',
        summary: 'Reset a session',
        description: 'Deletes the session’s messages and keeps the session, so the next message starts afresh.',
        security,
        params: s.sessionParams,
        response: s.withErrors({ 200: s.messageOnlySchema.describe('The history is reset') }),
      },
    },
    async (request) => {
      await core.assistantChat.reset(request.actor, request.params.session_id);
      return { message: 'Conversation history reset successfully' };
    },
  );
};
