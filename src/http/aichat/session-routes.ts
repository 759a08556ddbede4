import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { success } from './envelope.ts';
import { presentSession, presentSessionDetail, presentSessionListItem } from './presenters.ts';
import * as s from './schemas.ts';
import { deleteSessionRoute, renameSessionRoute } from './shared-routes.ts';

/** Seed 003 session management under /api/chat. */
export const sessionRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = ['seed 003 sessions'];

  app.post(
    '/session',
    { schema: { tags, summary: 'Create a session', body: s.createSessionBody, response: s.enveloped(s.sessionSchema) } },
    async (request) => {
      const { user_id, title } = request.body;
      const session = await core.conversations.create(actorOf(request), { title: title || null, ownerId: user_id });
      return success(presentSession(session));
    },
  );

  app.get(
    '/sessions/:session_id',
    { schema: { tags, summary: 'Get a session', params: s.sessionParams, response: s.enveloped(s.sessionDetailSchema) } },
    async (request) => success(presentSessionDetail(await core.conversations.get(actorOf(request), request.params.session_id))),
  );

  app.post(
    '/sessions',
    {
      schema: {
        tags,
        summary: "List a user's sessions, most recently updated first",
        body: s.listSessionsBody,
        response: s.enveloped(z.array(s.sessionListItemSchema)),
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

  renameSessionRoute(app, core, '/sessions/:session_id', tags);
  deleteSessionRoute(app, core, '/sessions/:session_id', tags);
};
