import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { success } from './envelope.ts';
import { presentSession, presentSessionDetail, presentSessionListItem } from './presenters.ts';
import * as s from './schemas.ts';
import { deleteSessionRoute, renameSessionRoute } from './shared-routes.ts';

/** Session management under /api/chat, in the envelope. */
export const sessionRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.envelopedSessions];

  app.post(
    '/session',
    {
      schema: {
        tags,
        operationId: 'createSession',
        summary: 'Create a session',
        description: 'A new, empty session of the caller’s (an admin may name another owner in `user_id`).',
        body: s.createSessionBody,
        response: s.enveloped(s.sessionSchema, 'The session created'),
      },
    },
    async (request) => {
      const { user_id, title } = request.body;
      const session = await core.conversations.create(actorOf(request), { title: title || null, ownerId: user_id });
      return success(presentSession(session));
    },
  );

  app.get(
    '/sessions/:session_id',
    {
      schema: {
        tags,
        operationId: 'getSession',
        summary: 'Get a session',
        description: 'One of the caller’s sessions, without its messages.',
        params: s.sessionParams,
        response: s.enveloped(s.sessionDetailSchema, 'The session'),
      },
    },
    async (request) => success(presentSessionDetail(await core.conversations.get(actorOf(request), request.params.session_id))),
  );

  app.post(
    '/sessions',
    {
      schema: {
        tags,
        operationId: 'listSessions',
        summary: 'List sessions',
        description:
          'A page (`page`, `page_size` in the body) of the caller’s sessions, most recently updated first, in a short form ' +
          '(an admin may name another user in `user_id`).',
        body: s.listSessionsBody,
        response: s.enveloped(z.array(s.sessionListItemSchema), 'The page of sessions'),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { user_id, page, page_size } = request.body;
      const { offset, limit } = s.pageWindow(page, page_size);
      const { items } = await core.conversations.list(actor, user_id ?? actor.userId, { offset, limit });
      return success(items.map(presentSessionListItem));
    },
  );

  renameSessionRoute(app, core, '/sessions/:session_id', { tags, operationId: 'renameSession' });
  deleteSessionRoute(app, core, '/sessions/:session_id', { tags, operationId: 'deleteSession' });
};
