import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
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
  const tags = [TAG.sharing];
  const authenticated = requireAuth(core.authenticator);

  app.post(
    '/conversations/:id/share',
    {
      onRequest: authenticated,
      schema: {
        tags,
        operationId: 'shareConversation',
        summary: 'Share a conversation',
        description:
          'Freezes the active path as it is now (title and messages; no owner, system prompt, usage or cost) and answers a new ' +
          'public link. A conversation has one live link: sharing again revokes the previous one.',
        params: s.idParams,
        response: s.withErrors({ 201: shareLinkSchema.describe('The new link') }),
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
        operationId: 'getConversationShare',
        summary: 'Get a conversation’s share link',
        description: 'The conversation’s live link; 404 when it has none.',
        params: s.idParams,
        response: s.withErrors({ 200: shareLinkSchema.describe('The live link') }),
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
        operationId: 'revokeConversationShare',
        summary: 'Revoke a conversation’s share link',
        description: 'The link answers 404 from this moment on. 404 when the conversation has no live link.',
        params: s.idParams,
        response: s.withErrors({ 200: s.messageOnlySchema.describe('Revoked') }),
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
        operationId: 'readSharedConversation',
        summary: 'Read a shared conversation',
        description:
          'The snapshot taken when the link was made, for anyone holding the link: no authentication. 404 once revoked or ' +
          'once the conversation is deleted.',
        security: [],
        params: shareParams,
        response: {
          200: sharedConversationSchema,
          401: s.detailSchema.describe('A bearer token was sent and is invalid or expired'),
          404: s.detailSchema.describe('No such link, or revoked, or the conversation is deleted'),
          429: s.detailSchema.describe('Too many requests from this address: `Retry-After` says when to try again'),
        },
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
