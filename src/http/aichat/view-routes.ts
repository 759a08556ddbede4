import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { success } from './envelope.ts';
import { presentMessage, presentSession } from './presenters.ts';
import * as s from './schemas.ts';
import { deleteSessionRoute, messagePageRoute, renameSessionRoute } from './shared-routes.ts';

/** How many of a session's latest messages the view routes include. */
const LATEST_MESSAGES = 50;

/** The view routes under /aichat, in the envelope: the shapes a chat page loads, full objects throughout. */
export const viewRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.envelopedSessions];

  app.get(
    '/getsessionlist/:user_id',
    {
      schema: {
        tags,
        operationId: 'aichatListSessions',
        summary: 'List a user’s sessions (view)',
        description: 'A page (`page`, `page_size`) of the user’s sessions, most recently updated first, as full objects.',
        params: s.userParams,
        querystring: s.sessionPageQuery,
        response: s.enveloped(s.pageOf(s.sessionSchema), 'A page of sessions, with the total'),
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
        operationId: 'aichatGetFirstScreen',
        summary: 'Load a chat page’s first screen (view)',
        description:
          'What a chat page shows first: a page of the user’s sessions, and the last 50 messages of the most recently updated ' +
          'one.',
        params: s.userParams,
        querystring: s.sessionPageQuery,
        response: s.enveloped(s.firstScreenSchema, 'The sessions, and the latest one’s messages'),
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
        operationId: 'aichatGetSession',
        summary: 'Get a session with its messages (view)',
        description: 'One of the caller’s sessions with its last 50 messages, oldest first.',
        params: s.sessionParams,
        response: s.enveloped(s.sessionWithMessagesSchema, 'The session, with its messages'),
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
    {
      schema: {
        tags,
        operationId: 'aichatCreateSession',
        summary: 'Create a session (view)',
        description: 'The same as `POST /api/chat/session`: a new, empty session of the caller’s.',
        body: s.createSessionBody,
        response: s.enveloped(s.sessionSchema, 'The session created'),
      },
    },
    async (request) => {
      const { user_id, title } = request.body;
      return success(presentSession(await core.conversations.create(actorOf(request), { title: title || null, ownerId: user_id })));
    },
  );

  renameSessionRoute(app, core, '/sessions/:session_id', { tags, operationId: 'aichatRenameSession' });
  deleteSessionRoute(app, core, '/deletesession/:session_id', { tags, operationId: 'aichatDeleteSession' });

  messagePageRoute(
    app,
    core,
    '/sessions/:session_id/messages',
    { tags, operationId: 'aichatListSessionMessages' },
    { schema: s.messageSchema, present: presentMessage },
  );
};
