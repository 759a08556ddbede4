import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { presentTreeMessage } from './branch-routes.ts';
import { branchListQuery, treeMessageSchema } from './branch-schemas.ts';
import { presentConversation, presentMessage } from './presenters.ts';
import * as s from './schemas.ts';
import { answerTurn, turnDescription } from './turn-answer.ts';

export const conversationRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = ['conversations'];
  const one = s.withErrors({ 200: s.conversationSchema });

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a conversation',
        body: s.conversationCreateBody,
        response: s.withErrors({ 201: s.conversationSchema, 400: s.detailSchema }),
      },
    },
    async (request, reply) => {
      const { title, model, system_prompt } = request.body;
      const conversation = await core.conversations.create(actorOf(request), { title, model, systemPrompt: system_prompt });
      return reply.status(201).send(presentConversation(conversation));
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List conversations: pinned first (most recently pinned first), then by most recent activity',
        querystring: s.conversationListQuery,
        response: s.withErrors({ 200: s.conversationListSchema }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { skip, limit, archived, tag, pinned } = request.query;
      const { items, total } = await core.conversations.list(actor, actor.userId, { offset: skip, limit, archived, tags: tag, pinned, pinnedFirst: true });
      return { items: items.map(presentConversation), total, skip, limit };
    },
  );

  app.get('/:id', { schema: { tags, summary: 'Get a conversation', params: s.idParams, response: one } }, async (request) =>
    presentConversation(await core.conversations.get(actorOf(request), request.params.id)),
  );

  app.put(
    '/:id',
    { schema: { tags, summary: 'Rename a conversation', params: s.idParams, body: s.conversationUpdateBody, response: one } },
    async (request) =>
      presentConversation(await core.conversations.update(actorOf(request), request.params.id, { title: request.body.title })),
  );

  app.post(
    '/:id/archive',
    { schema: { tags, summary: 'Archive a conversation', params: s.idParams, response: one } },
    async (request) =>
      presentConversation(await core.conversations.update(actorOf(request), request.params.id, { archived: true })),
  );

  app.post(
    '/:id/unarchive',
    { schema: { tags, summary: 'Unarchive a conversation', params: s.idParams, response: one } },
    async (request) =>
      presentConversation(await core.conversations.update(actorOf(request), request.params.id, { archived: false })),
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Delete a conversation with its messages and files',
        params: s.idParams,
        response: s.withErrors({ 200: s.messageOnlySchema }),
      },
    },
    async (request) => {
      await core.conversations.delete(actorOf(request), request.params.id);
      return { message: 'Conversation deleted successfully' };
    },
  );

  app.get(
    '/:id/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'List a conversation’s messages (its active path, or with branch=all every branch), oldest first',
        params: s.idParams,
        querystring: branchListQuery,
        response: s.withErrors({ 200: z.array(z.union([treeMessageSchema, s.messageSchema])) }),
      },
    },
    async (request) => {
      const { skip, limit, branch } = request.query;
      if (branch === 'all') {
        const { items, siblings } = await core.messages.tree(actorOf(request), request.params.id);
        return items.map((m) => presentTreeMessage(m, siblings.get(m.id)));
      }
      const { items } = await core.messages.list(actorOf(request), request.params.id, { offset: skip, limit });
      return items.map(presentMessage);
    },
  );

  app.post(
    '/:id/messages',
    {
      config: { modelCall: true },
      schema: {
        tags: ['messages'],
        summary: 'Send a message and get the AI response',
        description: turnDescription,
        params: s.idParams,
        body: s.sendMessageBody,
        produces: ['application/json', 'text/event-stream'],
        response: s.withErrors({
          200: s.sendMessageResponse.describe('The turn’s result, or an event stream when the request accepts text/event-stream'),
          400: s.detailSchema,
          409: s.detailSchema,
          502: s.detailSchema,
        }),
      },
    },
    async (request, reply) => {
      const turn = await core.chat.begin(actorOf(request), request.params.id, request.body);
      return answerTurn(request, reply, turn);
    },
  );
};
