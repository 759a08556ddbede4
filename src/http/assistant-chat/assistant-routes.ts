import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Core } from '../../core/index.ts';
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
  const tags = ['assistants'];
  const one = s.withErrors({ 200: s.assistantSchema, 400: s.detailSchema });

  app.post(
    '/',
    {
      onRequest: signedIn,
      schema: { tags, summary: 'Create an assistant', body: s.assistantCreateBody, response: s.withErrors({ 201: s.assistantSchema, 400: s.detailSchema }) },
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
      schema: { tags, summary: 'List your assistants, newest first', querystring: s.assistantListQuery, response: s.withErrors({ 200: s.assistantListSchema }) },
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
        summary: 'Get an assistant (public ones without signing in; the configuration to the owner only)',
        params: s.assistantIdParams,
        response: s.withErrors({ 200: s.assistantSchema }),
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
          summary: 'Change an assistant (owner only); absent fields are kept, null clears an optional one',
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
        summary: 'Delete an assistant (owner only); its conversations stay',
        params: s.assistantIdParams,
        response: s.withErrors({ 200: s.messageOnlySchema }),
      },
    },
    async (request) => {
      await core.assistants.delete(actorOf(request), request.params.id);
      return { message: 'Assistant deleted successfully' };
    },
  );
};
