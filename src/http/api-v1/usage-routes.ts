import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { priceKnown } from '../../providers/catalog.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import * as s from './schemas.ts';

const DEFAULT_RANGE_DAYS = 30;
const day = (d: Date) => d.toISOString().slice(0, 10);
const FIRST_DAY = '0001-01-01';
// YYYY-MM-DD strings compare as dates; a year before 1 ('0000-…', '-000001-…') sorts below FIRST_DAY.
const maxDate = (a: string, b: string) => (a > b ? a : b);

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
      const end = request.query.end_date ?? day(new Date());
      const windowStart = day(new Date(new Date(`${end}T00:00:00Z`).getTime() - (DEFAULT_RANGE_DAYS - 1) * 86_400_000));
      const start = request.query.start_date ?? maxDate(windowStart, FIRST_DAY);
      return core.usage.summary(actorOf(request), { start, end });
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
