import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { errors } from '../../core/errors.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { success } from './envelope.ts';
import { presentMessageBrief } from './presenters.ts';
import * as s from './schemas.ts';
import { messagePageRoute } from './shared-routes.ts';

/** Message management under /api/chat, in the envelope. Messages are stored as sent: no model is called. */
export const messageRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.envelopedSessions];

  app.post(
    '/message',
    {
      schema: {
        tags,
        operationId: 'createSessionMessage',
        summary: 'Store a message',
        description: 'Stores a message of any role in one of the caller’s sessions, as sent: no model is called, no reply is made.',
        body: s.createMessageBody,
        response: s.enveloped(s.messageBriefSchema, 'The message stored'),
      },
    },
    async (request) => {
      const { session_id, role, content } = request.body;
      return success(presentMessageBrief(await core.messages.create(actorOf(request), session_id, { role, content })));
    },
  );

  app.get(
    '/sessions/:session_id/messages/:message_id',
    {
      schema: {
        tags,
        operationId: 'getSessionMessage',
        summary: 'Get a message',
        description: 'One message, addressed through its own session.',
        params: s.sessionMessageParams,
        response: s.enveloped(s.messageBriefSchema, 'The message'),
      },
    },
    async (request) => {
      const { session_id, message_id } = request.params;
      const message = await core.messages.get(actorOf(request), message_id);
      // A message is addressed through its own session only.
      if (message.conversationId !== session_id) throw errors.notFound('Message');
      return success(presentMessageBrief(message));
    },
  );

  messagePageRoute(
    app,
    core,
    '/sessions/:session_id/messages',
    { tags, operationId: 'listSessionMessages' },
    { schema: s.messageBriefSchema, present: presentMessageBrief },
  );

  app.delete(
    '/messages/:message_id',
    {
      schema: {
        tags,
        operationId: 'deleteSessionMessage',
        summary: 'Delete a message',
        description: 'Deletes one message of the caller’s; `data` is a confirmation sentence.',
        params: s.messageParams,
        response: s.enveloped(s.doneText, 'Deleted'),
      },
    },
    async (request) => {
      await core.messages.delete(actorOf(request), request.params.message_id);
      return success('消息删除成功');
    },
  );

  app.patch(
    '/messages/:message_id',
    {
      schema: {
        tags,
        operationId: 'editSessionMessage',
        summary: 'Edit a message',
        description:
          'Replaces the text of one of the caller’s user messages (other roles are refused with 403); `data` is a ' +
          'confirmation sentence.',
        params: s.messageParams,
        body: s.editMessageBody,
        response: s.enveloped(s.doneText, 'Edited'),
      },
    },
    async (request) => {
      await core.messages.editContent(actorOf(request), request.params.message_id, request.body.new_content);
      return success('消息编辑成功');
    },
  );
};
