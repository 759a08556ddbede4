import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Core } from './core/index.ts';
import type { Database } from './db/client.ts';
import { adminRoutes } from './http/admin/index.ts';
import { aichatRoutes } from './http/aichat/index.ts';
import { apiV1Routes } from './http/api-v1/index.ts';
import { assistantChatSurface } from './http/assistant-chat/index.ts';
import { chatV1Routes } from './http/chat-v1/routes.ts';
import { fileRoutes } from './http/files/routes.ts';
import { fastapiErrorHandler } from './http/plugins/errors.ts';
import { clientErrorHandler, frameworkErrorHandler, notFoundHandler } from './http/plugins/framework-errors.ts';
import { logSerializers } from './http/plugins/log-serializers.ts';
import { refreshModelsOnMiss } from './http/plugins/model-lookup.ts';
import { openaiRoutes } from './http/openai/routes.ts';
import { responsesRoutes } from './http/openai/responses-routes.ts';
import { swaggerOptions } from './http/openapi/document.ts';
import { opsRoutes } from './http/ops/routes.ts';
import { promptRoutes } from './http/prompts/routes.ts';
import { sharePageRoutes } from './http/share-page/routes.ts';
import { webAppRoutes } from './http/web-app/routes.ts';

export interface AppDeps {
  config: Config;
  database: Database;
  core: Core;
  /** Dependencies besides the database that `/readyz` checks, by name (Redis). */
  readiness?: Record<string, () => Promise<void>>;
}

/** The whole HTTP application, with no listening socket: tests and main.ts both build it. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Request lines are logged without the `?token=` a websocket may carry, errors without
    // the values of a failed query (emails, message text).
    logger: { level: deps.config.logLevel, serializers: logSerializers },
    // Request ids are generated, never taken from a client header.
    genReqId: () => crypto.randomUUID(),
    bodyLimit: 1_048_576,
    // Behind a reverse proxy, the client's address comes from X-Forwarded-For (anonymous rate limits use it).
    trustProxy: deps.config.server.trustProxy,
    // The longest path id any surface accepts: seed 001 session keys and seed 003 ids (200 characters).
    routerOptions: { maxParamLength: 200 },
    // Malformed paths and overlong parameters, in the shape of the surface the path belongs to.
    frameworkErrors: frameworkErrorHandler,
    // Requests Node's HTTP parser refuses (raw non-ASCII bytes in the path), likewise.
    clientErrorHandler,
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('actor', null);
  // Read by the auth hooks of every surface, which count each authenticated request.
  app.decorate('requestLimits', deps.core.requestLimits);

  await app.register(cors, {
    origin: deps.config.corsOrigins,
    // Bearer tokens only, never cookies: no credentials mode, so `*` is safe.
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    // allowedHeaders unset: the headers a preflight asks for are allowed as asked (Authorization,
    // Last-Event-ID, X-Session-Id, the OpenAI SDK's X-Stainless-* and OpenAI-* ...).
    exposedHeaders: ['X-Session-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'X-Request-Id'],
    maxAge: 600,
    // Preflights are answered for any path, so a browser sees the real status (404, 401) of the request itself.
    strictPreflight: false,
  });
  // Model lists are read before the first request is served, and kept fresh while the app runs.
  app.addHook('onReady', () => deps.core.models.start());
  app.addHook('onClose', async () => deps.core.models.stop());
  refreshModelsOnMiss(app, deps.core.models);

  await app.register(swagger, swaggerOptions);
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler(fastapiErrorHandler);
  // Unknown paths answer in the shape of the surface the path belongs to (OpenAI's under /v1).
  app.setNotFoundHandler(notFoundHandler);

  // One counter and one histogram update per answered request, labelled by the route's pattern
  // (never the raw path, whose ids would make a new series per conversation).
  const metrics = deps.core.metrics;
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestAnswered({
      method: request.method,
      route: request.routeOptions.url,
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
    done();
  });
  await app.register(opsRoutes, {
    database: deps.database,
    app,
    metrics,
    metricsToken: deps.config.metricsToken,
    readiness: deps.readiness,
  });
  await app.register(apiV1Routes, { core: deps.core, prefix: '/api/v1' });
  await app.register(assistantChatSurface, { core: deps.core, prefix: '/api/v1' });
  await app.register(adminRoutes, { core: deps.core, prefix: '/api/v1/admin' });
  await app.register(promptRoutes, { core: deps.core, prefix: '/api/chat/prompts' });
  // GET /s/{share_id}: a shared conversation as a page, for anyone holding the link.
  await app.register(sharePageRoutes, { core: deps.core });
  await app.register(chatV1Routes, { core: deps.core, prefix: '/v1/chat' });
  // Its own prefixes (/api/chat/sessions/…/upload|files, /api/v1/assistants/…/files) and its own multipart parser.
  await app.register(fileRoutes, { core: deps.core });
  // Seed 003: /api/chat/session(s), /api/chat/message(s), /aichat/…, /ws/:session_id, in its own envelope.
  await app.register(aichatRoutes, { core: deps.core, heartbeatSeconds: deps.config.realtime.heartbeatSeconds });
  await app.register(openaiRoutes, { core: deps.core, prefix: '/v1' });
  await app.register(responsesRoutes, { core: deps.core, prefix: '/v1' });
  // The chat web app at `/` (its pages and assets); unknown paths keep their surface's 404.
  if (deps.config.webApp.enabled) await app.register(webAppRoutes, { distDir: deps.config.webApp.distDir });
  return app;
}
