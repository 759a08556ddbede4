import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { priceKnown } from '../../providers/catalog.ts';
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
        tags: ['usage'],
        summary: 'Token usage and cost with daily and per-model breakdowns (default: the last 30 days)',
        querystring: s.usageQuery,
        response: s.withErrors({ 200: s.usageSummarySchema }),
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
      schema: { tags: ['models'], summary: 'Models offered by the configured providers', response: s.withErrors({ 200: s.modelListSchema }) },
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
