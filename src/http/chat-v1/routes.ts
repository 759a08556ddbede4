import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { chatV1ErrorHandler } from './errors.ts';
import { presentCompletion, presentSession, presentSwitch } from './presenters.ts';
import * as s from './schemas.ts';
import { writeTokenStream } from './token-stream.ts';

/** The session chat surface under /v1/chat: stream, switch-model, history, delete. */
export const chatV1Routes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.setErrorHandler(chatV1ErrorHandler);
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.chatSessions];

  app.post(
    '/stream',
    {
      config: { modelCall: true },
      schema: {
        tags,
        operationId: 'streamChat',
        summary: 'Send a chat and stream the reply',
        description:
          'Continues the session named by `session_id` (a new one, with the `model` given, when absent). The last message ' +
          'must be the user’s; earlier messages the session does not hold yet are stored before it. With `stream: true` (the default) the reply is `text/event-stream`: one `data: <token>` event per token ' +
          '(a token with line breaks spans several `data:` lines), then `data: [DONE]`; a failure is an ' +
          '`event: error` with `data: {"detail": ...}` before `[DONE]`. The session id is in `X-Session-Id`.',
        body: s.streamBody,
        response: s.withErrors({
          200: s.completionSchema,
          409: s.detailSchema.describe('A reply is already being written in this session'),
          502: s.detailSchema.describe('The model provider failed or could not be reached'),
        }),
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
        operationId: 'switchChatModel',
        summary: 'Switch a session’s model',
        description: 'The session’s next replies come from the model named; its history is kept and sent to the new model.',
        body: s.switchModelBody,
        response: s.withErrors({ 200: s.switchModelSchema.describe('The session, with its new model and its history') }),
      },
    },
    async (request) => presentSwitch(await core.sessionChat.switchModel(actorOf(request), request.body.session_id, request.body.model)),
  );

  app.get(
    '/history',
    {
      schema: {
        tags,
        operationId: 'listChatHistory',
        summary: 'List your sessions with their messages',
        description:
          'A page (`page`, `page_size`) of the caller’s sessions, most recent activity first, each with its messages; filtered ' +
          'by `model` and by creation date (`start_date`, `end_date`).',
        querystring: s.historyQuery,
        response: s.withErrors({ 200: s.historySchema.describe('A page of sessions, with the total') }),
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
        operationId: 'deleteChatSession',
        summary: 'Delete a session',
        description: 'Deletes the session with its messages and files.',
        params: s.sessionParams,
        response: s.withErrors({ 200: s.deletedSchema.describe('Deleted') }),
      },
    },
    async (request) => {
      await core.conversations.delete(actorOf(request), request.params.session_id);
      return { message: 'Session deleted successfully' };
    },
  );
};
