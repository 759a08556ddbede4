import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { presentUser } from '../api-v1/presenters.ts';
import { idParams, userSchema, withErrors } from '../api-v1/schemas.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';

const userPatchBody = z
  .object({
    tier: z.enum(['free', 'pro', 'enterprise']).optional(),
    role: z.enum(['user', 'admin']).optional(),
    active: z.boolean().optional(),
  })
  .refine((b) => b.tier !== undefined || b.role !== undefined || b.active !== undefined, {
    message: 'At least one of tier, role and active is required',
  });

/** Account administration: tier (rate limits), role and activation. Admins only, enforced by the service. */
export const adminUserRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));

  app.patch(
    '/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a user’s tier, role or active flag (admins only)',
        params: idParams,
        body: userPatchBody,
        response: withErrors({ 200: userSchema }),
      },
    },
    async (request) => presentUser(await core.accounts.updateUser(actorOf(request), request.params.id, request.body)),
  );
};
