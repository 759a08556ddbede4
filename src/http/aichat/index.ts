import type { FastifyPluginAsync } from 'fastify';
import type { Core } from '../../core/index.ts';
import { ENVELOPE_PREFIXES, envelopeErrorHandler, envelopeNotFoundUnder } from './envelope.ts';
import { messageRoutes } from './message-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { viewRoutes } from './view-routes.ts';
import { wsRoutes } from './ws-routes.ts';

/**
 * Seed 003's surface: sessions and messages under /api/chat, view routes under /aichat, and the
 * session websocket at /ws/:session_id. Every reply, errors included, is `{code, message, data}`.
 */
export const aichatRoutes: FastifyPluginAsync<{ core: Core; heartbeatSeconds: number }> = async (app, { core, heartbeatSeconds }) => {
  app.setErrorHandler(envelopeErrorHandler);
  await app.register(envelopeNotFoundUnder(ENVELOPE_PREFIXES));
  await app.register(sessionRoutes, { core, prefix: '/api/chat' });
  await app.register(messageRoutes, { core, prefix: '/api/chat' });
  await app.register(viewRoutes, { core, prefix: '/aichat' });
  await app.register(wsRoutes, { core, heartbeatSeconds });
};
