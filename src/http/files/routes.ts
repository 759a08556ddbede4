import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import type { Core } from '../../core/index.ts';
import { MAX_FILE_BYTES } from '../../core/files/files-service.ts';
import { assistantFileRoutes } from './assistant-routes.ts';
import { drainUnreadBody, uploadErrorHandler } from './multipart.ts';
import { sessionFileRoutes } from './session-routes.ts';

/**
 * PDF documents: a session's files (seed 002, under /api/chat/sessions) and an assistant's
 * knowledge files (under /api/v1/assistants). Multipart parsing exists only inside this plugin.
 */
export const fileRoutes: FastifyPluginAsync<{ core: Core }> = async (app, { core }) => {
  await app.register(multipart, {
    // One file per request, a handful of small fields; uploads stream past the JSON body limit.
    limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 8, fieldSize: 4096, parts: 10, headerPairs: 50 },
  });
  app.setErrorHandler(uploadErrorHandler);
  app.addHook('onResponse', async (request) => drainUnreadBody(request));
  await app.register(sessionFileRoutes, { core, prefix: '/api/chat/sessions' });
  await app.register(assistantFileRoutes, { core, prefix: '/api/v1/assistants' });
};
