import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { presentConversation } from './presenters.ts';
import * as s from './schemas.ts';

/** Organizing conversations: pins and tags (and the title) through PATCH, and pin/unpin shortcuts. */
export const pinTagRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = ['conversations'];
  const one = s.withErrors({ 200: s.conversationSchema });

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Update a conversation’s title, pin or tags',
        description:
          'Only the fields given change. `tags` replaces the whole set. Pinning and tagging do not count as activity: ' +
          'the conversation keeps its place among the unpinned ones.',
        params: s.idParams,
        body: s.conversationPatchBody,
        response: one,
      },
    },
    async (request) => {
      const { title, pinned, tags: labels } = request.body;
      return presentConversation(await core.conversations.update(actorOf(request), request.params.id, { title, pinned, tags: labels }));
    },
  );

  app.post(
    '/:id/pin',
    { schema: { tags, summary: 'Pin a conversation (listed first)', params: s.idParams, response: one } },
    async (request) => presentConversation(await core.conversations.update(actorOf(request), request.params.id, { pinned: true })),
  );

  app.post(
    '/:id/unpin',
    { schema: { tags, summary: 'Unpin a conversation', params: s.idParams, response: one } },
    async (request) => presentConversation(await core.conversations.update(actorOf(request), request.params.id, { pinned: false })),
  );
};
