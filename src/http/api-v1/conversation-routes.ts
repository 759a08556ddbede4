import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { presentTreeMessage } from './branch-routes.ts';
import { branchListQuery, treeMessageSchema } from './branch-schemas.ts';
import { presentConversation, presentMessage } from './presenters.ts';
import * as s from './schemas.ts';
import { answerTurn, turnDescription } from './turn-answer.ts';

export const conversationRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.conversations];
  const one = (description: string) => s.withErrors({ 200: s.conversationSchema.describe(description) });

  app.post(
    '/',
    {
      schema: {
        tags,
        operationId: 'createConversation',
        summary: 'Create a conversation',
        description: 'An empty conversation of the caller’s. Every field is optional: no title, the default model, no system prompt.',
        body: s.conversationCreateBody,
        response: s.withErrors({
          201: s.conversationSchema.describe('The conversation created'),
          400: s.detailSchema.describe('The model is not available'),
        }),
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
        operationId: 'listConversations',
        summary: 'List your conversations',
        description:
          'A page (`skip`, `limit`) of the caller’s conversations: pinned ones first (most recently pinned first), then by ' +
          'most recent activity. Archived ones only with `archived=true`; filter by `tag` and `pinned`.',
        querystring: s.conversationListQuery,
        response: s.withErrors({ 200: s.conversationListSchema.describe('A page of conversations, with the total that match') }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { skip, limit, archived, tag, pinned } = request.query;
      const { items, total } = await core.conversations.list(actor, actor.userId, { offset: skip, limit, archived, tags: tag, pinned, pinnedFirst: true });
      return { items: items.map(presentConversation), total, skip, limit };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        operationId: 'getConversation',
        summary: 'Get a conversation',
        description: 'One of the caller’s conversations, without its messages (`GET /api/v1/conversations/{id}/messages`).',
        params: s.idParams,
        response: one('The conversation'),
      },
    },
    async (request) => presentConversation(await core.conversations.get(actorOf(request), request.params.id)),
  );

  app.put(
    '/:id',
    {
      schema: {
        tags,
        operationId: 'renameConversation',
        summary: 'Rename a conversation',
        description: 'Sets the title (`PATCH` changes the title, pin and tags in one call).',
        params: s.idParams,
        body: s.conversationUpdateBody,
        response: one('The conversation, renamed'),
      },
    },
    async (request) =>
      presentConversation(await core.conversations.update(actorOf(request), request.params.id, { title: request.body.title })),
  );

  app.post(
    '/:id/archive',
    {
      schema: {
        tags,
        operationId: 'archiveConversation',
        summary: 'Archive a conversation',
        description: 'Hides it from the default list (`GET /api/v1/conversations/?archived=true` shows archived ones); nothing is deleted.',
        params: s.idParams,
        response: one('The conversation, archived'),
      },
    },
    async (request) =>
      presentConversation(await core.conversations.update(actorOf(request), request.params.id, { archived: true })),
  );

  app.post(
    '/:id/unarchive',
    {
      schema: {
        tags,
        operationId: 'unarchiveConversation',
        summary: 'Unarchive a conversation',
        description: 'Brings an archived conversation back into the default list.',
        params: s.idParams,
        response: one('The conversation, no longer archived'),
      },
    },
    async (request) =>
      presentConversation(await core.conversations.update(actorOf(request), request.params.id, { archived: false })),
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        operationId: 'deleteConversation',
        summary: 'Delete a conversation',
        description:
          'Deletes the conversation with its messages and files. It can no longer be read or shared; an admin can restore it ' +
          '(`POST /api/v1/admin/conversations/{id}/restore`) until it is purged.',
        params: s.idParams,
        response: s.withErrors({ 200: s.messageOnlySchema.describe('Deleted') }),
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
        tags: [TAG.messages],
        operationId: 'listConversationMessages',
        summary: 'List a conversation’s messages',
        description:
          'The messages of the active path, oldest first, a page at a time (`skip`, `limit`). With `branch=all`, every message of ' +
          'every branch instead, unpaged, each with its `parent_id` (and, on the active path, its siblings).',
        params: s.idParams,
        querystring: branchListQuery,
        response: s.withErrors({
          200: z.array(z.union([treeMessageSchema, s.messageSchema])).describe('The messages, oldest first'),
        }),
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
        tags: [TAG.messages],
        operationId: 'sendMessage',
        summary: 'Send a message and get the reply',
        description:
          'Stores the user message, calls the model with the active path as context, and answers both messages with the ' +
          `usage and cost once the reply is written. ${turnDescription}`,
        params: s.idParams,
        body: s.sendMessageBody,
        produces: ['application/json', 'text/event-stream'],
        response: s.withErrors({
          200: s.sendMessageResponse.describe('The turn’s result, or an event stream when the request accepts text/event-stream'),
          400: s.detailSchema.describe('The model is not available'),
          409: s.detailSchema.describe('A reply is already being written in this conversation'),
          502: s.detailSchema.describe('The model provider failed or could not be reached'),
        }),
      },
    },
    async (request, reply) => {
      const turn = await core.chat.begin(actorOf(request), request.params.id, request.body);
      return answerTurn(request, reply, turn);
    },
  );
};
