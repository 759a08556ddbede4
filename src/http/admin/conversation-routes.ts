import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { presentConversation } from '../api-v1/presenters.ts';
import { conversationSchema, idParams, withErrors } from '../api-v1/schemas.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';

/** Brings back a deleted conversation, with what was deleted with it, until the purge removes it for good. */
export const adminConversationRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));

  app.post(
    '/conversations/:id/restore',
    {
      schema: {
        tags: [TAG.admin],
        operationId: 'adminRestoreConversation',
        summary: 'Restore a deleted conversation',
        description:
          'Admins only. Brings back a deleted conversation with the messages and files deleted with it, until the purge removes ' +
          'them for good.',
        params: idParams,
        response: withErrors({ 200: conversationSchema.describe('The conversation, restored') }),
      },
    },
    async (request) => presentConversation(await core.conversations.restore(actorOf(request), request.params.id)),
  );
};
