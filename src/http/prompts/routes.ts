import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { presentPrompt } from './presenters.ts';
import * as s from './schemas.ts';

/** The prompt library under /api/chat/prompts; errors in the default `{detail}` form. */
export const promptRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.prompts];

  app.post(
    '/',
    {
      schema: {
        tags,
        operationId: 'createPrompt',
        summary: 'Create a prompt',
        description:
          'A prompt of the caller’s, with `{variable}` placeholders filled in by the preview. Admins may create system ' +
          'templates (`is_template: true`), which every user sees.',
        body: s.promptCreateBody,
        response: s.withErrors({ 201: s.promptSchema.describe('The prompt created') }),
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
        operationId: 'listPrompts',
        summary: 'List prompts',
        description:
          'A page (`page`, `page_size`) of the caller’s prompts, then the system templates (unless `include_templates=false`), ' +
          'filtered by `scenario` and by text (`search`).',
        querystring: s.promptListQuery,
        response: s.withErrors({ 200: s.promptListSchema.describe('A page of prompts, with the total') }),
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
        operationId: 'previewPrompt',
        summary: 'Preview a prompt',
        description:
          'Fills in the `{variables}` of a stored prompt (`prompt_id`) or of the text given (`content`) and runs it through a ' +
          'model once; nothing is stored. Variables left without a value are a 422 naming them.',
        body: s.previewBody,
        response: s.withErrors({
          200: s.previewSchema.describe('The model’s answer, with the tokens it took'),
          400: s.detailSchema.describe('The model is not available'),
          502: s.detailSchema.describe('The model provider failed or could not be reached'),
        }),
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
    {
      schema: {
        tags,
        operationId: 'getPrompt',
        summary: 'Get a prompt',
        description: 'One of the caller’s prompts, or a system template.',
        params: s.promptIdParams,
        response: s.withErrors({ 200: s.promptSchema.describe('The prompt') }),
      },
    },
    async (request) => presentPrompt(await core.prompts.get(actorOf(request), request.params.prompt_id)),
  );

  app.put(
    '/:prompt_id',
    {
      schema: {
        tags,
        operationId: 'updatePrompt',
        summary: 'Change a prompt',
        description: 'Only the fields sent change; null clears an optional one.',
        params: s.promptIdParams,
        body: s.promptUpdateBody,
        response: s.withErrors({ 200: s.promptSchema.describe('The prompt, changed') }),
      },
    },
    async (request) => presentPrompt(await core.prompts.update(actorOf(request), request.params.prompt_id, request.body)),
  );

  app.delete(
    '/:prompt_id',
    {
      schema: {
        tags,
        operationId: 'deletePrompt',
        summary: 'Delete a prompt',
        description: 'Deletes one of the caller’s prompts for good (a system template: admins only).',
        params: s.promptIdParams,
        response: s.withErrors({ 200: s.messageOnlySchema.describe('Deleted') }),
      },
    },
    async (request) => {
      await core.prompts.delete(actorOf(request), request.params.prompt_id);
      return { message: 'Prompt deleted successfully' };
    },
  );
};
