import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { clientGone, openStream, safeWrite } from '../streaming/sse.ts';
import * as s from './schemas.ts';
import { lastReplyToSse, turnEventToSse } from './turn-events.ts';

const eventSeq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const streamHeaders = z.looseObject({
  'last-event-id': eventSeq.optional().describe('Replay only the events after this one'),
});
const streamQuery = z.object({
  last_event_id: eventSeq.optional().describe('As the Last-Event-ID header, for clients that cannot set headers'),
});
const stopResponse = z.object({ stopped: z.boolean().describe('False when no reply was being generated') });

/** Every surface's turn controls, on seed 000's conversations: stop the reply in flight, or re-attach to it. */
export const turnRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.messages];

  app.post(
    '/:id/stop',
    {
      schema: {
        tags,
        operationId: 'stopConversationReply',
        summary: 'Stop the reply being written',
        description:
          'Stops the model’s reply in progress in this conversation, whichever API started it. The text so far is saved with ' +
          'status `incomplete`.',
        params: s.idParams,
        response: s.withErrors({ 200: stopResponse.describe('Whether a reply was stopped') }),
      },
    },
    async (request) => ({ stopped: await core.chat.stop(actorOf(request), request.params.id) }),
  );

  app.get(
    '/:id/stream',
    {
      schema: {
        tags,
        operationId: 'attachConversationReply',
        summary: 'Follow the reply being written (SSE)',
        description:
          'Re-attaches to the reply in progress, from any client or instance, as server-sent events. Named events `start`, ' +
          '`sources`, `token` ({content}), `done` ({message, usage, cost_usd}) and `error` ({detail, message}), ' +
          'each with its sequence number as id; Last-Event-ID replays only what came after it. With no reply in flight, one `done` ' +
          'event carries the last reply (null if none) and the stream ends.',
        params: s.idParams,
        headers: streamHeaders,
        querystring: streamQuery,
        produces: ['text/event-stream'],
        response: s.withErrors({ 200: z.string().describe('The reply’s events as `text/event-stream`') }),
      },
    },
    async (request, reply) => {
      const after = request.headers['last-event-id'] ?? request.query.last_event_id ?? 0;
      const attached = await core.chat.attach(actorOf(request), request.params.id);
      const res = openStream(reply, 'text/event-stream; charset=utf-8');
      if (attached.turn) {
        // A client that goes away stops only its own subscription; the turn runs on.
        const gone = clientGone(res);
        for await (const event of attached.turn.subscribe(after, gone)) {
          if (!safeWrite(res, turnEventToSse(event))) break;
        }
      } else {
        safeWrite(res, lastReplyToSse(attached.lastReply));
      }
      if (!res.writableEnded) res.end();
    },
  );
};
