import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { messageParams } from './branch-schemas.ts';
import * as s from './schemas.ts';

/** One message of a conversation, addressed by its id: deleting it with its branch. */
export const messageRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));

  app.delete(
    '/:id/messages/:message_id',
    {
      schema: {
        tags: [TAG.messages],
        operationId: 'deleteMessage',
        summary: 'Delete a message and its replies',
        description:
          'The message and its replies, and theirs, on every branch, leave the active path and `?branch=all` together. When the ' +
          'active path ran through them it moves to the newest remaining branch under the message’s parent (the parent itself ' +
          'when nothing else hangs from it), or, for a first message, to the newest remaining first message’s branch (none when ' +
          'nothing is left). 409 while a reply among them is still being written: stop it first (`POST /conversations/{id}/stop`).',
        params: messageParams,
        response: s.withErrors({
          204: z.null().describe('Deleted'),
          409: s.detailSchema.describe('A reply among the messages is still being written'),
        }),
      },
    },
    async (request, reply) => {
      await core.messages.deleteSubtree(actorOf(request), request.params.id, request.params.message_id);
      return reply.status(204).send(null);
    },
  );
};
