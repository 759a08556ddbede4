import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { presentPrompt } from './presenters.ts';
import * as s from './schemas.ts';

/** Seed 002's prompt library under /api/chat/prompts; errors in the default `{detail}` form. */
export const promptRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = ['prompts'];
  const one = s.withErrors({ 200: s.promptSchema });

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a prompt',
        body: s.promptCreateBody,
        response: s.withErrors({ 201: s.promptSchema }),
      },
    },
    async (request, reply) => {
      const { title, content, scenario, description, metadata, is_template } = request.body;
      const prompt = await core.prompts.create(actorOf(request), {
        title,
        content,
        scenario,
        description,
        metadata,
        isTemplate: is_template,
      });
      return reply.status(201).send(presentPrompt(prompt));
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List the caller’s prompts, then the system templates',
        querystring: s.promptListQuery,
        response: s.withErrors({ 200: s.promptListSchema }),
      },
    },
    async (request) => {
      const { scenario, include_templates, search, page, page_size } = request.query;
      const { items, total } = await core.prompts.list(actorOf(request), {
        scenario,
        includeTemplates: include_templates,
        search: search || undefined,
        offset: (page - 1) * page_size,
        limit: page_size,
      });
      return { items: items.map(presentPrompt), total, page, page_size };
    },
  );

  app.post(
    '/preview',
    {
      config: { modelCall: true },
      schema: {
        tags,
        summary: 'Fill in a prompt’s {variables} and run it through a model once',
        body: s.previewBody,
        response: s.withErrors({ 200: s.previewSchema, 400: s.detailSchema, 502: s.detailSchema }),
      },
    },
    async (request) => {
      const { prompt_id, content, variables, model } = request.body;
      const result = await core.promptPreview.run(actorOf(request), { promptId: prompt_id, content, variables, model });
      return { preview: result.preview, tokens_used: result.tokensUsed, model_used: result.modelUsed };
    },
  );

  app.get(
    '/:prompt_id',
    { schema: { tags, summary: 'Get a prompt', params: s.promptIdParams, response: one } },
    async (request) => presentPrompt(await core.prompts.get(actorOf(request), request.params.prompt_id)),
  );

  app.put(
    '/:prompt_id',
    {
      schema: { tags, summary: 'Update a prompt (only the fields sent)', params: s.promptIdParams, body: s.promptUpdateBody, response: one },
    },
    async (request) => presentPrompt(await core.prompts.update(actorOf(request), request.params.prompt_id, request.body)),
  );

  app.delete(
    '/:prompt_id',
    {
      schema: {
        tags,
        summary: 'Delete a prompt',
        params: s.promptIdParams,
        response: s.withErrors({ 200: s.messageOnlySchema }),
      },
    },
    async (request) => {
      await core.prompts.delete(actorOf(request), request.params.prompt_id);
      return { message: 'Prompt deleted successfully' };
    },
  );
};
