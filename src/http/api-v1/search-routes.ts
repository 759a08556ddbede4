import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { withErrors } from './schemas.ts';
import { searchPageSchema, searchQuery } from './search-schemas.ts';

export const searchRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/search',
    {
      onRequest: requireAuth(core.authenticator),
      schema: {
        tags: [TAG.search],
        operationId: 'searchConversations',
        summary: 'Search your conversations',
        description:
          'Searches the caller’s conversation titles and messages, best match first. English words match by stem and "quoted phrases" in order; a run of Chinese, Japanese or Korean characters matches wherever it occurs as a substring. Deleted conversations and messages never match.',
        querystring: searchQuery,
        response: withErrors({ 200: searchPageSchema.describe('A page of hits, best first, with the total') }),
      },
    },
    async (request) => {
      const { q, skip, limit } = request.query;
      return core.search.search(actorOf(request), q, { skip, limit });
    },
  );
};
