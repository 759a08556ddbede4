import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CompletionEvent } from '../../core/chat/completions-service.ts';
import type { TurnUsage } from '../../core/chat/live-turn.ts';
import { turnFailureError } from '../../core/chat/model-call.ts';
import { AppError } from '../../core/errors.ts';
import type { Core } from '../../core/index.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { clientGone, openStream, safeWrite } from '../streaming/sse.ts';
import { openaiErrorBody, openaiErrorHandler } from './error-handler.ts';
import * as s from './schemas.ts';

const usageBody = (u: TurnUsage) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.totalTokens,
});

/** The OpenAI-compatible surface: `/v1/chat/completions` and `/v1/models`. */
export const openaiRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.setErrorHandler(openaiErrorHandler);
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = ['openai'];
  const errorsDoc = { 400: s.openaiError, 401: s.openaiError, 403: s.openaiError, 404: s.openaiError, 429: s.openaiError, 502: s.openaiError };

  app.post(
    '/chat/completions',
    {
      config: { modelCall: true },
      schema: {
        tags,
        summary: 'OpenAI chat completions (stateless unless X-Session-Id or store: true)',
        body: s.completionBody,
        headers: s.sessionHeader,
        response: { 200: s.completionResponse, ...errorsDoc },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      const input = {
        model: body.model,
        messages: body.messages.map((m) => ({
          role: m.role === 'developer' ? ('system' as const) : m.role,
          content: s.contentText(m.content),
        })),
        temperature: body.temperature ?? undefined,
        maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
      };
      const sessionId = request.headers['x-session-id'];
      const gone = clientGone(reply.raw);
      let events: AsyncGenerator<CompletionEvent>;
      if (sessionId || body.store) {
        const stored = await core.completions.stored(actor, sessionId, input);
        reply.header('x-session-id', stored.conversation.id);
        events = stored.events;
      } else {
        events = core.completions.stateless(actor, input, gone);
      }
      const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
      const created = Math.floor(Date.now() / 1000);

      if (!body.stream) {
        let text = '';
        for await (const event of events) {
          if (event.type === 'delta') text += event.text;
          else if (event.type === 'error') throw turnFailureError({ status: event.status, detail: event.message, retryAfterSeconds: event.retryAfterSeconds });
          else
            return {
              id,
              object: 'chat.completion' as const,
              created,
              model: body.model,
              choices: [{ index: 0, message: { role: 'assistant' as const, content: text }, finish_reason: 'stop' }],
              usage: usageBody(event.usage),
            };
        }
        throw new AppError('upstream', 'The completion ended without a result');
      }

      // Streamed: the first event decides between an error status and a stream.
      const first = await events.next();
      const headers: Record<string, string> = {};
      const session = reply.getHeader('x-session-id');
      if (typeof session === 'string') headers['x-session-id'] = session;
      const res = openStream(reply, 'text/event-stream; charset=utf-8', headers);
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      safeWrite(res, chunk({ role: 'assistant', content: '' }, null));
      const write = (event: CompletionEvent) => {
        if (event.type === 'delta') return safeWrite(res, chunk({ content: event.text }, null));
        if (event.type === 'error') return safeWrite(res, `data: ${JSON.stringify(openaiErrorBody(event.status, event.message))}\n\n`);
        safeWrite(res, chunk({}, 'stop'));
        if (body.stream_options?.include_usage) {
          safeWrite(
            res,
            `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: usageBody(event.usage) })}\n\n`,
          );
        }
        return true;
      };
      try {
        if (!first.done) write(first.value);
        for await (const event of events) write(event);
      } catch (err) {
        const status = err instanceof AppError ? err.status : 500;
        const message = err instanceof AppError ? err.message : 'Internal Server Error';
        if (!(err instanceof AppError)) request.log.error({ err }, 'completion stream failed');
        safeWrite(res, `data: ${JSON.stringify(openaiErrorBody(status, message))}\n\n`);
      }
      safeWrite(res, 'data: [DONE]\n\n');
      res.end();
    },
  );

  const presentModel = (m: { id: string; provider: string }) => ({
    id: m.id,
    object: 'model' as const,
    created: 0,
    owned_by: m.provider,
  });

  app.get(
    '/models',
    { schema: { tags, summary: 'Models offered (OpenAI format)', response: { 200: s.modelList, 401: s.openaiError } } },
    async () => ({ object: 'list' as const, data: core.models.list().map(presentModel) }),
  );

  app.get(
    '/models/:model',
    {
      schema: { tags, summary: 'One model (OpenAI format)', params: s.modelParams, response: { 200: s.modelObject, ...errorsDoc } },
    },
    async (request) => presentModel(core.models.resolve(request.params.model).entry),
  );
};
