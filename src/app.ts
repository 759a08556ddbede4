import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Core } from './core/index.ts';
import type { Database } from './db/client.ts';
import { apiV1Routes } from './http/api-v1/index.ts';
import { fastapiErrorHandler } from './http/plugins/errors.ts';
import { opsRoutes } from './http/ops/routes.ts';

export interface AppDeps {
  config: Config;
  database: Database;
  core: Core;
}

/** The whole HTTP application, with no listening socket: tests and main.ts both build it. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: deps.config.logLevel },
    // Request ids are generated, never taken from a client header.
    genReqId: () => crypto.randomUUID(),
    bodyLimit: 1_048_576,
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('actor', null);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley', description: 'Self-hosted backend for AI chat applications', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler(fastapiErrorHandler);
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ detail: 'Not Found' }));

  await app.register(opsRoutes, { database: deps.database, app });
  await app.register(apiV1Routes, { core: deps.core, prefix: '/api/v1' });
  return app;
}
