import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PrometheusMetrics } from '../../core/metrics/prometheus-metrics.ts';
import type { Database } from '../../db/client.ts';
import { TAG } from '../openapi/tags.ts';

/** Whether the header carries the expected bearer token; compared in constant time (digests have one length). */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const presented = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

const statusSchema = z.object({ status: z.string() });
const readinessSchema = z.object({
  status: z.string(),
  checks: z.record(z.string(), z.enum(['ok', 'unreachable'])),
});

// A load balancer polls this; a dependency that hangs must not hang the answer.
const READINESS_TIMEOUT_MS = 2_000;

/** Whether the check succeeds within the time given. */
async function answersWithin(check: () => Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness, readiness, metrics and the OpenAPI document. */
export const opsRoutes: FastifyPluginAsync<{
  database: Database;
  app: FastifyInstance;
  metrics: PrometheusMetrics;
  metricsToken?: string;
  /** Dependencies besides the database, by name. */
  readiness?: Record<string, () => Promise<void>>;
}> = async (
  scope,
  opts,
) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/healthz',
    {
      schema: {
        tags: [TAG.operations],
        operationId: 'getLiveness',
        summary: 'Check that the process is up',
        description: 'Answers as long as the process serves requests, whatever its dependencies; for liveness probes.',
        security: [],
        response: { 200: statusSchema.describe('Up: `{"status": "ok"}`') },
      },
    },
    async () => ({ status: 'ok' }),
  );

  // The database, then any other dependency (Redis), each given a bounded time to answer.
  const checks: Record<string, () => Promise<void>> = { database: () => opts.database.ping(), ...opts.readiness };
  app.get(
    '/readyz',
    {
      schema: {
        tags: [TAG.operations],
        operationId: 'getReadiness',
        summary: 'Check that the dependencies answer',
        description:
          'The database, and Redis when configured, each given two seconds to answer; for readiness probes and load ' +
          'balancers. 503 names what does not answer, e.g. ' +
          '`{"status": "redis unreachable", "checks": {"database": "ok", "redis": "unreachable"}}`.',
        security: [],
        response: {
          200: readinessSchema.describe('Ready: every dependency answered'),
          503: readinessSchema.describe('Not ready: `checks` names what does not answer'),
        },
      },
    },
    async (_request, reply) => {
      const names = Object.keys(checks);
      const results = await Promise.all(names.map((name) => answersWithin(checks[name], READINESS_TIMEOUT_MS)));
      const failing = names.filter((_, i) => !results[i]);
      const report = Object.fromEntries(names.map((name, i) => [name, results[i] ? 'ok' : 'unreachable'] as const));
      if (failing.length === 0) return { status: 'ready', checks: report };
      return reply.status(503).send({ status: `${failing.join(' and ')} unreachable`, checks: report });
    },
  );

  const metricsSchema = {
    tags: [TAG.operations],
    operationId: 'getMetrics',
    summary: 'Get Prometheus metrics',
    description:
      'HTTP requests and their durations by route, model calls with their tokens, cost and failures, turns and connections ' +
      'in progress, in the Prometheus text format. With METRICS_TOKEN set, requires `Authorization: Bearer <METRICS_TOKEN>`.',
    security: opts.metricsToken ? [{ bearer: [] }] : [],
    response: {
      // A string sent as text/plain: Fastify never runs it through a serializer.
      200: { description: 'The metrics, in the Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
      401: z.object({ detail: z.string() }).describe('METRICS_TOKEN is set and the request does not carry it'),
    },
  };
  app.get('/metrics', { schema: metricsSchema }, async (request, reply) => {
    if (opts.metricsToken && !bearerMatches(request.headers.authorization, opts.metricsToken)) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ detail: 'Not authenticated' });
    }
    const { text, contentType } = await opts.metrics.render();
    return reply.type(contentType).send(text);
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => opts.app.swagger());
};
