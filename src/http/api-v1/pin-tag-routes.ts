import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { presentConversation } from './presenters.ts';
import * as s from './schemas.ts';

/** Organizing conversations: pins and tags (and the title) through PATCH, and pin/unpin shortcuts. */
export const pinTagRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.conversations];
  const one = (description: string) => s.withErrors({ 200: s.conversationSchema.describe(description) });

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        operationId: 'updateConversation',
        summary: 'Change a conversation’s title, pin or tags',
        description:
          'Only the fields given change. `tags` replaces the whole set. Pinning and tagging do not count as activity: ' +
          'the conversation keeps its place among the unpinned ones.',
        params: s.idParams,
        body: s.conversationPatchBody,
        response: one('The conversation, changed'),
      },
    },
    async (request) => {
      const { title, pinned, tags: labels } = request.body;
      return presentConversation(await core.conversations.update(actorOf(request), request.params.id, { title, pinned, tags: labels }));
    },
  );

  app.post(
    '/:id/pin',
    {
      schema: {
        tags,
        operationId: 'pinConversation',
        summary: 'Pin a conversation',
        description: 'Pinned conversations are listed first, most recently pinned first.',
        params: s.idParams,
        response: one('The conversation, pinned'),
      },
    },
    async (request) => presentConversation(await core.conversations.update(actorOf(request), request.params.id, { pinned: true })),
  );

  app.post(
    '/:id/unpin',
    {
      schema: {
        tags,
        operationId: 'unpinConversation',
        summary: 'Unpin a conversation',
        description: 'It goes back among the unpinned conversations, in its place by activity.',
        params: s.idParams,
        response: one('The conversation, unpinned'),
      },
    },
    async (request) => presentConversation(await core.conversations.update(actorOf(request), request.params.id, { pinned: false })),
  );
};
