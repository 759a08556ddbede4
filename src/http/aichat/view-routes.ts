import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { success } from './envelope.ts';
import { presentMessage, presentSession } from './presenters.ts';
import * as s from './schemas.ts';
import { deleteSessionRoute, messagePageRoute, renameSessionRoute } from './shared-routes.ts';

/** How many of a session's latest messages the view routes include. */
const LATEST_MESSAGES = 50;

/** Seed 003's view routes under /aichat: the shapes a chat page loads, full objects throughout. */
export const viewRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = ['seed 003 views'];

  app.get(
    '/getsessionlist/:user_id',
    {
      schema: {
        tags,
        summary: "A page of a user's sessions, most recently updated first",
        params: s.userParams,
        querystring: s.sessionPageQuery,
        response: s.enveloped(s.pageOf(s.sessionSchema)),
      },
    },
    async (request) => {
      const { offset, limit, page, page_size } = s.pageWindow(request.query.page, request.query.page_size);
      const { items, total } = await core.conversations.list(actorOf(request), request.params.user_id, { offset, limit });
      return success({ items: items.map(presentSession), total, page, page_size });
    },
  );

  app.get(
    '/getsessionlistshow/:user_id',
    {
      schema: {
        tags,
        summary: 'Sessions for a first screen, with the last 50 messages of the most recently updated one',
        params: s.userParams,
        querystring: s.sessionPageQuery,
        response: s.enveloped(s.firstScreenSchema),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { offset, limit, page, page_size } = s.pageWindow(request.query.page, request.query.page_size);
      const { items, total } = await core.conversations.list(actor, request.params.user_id, { offset, limit });
      // The list is ordered by activity, so the latest session heads page 1; other pages look it up.
      const latest = offset === 0 ? items[0] : (await core.conversations.list(actor, request.params.user_id, { offset: 0, limit: 1 })).items[0];
      const messages = latest ? await core.messages.latest(latest.id, LATEST_MESSAGES) : [];
      return success({
        items: items.map(presentSession),
        total,
        page,
        page_size,
        latest_session_id: latest?.id ?? null,
        messages: messages.map(presentMessage),
      });
    },
  );

  app.get(
    '/sessions/:session_id',
    {
      schema: {
        tags,
        summary: 'A session with its last 50 messages',
        params: s.sessionParams,
        response: s.enveloped(s.sessionWithMessagesSchema),
      },
    },
    async (request) => {
      const session = await core.conversations.get(actorOf(request), request.params.session_id);
      const messages = await core.messages.latest(session.id, LATEST_MESSAGES);
      return success({ ...presentSession(session), messages: messages.map(presentMessage) });
    },
  );

  app.post(
    '/createsession',
    { schema: { tags, summary: 'Create a session', body: s.createSessionBody, response: s.enveloped(s.sessionSchema) } },
    async (request) => {
      const { user_id, title } = request.body;
      return success(presentSession(await core.conversations.create(actorOf(request), { title: title || null, ownerId: user_id })));
    },
  );

  renameSessionRoute(app, core, '/sessions/:session_id', tags);
  deleteSessionRoute(app, core, '/deletesession/:session_id', tags);

  messagePageRoute(app, core, '/sessions/:session_id/messages', tags, { schema: s.messageSchema, present: presentMessage });
};
