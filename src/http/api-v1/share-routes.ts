import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { actorOf, optionalAuth, requireAuth } from '../plugins/auth.ts';
import { presentShareLink, presentSharedConversation } from './share-presenters.ts';
import { shareLinkSchema, shareParams, sharedConversationSchema } from './share-schemas.ts';
import * as s from './schemas.ts';

/**
 * Share links under /api/v1: the owner's routes on a conversation, and the public read of a
 * snapshot. The public route takes no credential (a valid one may come along) and counts
 * against the anonymous per-address API limit.
 */
export const shareRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const tags = ['shares'];
  const authenticated = requireAuth(core.authenticator);

  app.post(
    '/conversations/:id/share',
    {
      onRequest: authenticated,
      schema: {
        tags,
        summary: 'Share a snapshot of the conversation’s active path',
        description:
          'Freezes the active path as it is now (title and messages; no owner, system prompt, usage or cost) and answers a new ' +
          'public link. A conversation has one live link: sharing again revokes the previous one.',
        params: s.idParams,
        response: s.withErrors({ 201: shareLinkSchema }),
      },
    },
    async (request, reply) => {
      const link = await core.shares.share(actorOf(request), request.params.id);
      return reply.status(201).send(presentShareLink(link, request));
    },
  );

  app.get(
    '/conversations/:id/share',
    {
      onRequest: authenticated,
      schema: {
        tags,
        summary: 'The conversation’s live share link',
        description: '404 when the conversation has no live link.',
        params: s.idParams,
        response: s.withErrors({ 200: shareLinkSchema }),
      },
    },
    async (request) => presentShareLink(await core.shares.current(actorOf(request), request.params.id), request),
  );

  app.delete(
    '/conversations/:id/share',
    {
      onRequest: authenticated,
      schema: {
        tags,
        summary: 'Revoke the conversation’s share link',
        description: 'The link answers 404 from this moment on. 404 when the conversation has no live link.',
        params: s.idParams,
        response: s.withErrors({ 200: s.messageOnlySchema }),
      },
    },
    async (request) => {
      await core.shares.revoke(actorOf(request), request.params.id);
      return { message: 'Share link revoked' };
    },
  );

  app.get(
    '/shares/:share_id',
    {
      onRequest: optionalAuth(core.authenticator),
      schema: {
        tags,
        summary: 'Read a shared conversation (no authentication)',
        description: 'The snapshot taken when the link was made. 404 once revoked or once the conversation is deleted.',
        security: [],
        params: shareParams,
        response: { 200: sharedConversationSchema, 401: s.detailSchema, 404: s.detailSchema, 429: s.detailSchema },
      },
    },
    async (request, reply) => {
      const shared = await core.shares.read(request.params.share_id);
      // Revocation must take effect at once: no cache may keep serving the snapshot.
      reply.header('cache-control', 'no-store');
      reply.header('referrer-policy', 'no-referrer');
      return presentSharedConversation(shared);
    },
  );
};
