import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { chatV1ErrorHandler } from './errors.ts';
import { presentCompletion, presentSession, presentSwitch } from './presenters.ts';
import * as s from './schemas.ts';
import { writeTokenStream } from './token-stream.ts';

/** Seed 002's chat surface under /v1/chat: stream, switch-model, history, delete. */
export const chatV1Routes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.setErrorHandler(chatV1ErrorHandler);
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = ['chat (seed 002)'];

  app.post(
    '/stream',
    {
      config: { modelCall: true },
      schema: {
        tags,
        summary: 'Send the chat and stream the reply',
        description:
          'With `stream: true` (the default) the reply is `text/event-stream`: one `data: <token>` event per token ' +
          '(a token with line breaks spans several `data:` lines), then `data: [DONE]`; a failure is an ' +
          '`event: error` with `data: {"detail": ...}` before `[DONE]`. The session id is in `X-Session-Id`.',
        body: s.streamBody,
        response: s.withErrors({ 200: s.completionSchema, 409: s.detailSchema, 502: s.detailSchema }),
      },
    },
    async (request, reply) => {
      const body = request.body;
      const input = {
        sessionId: body.session_id ?? undefined,
        model: body.model ?? undefined,
        messages: body.messages,
        temperature: body.temperature ?? undefined,
        defaultTemperature: s.DEFAULT_TEMPERATURE,
        maxTokens: body.max_tokens ?? undefined,
      };
      if (body.stream === false) {
        const result = await core.sessionChat.send(actorOf(request), input);
        reply.header('x-session-id', result.conversation.id);
        return presentCompletion(result);
      }
      const { conversation, turn } = await core.sessionChat.start(actorOf(request), input);
      await writeTokenStream(reply, conversation.id, turn);
      return reply;
    },
  );

  app.post(
    '/switch-model',
    {
      schema: {
        tags,
        summary: 'Switch the model of a session, keeping its history',
        body: s.switchModelBody,
        response: s.withErrors({ 200: s.switchModelSchema }),
      },
    },
    async (request) => presentSwitch(await core.sessionChat.switchModel(actorOf(request), request.body.session_id, request.body.model)),
  );

  app.get(
    '/history',
    {
      schema: {
        tags,
        summary: 'List the caller’s sessions with their messages, most recent activity first',
        querystring: s.historyQuery,
        response: s.withErrors({ 200: s.historySchema }),
      },
    },
    async (request) => {
      const { page, page_size, model, start_date, end_date } = request.query;
      const { total, items } = await core.sessionChat.history(actorOf(request), {
        offset: (page - 1) * page_size,
        limit: page_size,
        model,
        createdFrom: start_date,
        createdTo: end_date,
      });
      return { total, page, page_size, sessions: items.map(presentSession) };
    },
  );

  app.delete(
    '/sessions/:session_id',
    {
      schema: {
        tags,
        summary: 'Delete a session with its messages and files',
        params: s.sessionParams,
        response: s.withErrors({ 200: s.deletedSchema }),
      },
    },
    async (request) => {
      await core.conversations.delete(actorOf(request), request.params.session_id);
      return { message: 'Session deleted successfully' };
    },
  );
};
