import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { presentUser } from '../api-v1/presenters.ts';
import { detailSchema, idParams, usageQuery, usageSummarySchema, userSchema, withErrors } from '../api-v1/schemas.ts';
import { usageRange } from '../api-v1/usage-range.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { userListQuery, userListSchema, userPatchBody } from './user-schemas.ts';

/** Account administration: listing, usage, tier (rate limits), role and activation. Admins only, enforced by the services. */
export const adminUserRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.admin];

  app.get(
    '/users',
    {
      schema: {
        tags,
        operationId: 'adminListUsers',
        summary: 'List users',
        description: 'Admins only. A page of users, newest account first, filtered by text (`q`), role, tier or activation.',
        querystring: userListQuery,
        response: withErrors({ 200: userListSchema }),
      },
    },
    async (request) => {
      const { q, skip, limit, role, tier, active } = request.query;
      const { items, total } = await core.userDirectory.list(actorOf(request), { q, role, tier, active, offset: skip, limit });
      const presented = items.map((u) => ({ ...presentUser(u), last_active_at: u.lastActiveAt?.toISOString() ?? null }));
      return { items: presented, total, skip, limit };
    },
  );

  app.get(
    '/users/:id/usage',
    {
      schema: {
        tags,
        operationId: 'adminGetUserUsage',
        summary: 'Get a user’s usage',
        description:
          'Admins only. A user’s token usage and cost, with the same range rules and body as `GET /api/v1/tokens/usage` ' +
          '(default: the last 30 days).',
        params: idParams,
        querystring: usageQuery,
        response: withErrors({ 200: usageSummarySchema.describe('The user’s usage over the range') }),
      },
    },
    async (request) => {
      // Authorized (admins only, the user exists) by the summary, before the budgets are read.
      const summary = await core.usage.summaryOf(actorOf(request), request.params.id, usageRange(request.query));
      return { ...summary, budgets: await core.budgets.standing(request.params.id) };
    },
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        operationId: 'adminUpdateUser',
        summary: 'Change a user',
        description:
          'Admins only. Changes a user’s tier (its rate limits and daily token budget), role, activation or monthly spend ' +
          'limit; only the fields given change. A deactivated user’s logins end at once.',
        params: idParams,
        body: userPatchBody,
        response: withErrors({
          200: userSchema.describe('The user, changed'),
          400: detailSchema.describe('An admin may not remove their own admin role or deactivate themselves'),
        }),
      },
    },
    async (request) => {
      const { tier, role, active, is_active, monthly_budget_usd } = request.body;
      const patch = { tier, role, active: active ?? is_active, monthlyBudgetUsd: monthly_budget_usd };
      return presentUser(await core.accounts.updateUser(actorOf(request), request.params.id, patch));
    },
  );
};
