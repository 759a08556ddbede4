import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';

const statusSchema = z.object({ status: z.string() });

/** Liveness, readiness, metrics and the OpenAPI document. */
export const opsRoutes: FastifyPluginAsync<{ database: Database; app: FastifyInstance }> = async (scope, opts) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const requests = new Map<string, number>();
  opts.app.addHook('onResponse', async (request, reply) => {
    const key = `method="${request.method}",status="${reply.statusCode}"`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
  });

  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'The process is up', security: [], response: { 200: statusSchema } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'The database answers',
        security: [],
        response: { 200: statusSchema, 503: statusSchema },
      },
    },
    async (_request, reply) => {
      try {
        await opts.database.ping();
        return { status: 'ready' };
      } catch {
        return reply.status(503).send({ status: 'database unreachable' });
      }
    },
  );

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', security: [] } }, async (_request, reply) => {
    const memory = process.memoryUsage();
    const lines = [
      '# HELP parley_http_requests_total HTTP requests answered.',
      '# TYPE parley_http_requests_total counter',
      ...[...requests].map(([labels, n]) => `parley_http_requests_total{${labels}} ${n}`),
      '# HELP parley_process_resident_memory_bytes Resident memory.',
      '# TYPE parley_process_resident_memory_bytes gauge',
      `parley_process_resident_memory_bytes ${memory.rss}`,
      '# HELP parley_process_uptime_seconds Seconds since start.',
      '# TYPE parley_process_uptime_seconds gauge',
      `parley_process_uptime_seconds ${process.uptime().toFixed(0)}`,
    ];
    return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => opts.app.swagger());
};
