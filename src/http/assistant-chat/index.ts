import type { FastifyPluginAsync } from 'fastify';
import type { Core } from '../../core/index.ts';
import { assistantRoutes } from './assistant-routes.ts';
import { assistantChatRoutes } from './chat-routes.ts';

/** Seed 001's surface: chat with assistants (anonymous visitors too) and assistants CRUD, under /api/v1. */
export const assistantChatSurface: FastifyPluginAsync<{ core: Core }> = async (app, { core }) => {
  await app.register(assistantChatRoutes, { core, prefix: '/chat' });
  await app.register(assistantRoutes, { core, prefix: '/assistants' });
};
