import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { bearerOrAnonymous } from '../openapi/document.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, optionalAuth, requireAuth } from '../plugins/auth.ts';
import { presentAssistant } from './presenters.ts';
import * as s from './schemas.ts';

type UpdateBody = z.infer<typeof s.assistantUpdateBody>;

const toPatch = (b: UpdateBody) => ({
  name: b.name,
  description: b.description,
  model: b.model,
  systemPrompt: b.system_prompt,
  temperature: b.temperature,
  maxTokens: b.max_tokens,
  userAuthentication: b.user_authentication,
});

/** Assistants: created, changed and deleted by their owner; read by whoever may chat with them. */
export const assistantRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const signedIn = requireAuth(core.authenticator);
  const anyone = optionalAuth(core.authenticator);
  const tags = [TAG.assistants];
  const one = s.withErrors({
    200: s.assistantSchema.describe('The assistant, changed'),
    400: s.detailSchema.describe('The model is not available'),
  });

  app.post(
    '/',
    {
      onRequest: signedIn,
      schema: {
        tags,
        operationId: 'createAssistant',
        summary: 'Create an assistant',
        description:
          'An assistant of the caller’s, with its own model, system prompt and sampling settings. With ' +
          '`user_authentication: false` anyone, signed in or not, may read it and chat with it.',
        body: s.assistantCreateBody,
        response: s.withErrors({
          201: s.assistantSchema.describe('The assistant created'),
          400: s.detailSchema.describe('The model is not available'),
        }),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const assistant = await core.assistants.create(actorOf(request), {
        name: b.name,
        description: b.description,
        model: b.model,
        systemPrompt: b.system_prompt,
        temperature: b.temperature,
        maxTokens: b.max_tokens,
        userAuthentication: b.user_authentication,
      });
      return reply.status(201).send(presentAssistant({ assistant, access: 'owner' }));
    },
  );

  app.get(
    '/',
    {
      onRequest: signedIn,
      schema: {
        tags,
        operationId: 'listAssistants',
        summary: 'List your assistants',
        description: 'A page (`skip`, `limit`) of the caller’s assistants, newest first.',
        querystring: s.assistantListQuery,
        response: s.withErrors({ 200: s.assistantListSchema.describe('A page of assistants, with the total') }),
      },
    },
    async (request) => {
      const { skip, limit } = request.query;
      const { items, total } = await core.assistants.list(actorOf(request), { offset: skip, limit });
      return { items: items.map((assistant) => presentAssistant({ assistant, access: 'owner' })), total, skip, limit };
    },
  );

  app.get(
    '/:id',
    {
      onRequest: anyone,
      schema: {
        tags,
        operationId: 'getAssistant',
        summary: 'Get an assistant',
        description:
          'A public assistant (`user_authentication: false`) can be read without signing in; others by signed-in users. ' +
          'Only the owner sees its configuration (system prompt, sampling settings).',
        security: bearerOrAnonymous,
        params: s.assistantIdParams,
        response: s.withErrors({ 200: s.assistantSchema.describe('The assistant') }),
      },
    },
    async (request) => presentAssistant(await core.assistants.get(request.actor, request.params.id)),
  );

  for (const method of ['put', 'patch'] as const) {
    app[method](
      '/:id',
      {
        onRequest: signedIn,
        schema: {
          tags,
          operationId: method === 'patch' ? 'updateAssistant' : 'putAssistant',
          summary: 'Change an assistant',
          description:
            'Owner only. Absent fields are kept; null clears an optional one. PUT and PATCH do the same (the assistants API ' +
            'uses PUT).',
          params: s.assistantIdParams,
          body: s.assistantUpdateBody,
          response: one,
        },
      },
      async (request) => {
        const assistant = await core.assistants.update(actorOf(request), request.params.id, toPatch(request.body));
        return presentAssistant({ assistant, access: 'owner' });
      },
    );
  }

  app.delete(
    '/:id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        operationId: 'deleteAssistant',
        summary: 'Delete an assistant',
        description: 'Owner only. Conversations held with it stay, with their messages.',
        params: s.assistantIdParams,
        response: s.withErrors({ 200: s.messageOnlySchema.describe('Deleted') }),
      },
    },
    async (request) => {
      await core.assistants.delete(actorOf(request), request.params.id);
      return { message: 'Assistant deleted successfully' };
    },
  );
};
