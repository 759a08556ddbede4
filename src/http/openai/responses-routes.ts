import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { turnFailureError } from '../../core/chat/model-call.ts';
import { AppError } from '../../core/errors.ts';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { clientGone, openStream } from '../streaming/sse.ts';
import { openaiErrorHandler } from './error-handler.ts';
import { collect, echoOf, type ResponseState, responseObjectOf, storedResponseObject } from './responses-presenter.ts';
import * as s from './responses-schemas.ts';
import { ResponseEventWriter } from './responses-stream.ts';
import { openaiErrors } from './schemas.ts';

/** OpenAI's Responses API: `POST /v1/responses`, `GET` and `DELETE /v1/responses/{id}`. */
export const responsesRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.setErrorHandler(openaiErrorHandler);
  app.addHook('onRequest', requireAuth(core.authenticator));
  const { responses } = core;
  const tags = [TAG.openai];
  const errorsDoc = openaiErrors;

  app.post(
    '/responses',
    {
      config: { modelCall: true },
      schema: {
        tags,
        operationId: 'openaiCreateResponse',
        summary: 'Create a response',
        description:
          'OpenAI’s `POST /v1/responses`: text or message-item input, instructions, function tools and streaming (`stream: ' +
          'true`: the Responses API’s named server-sent events). Stored as a conversation unless `store: false`, so ' +
          '`previous_response_id` continues it. A parameter not implemented is a 400 naming it, never ignored.',
        body: s.responseBody,
        response: {
          200: s.responseObject.describe('The response (with `stream: true`: `text/event-stream` of events instead)'),
          ...errorsDoc,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const echo = echoOf(body);
      const started = await responses.create(actorOf(request), s.responseRequest(body), clientGone(reply.raw));
      if (started.conversation) reply.header('x-session-id', started.conversation.id);
      const state: ResponseState = {
        id: started.id,
        createdAt: started.createdAt,
        model: body.model,
        status: 'in_progress',
        messageItemId: started.messageItemId,
        text: '',
        calls: [],
        usage: null,
        incomplete: null,
        error: null,
      };
      const events = started.events;

      if (!body.stream) {
        for await (const event of events) {
          if (event.type === 'error') throw turnFailureError({ status: event.status, detail: event.message, retryAfterSeconds: event.retryAfterSeconds });
          collect(state, event);
        }
        return responseObjectOf(state, echo);
      }

      // A provider failing before its first token is an error status, not a stream.
      const first = await events.next();
      if (!first.done && first.value.type === 'error') {
        const e = first.value;
        throw turnFailureError({ status: e.status, detail: e.message, retryAfterSeconds: e.retryAfterSeconds });
      }
      const headers: Record<string, string> = {};
      if (started.conversation) headers['x-session-id'] = started.conversation.id;
      const res = openStream(reply, 'text/event-stream; charset=utf-8', headers);
      const writer = new ResponseEventWriter(res, state, echo);
      writer.start();
      try {
        if (!first.done) writer.event(first.value);
        for await (const event of events) writer.event(event);
      } catch (err) {
        if (!(err instanceof AppError)) request.log.error({ err }, 'response stream failed');
        writer.fail('server_error', err instanceof AppError ? err.message : 'Internal Server Error');
      }
      res.end();
    },
  );

  app.get(
    '/responses/:id',
    {
      schema: {
        tags,
        operationId: 'openaiGetResponse',
        summary: 'Get a response',
        description: 'OpenAI’s `GET /v1/responses/{id}`: a stored response of the caller’s.',
        params: s.responseParams,
        response: { 200: s.responseObject.describe('The stored response'), ...errorsDoc },
      },
    },
    async (request) => storedResponseObject(await responses.get(actorOf(request), request.params.id)),
  );

  app.delete(
    '/responses/:id',
    {
      schema: {
        tags,
        operationId: 'openaiDeleteResponse',
        summary: 'Delete a response',
        description: 'OpenAI’s `DELETE /v1/responses/{id}`: deletes a stored response, its reply and the input that led to it.',
        params: s.responseParams,
        response: { 200: s.deletedResponse.describe('Deleted'), ...errorsDoc },
      },
    },
    async (request) => {
      await responses.delete(actorOf(request), request.params.id);
      return { id: request.params.id, object: 'response' as const, deleted: true as const };
    },
  );
};
