import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { turnFailureError } from '../../core/chat/model-call.ts';
import { AppError } from '../../core/errors.ts';
import type { Core } from '../../core/index.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { clientGone, openStream } from '../streaming/sse.ts';
import { openaiErrorHandler } from './error-handler.ts';
import { collect, echoOf, type ResponseState, responseObjectOf, storedResponseObject } from './responses-presenter.ts';
import * as s from './responses-schemas.ts';
import { ResponseEventWriter } from './responses-stream.ts';
import { openaiError } from './schemas.ts';

/** OpenAI's Responses API: `POST /v1/responses`, `GET` and `DELETE /v1/responses/{id}`. */
export const responsesRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.setErrorHandler(openaiErrorHandler);
  app.addHook('onRequest', requireAuth(core.authenticator));
  const { responses } = core;
  const tags = ['openai'];
  const errorsDoc = { 400: openaiError, 401: openaiError, 403: openaiError, 404: openaiError, 409: openaiError, 429: openaiError, 502: openaiError };

  app.post(
    '/responses',
    {
      config: { modelCall: true },
      schema: {
        tags,
        summary: 'OpenAI Responses API (stored as a conversation unless store: false)',
        body: s.responseBody,
        response: { 200: s.responseObject, ...errorsDoc },
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
    { schema: { tags, summary: 'A stored response', params: s.responseParams, response: { 200: s.responseObject, ...errorsDoc } } },
    async (request) => storedResponseObject(await responses.get(actorOf(request), request.params.id)),
  );

  app.delete(
    '/responses/:id',
    {
      schema: {
        tags,
        summary: 'Deletes a stored response: its reply and the input that led to it',
        params: s.responseParams,
        response: { 200: s.deletedResponse, ...errorsDoc },
      },
    },
    async (request) => {
      await responses.delete(actorOf(request), request.params.id);
      return { id: request.params.id, object: 'response' as const, deleted: true as const };
    },
  );
};
