import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { priceKnown } from '../../providers/catalog.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import * as s from './schemas.ts';
import { usageRange } from './usage-range.ts';

export const usageRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const auth = requireAuth(core.authenticator);

  app.get(
    '/tokens/usage',
    {
      onRequest: auth,
      schema: {
        tags: [TAG.usage],
        operationId: 'getUsage',
        summary: 'Get your token usage and cost',
        description:
          'Tokens, cost and requests over a range of days (default: the last 30), in all, by day (each split by model) and by ' +
          'model; with where the caller stands against each budget now.',
        querystring: s.usageQuery,
        response: s.withErrors({ 200: s.usageSummarySchema.describe('Usage over the range, and the budgets’ standing') }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const [summary, budgets] = await Promise.all([core.usage.summary(actor, usageRange(request.query)), core.budgets.standing(actor.userId, actor.apiKeyId)]);
      return { ...summary, budgets };
    },
  );

  app.get(
    '/models',
    {
      onRequest: auth,
      schema: {
        tags: [TAG.usage],
        operationId: 'listModels',
        summary: 'List the models offered',
        description:
          'The models of every configured provider, from the catalog and from the providers’ own model lists, with prices per ' +
          'million tokens when known; and the model used when a request names none.',
        response: s.withErrors({ 200: s.modelListSchema.describe('The default model and every model offered') }),
      },
    },
    async () => ({
      default_model: core.models.defaultModel,
      models: core.models.list().map((m) => ({
        id: m.id,
        provider: m.provider,
        context_window: m.context_window,
        input_price_per_million: m.input_per_million,
        output_price_per_million: m.output_per_million,
        pricing: priceKnown(m) ? ('known' as const) : ('unknown' as const),
        source: m.source,
      })),
    }),
  );
};
