import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import * as b from './branch-schemas.ts';
import { presentConversation, presentMessage } from './presenters.ts';
import * as s from './schemas.ts';
import { answerTurn, turnDescription } from './turn-answer.ts';

const branchTurnDescription = `Answers like \`POST /conversations/{id}/messages\`. ${turnDescription}`;

/** Branches of a conversation: regenerate a reply, edit a message, switch the active path, fork. */
export const branchRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.messages];
  const turnResponses = s.withErrors({
    200: s.sendMessageResponse.describe('The turn’s result, or an event stream when the request accepts text/event-stream'),
    400: s.detailSchema.describe('The model is not available'),
    409: s.detailSchema.describe('A reply is already being written in this conversation'),
    502: s.detailSchema.describe('The model provider failed or could not be reached'),
  });

  app.post(
    '/:id/messages/:message_id/regenerate',
    {
      config: { modelCall: true },
      schema: {
        tags,
        operationId: 'regenerateMessage',
        summary: 'Regenerate a reply',
        description:
          'Generates a new reply in place of an assistant message, as its sibling, and makes it the active branch; the old ' +
          `reply stays on its branch. ${branchTurnDescription}`,
        params: b.messageParams,
        body: b.regenerateBody,
        produces: ['application/json', 'text/event-stream'],
        response: turnResponses,
      },
    },
    async (request, reply) => {
      const { id, message_id } = request.params;
      const turn = await core.chat.regenerate(actorOf(request), id, message_id, { model: request.body?.model });
      return answerTurn(request, reply, turn);
    },
  );

  app.post(
    '/:id/messages/:message_id/edit',
    {
      config: { modelCall: true },
      schema: {
        tags,
        operationId: 'editMessage',
        summary: 'Edit a message and get a new reply',
        description:
          'Sends the edited text as a new user message beside the one named (its sibling), gets a reply to it, and makes ' +
          `that the active branch; the original stays on its branch. ${branchTurnDescription}`,
        params: b.messageParams,
        body: b.editBody,
        produces: ['application/json', 'text/event-stream'],
        response: turnResponses,
      },
    },
    async (request, reply) => {
      const { id, message_id } = request.params;
      const turn = await core.chat.edit(actorOf(request), id, message_id, request.body);
      return answerTurn(request, reply, turn);
    },
  );

  app.put(
    '/:id/active-leaf',
    {
      schema: {
        tags,
        operationId: 'setActiveBranch',
        summary: 'Switch the active branch',
        description:
          'The active path becomes the path through `message_id`, continued down its newest replies to a leaf. Every surface ' +
          'shows, and the model reads, the active path.',
        params: s.idParams,
        body: b.messageRefBody,
        response: s.withErrors({ 200: b.activeLeafSchema.describe('The new active path’s leaf') }),
      },
    },
    async (request) => {
      const { leafId } = await core.messages.setActiveLeaf(actorOf(request), request.params.id, request.body.message_id);
      return { conversation_id: request.params.id, active_leaf_id: leafId };
    },
  );

  app.post(
    '/:id/fork',
    {
      schema: {
        tags,
        operationId: 'forkConversation',
        summary: 'Fork a conversation at a message',
        description:
          'Starts a new conversation of the caller’s holding a copy of the path from the first message down to `message_id`; ' +
          'the original is unchanged.',
        params: s.idParams,
        body: b.messageRefBody,
        response: s.withErrors({ 201: s.conversationSchema.describe('The new conversation') }),
      },
    },
    async (request, reply) => {
      const forked = await core.messages.fork(actorOf(request), request.params.id, request.body.message_id);
      return reply.status(201).send(presentConversation(forked));
    },
  );
};

/** A message with its place in the tree (`?branch=all`). */
export const presentTreeMessage = (
  m: Parameters<typeof presentMessage>[0],
  siblings: { ids: string[]; index: number } | undefined,
): z.infer<typeof b.treeMessageSchema> => ({
  ...presentMessage(m),
  parent_id: m.parentId,
  ...(siblings ? { sibling_ids: siblings.ids, sibling_index: siblings.index } : {}),
});
