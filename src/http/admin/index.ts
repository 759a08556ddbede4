import type { FastifyPluginAsync } from 'fastify';
import type { Core } from '../../core/index.ts';
import { adminConversationRoutes } from './conversation-routes.ts';
import { adminUserRoutes } from './user-routes.ts';

/** Administration under /api/v1/admin: one file per resource, each registered here. */
export const adminRoutes: FastifyPluginAsync<{ core: Core }> = async (app, { core }) => {
  await app.register(adminUserRoutes, { core });
  await app.register(adminConversationRoutes, { core });
};
