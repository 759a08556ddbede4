import type { FastifyInstance } from 'fastify';
import type { ModelRegistry } from '../../providers/catalog.ts';

/**
 * Before a handler runs, a model named in the request body that no provider is known to serve
 * has the providers' model lists read again (rate-limited in the registry), so a model added
 * upstream since the last read is found by the services' synchronous lookups. Every surface
 * names its model in the body's `model` field; the answer for a model still unknown (400) is
 * left to the service, in its surface's shape.
 */
export function refreshModelsOnMiss(app: FastifyInstance, models: ModelRegistry): void {
  app.addHook('preHandler', async (request) => {
    const model = (request.body as { model?: unknown } | null | undefined)?.model;
    if (typeof model !== 'string' || model.length === 0 || model.length > 300 || models.has(model)) return;
    await models.lookup(model).catch(() => {});
  });
}
