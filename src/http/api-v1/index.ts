import type { FastifyPluginAsync } from 'fastify';
import type { Core } from '../../core/index.ts';
import { authRoutes } from './auth-routes.ts';
import { branchRoutes } from './branch-routes.ts';
import { conversationRoutes } from './conversation-routes.ts';
import { messageRoutes } from './message-routes.ts';
import { pinTagRoutes } from './pin-tag-routes.ts';
import { searchRoutes } from './search-routes.ts';
import { shareRoutes } from './share-routes.ts';
import { transferRoutes } from './transfer-routes.ts';
import { turnRoutes } from './turn-routes.ts';
import { usageRoutes } from './usage-routes.ts';

/** Seed 000's surface: accounts, conversations, messages, usage and models under /api/v1. */
export const apiV1Routes: FastifyPluginAsync<{ core: Core }> = async (app, { core }) => {
  await app.register(authRoutes, { core, prefix: '/auth' });
  await app.register(conversationRoutes, { core, prefix: '/conversations' });
  await app.register(turnRoutes, { core, prefix: '/conversations' });
  await app.register(branchRoutes, { core, prefix: '/conversations' });
  await app.register(messageRoutes, { core, prefix: '/conversations' });
  await app.register(usageRoutes, { core });
  await app.register(searchRoutes, { core });
  await app.register(pinTagRoutes, { core, prefix: '/conversations' });
  // Its own hooks per route: the public read of a share sits outside the authenticated scopes.
  await app.register(shareRoutes, { core });
  await app.register(transferRoutes, { core });
};
