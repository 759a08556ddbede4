import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CompletionEvent } from '../../core/chat/completions-service.ts';
import type { TurnUsage } from '../../core/chat/live-turn.ts';
import { turnFailureError } from '../../core/chat/model-call.ts';
import { AppError, errors } from '../../core/errors.ts';
import type { Core } from '../../core/index.ts';
import type { TokenLogprob } from '../../providers/types.ts';
import { type ModelEntry, priceKnown } from '../../providers/catalog.ts';
import { TAG } from '../openapi/tags.ts';
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
  const tags = [TAG.openai];
  // A stored completion may meet a reply in flight (409); a model lookup never does.
  const { 409: _inFlight, ...lookupErrors } = s.openaiErrors;

  app.post(
    '/chat/completions',
    {
      config: { modelCall: true },
      schema: {
        tags,
        operationId: 'openaiCreateChatCompletion',
        summary: 'Create a chat completion',
        description:
          'OpenAI’s `POST /v1/chat/completions`: tools, JSON output, logprobs and streaming (`stream: true`: ' +
          '`chat.completion.chunk` server-sent events, then `data: [DONE]`). Stateless by default; with an `X-Session-Id` ' +
          'header (or `store: true`, which answers one) the exchange is stored as a conversation and the session’s history ' +
          'is the context. One choice per request (`n` above 1 is refused).',
        body: s.completionBody,
        headers: s.sessionHeader,
        response: {
          200: s.completionResponse.describe('The completion (with `stream: true`: `text/event-stream` of chunks instead)'),
          ...s.openaiErrors,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      // One choice per request: more would multiply the cost silently on providers without `n`.
      if (body.n != null && body.n > 1) throw errors.badRequest('n greater than 1 is not supported: ask for one choice per request', { param: 'n' });
      const input = {
        model: body.model,
        messages: body.messages.map(s.promptMessage),
        temperature: body.temperature ?? undefined,
        maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
        options: s.callOptions(body),
      };
      const sessionId = request.headers['x-session-id'];
      const gone = clientGone(reply.raw);
      let events: AsyncGenerator<CompletionEvent>;
      if (sessionId || body.store) {
        const stored = await core.completions.stored(actor, sessionId, input);
        reply.header('x-session-id', stored.conversation.id);
        events = stored.events;
      } else {
        events = core.completions.stateless(actor, input, gone, { wholeReply: !body.stream });
      }
      const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
      const created = Math.floor(Date.now() / 1000);

      if (!body.stream) {
        let text = '';
        const logprobs: TokenLogprob[] = [];
        const calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
        for await (const event of events) {
          if (event.type === 'delta') {
            text += event.text;
            if (event.logprobs) logprobs.push(...event.logprobs);
          } else if (event.type === 'tool_call') {
            calls[event.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
            const call = calls[event.index];
            if (event.id) call.id = event.id;
            if (event.name) call.function.name += event.name;
            if (event.arguments) call.function.arguments += event.arguments;
          } else if (event.type === 'error') {
            throw turnFailureError({ status: event.status, detail: event.message, retryAfterSeconds: event.retryAfterSeconds });
          } else {
            const toolCalls = calls.filter(Boolean);
            return {
              id,
              object: 'chat.completion' as const,
              created,
              model: body.model,
              choices: [
                {
                  index: 0,
                  message: {
                    role: 'assistant' as const,
                    // OpenAI answers a reply made only of tool calls with null content.
                    content: toolCalls.length && !text ? null : text,
                    refusal: null,
                    ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
                  },
                  logprobs: body.logprobs ? { content: logprobs } : null,
                  finish_reason: event.finishReason,
                },
              ],
              usage: usageBody(event.usage),
            };
          }
        }
        throw new AppError('upstream', 'The completion ended without a result');
      }

      // Streamed: the first event decides between an error status and a stream.
      const first = await events.next();
      const headers: Record<string, string> = {};
      const session = reply.getHeader('x-session-id');
      if (typeof session === 'string') headers['x-session-id'] = session;
      const res = openStream(reply, 'text/event-stream; charset=utf-8', headers);
      const chunk = (delta: object, finish: string | null, logprobs?: TokenLogprob[]) =>
        `data: ${JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model: body.model,
          choices: [{ index: 0, delta, logprobs: logprobs ? { content: logprobs } : null, finish_reason: finish }],
        })}\n\n`;
      safeWrite(res, chunk({ role: 'assistant', content: '' }, null));
      const write = (event: CompletionEvent) => {
        if (event.type === 'delta') return safeWrite(res, chunk({ content: event.text }, null, event.logprobs));
        if (event.type === 'tool_call') {
          // As OpenAI streams them: the first piece of a call has its id, type and name; later ones more arguments.
          const fn: { name?: string; arguments: string } = { arguments: event.arguments ?? '' };
          if (event.name) fn.name = event.name;
          const piece = { index: event.index, ...(event.id ? { id: event.id, type: 'function' } : {}), function: fn };
          return safeWrite(res, chunk({ tool_calls: [piece] }, null));
        }
        if (event.type === 'error') return safeWrite(res, `data: ${JSON.stringify(openaiErrorBody(event.status, event.message))}\n\n`);
        safeWrite(res, chunk({}, event.finishReason));
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

  const presentModel = (m: ModelEntry) => ({
    id: m.id,
    object: 'model' as const,
    created: 0,
    owned_by: m.provider,
    context_window: m.context_window,
    input_price_per_million: m.input_per_million,
    output_price_per_million: m.output_per_million,
    pricing: priceKnown(m) ? ('known' as const) : ('unknown' as const),
  });

  app.get(
    '/models',
    {
      schema: {
        tags,
        operationId: 'openaiListModels',
        summary: 'List models',
        description: 'OpenAI’s `GET /v1/models`: every model offered, with Parley’s context window and prices added.',
        response: { 200: s.modelList.describe('The models, as an OpenAI list'), 401: s.openaiErrors[401] },
      },
    },
    async () => ({ object: 'list' as const, data: core.models.list().map(presentModel) }),
  );

  app.get(
    '/models/:model',
    {
      schema: {
        tags,
        operationId: 'openaiGetModel',
        summary: 'Get a model',
        description: 'OpenAI’s `GET /v1/models/{model}`.',
        params: s.modelParams,
        response: { 200: s.modelObject.describe('The model'), ...lookupErrors },
      },
    },
    async (request) => presentModel((await core.models.lookup(request.params.model)).entry),
  );
};
