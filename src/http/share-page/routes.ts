import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { Core } from '../../core/index.ts';
import { shareParams } from '../api-v1/share-schemas.ts';
import { TAG } from '../openapi/tags.ts';
import { enforceRequestLimit } from '../plugins/rate-limits.ts';
import { renderMissingPage, renderSharePage } from './render.ts';

/** The page allows inline styles and nothing else: no script, image, frame, font or connection. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  // The link is the credential: it must not leak to sites the reader goes on to.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-robots-tag': 'noindex, nofollow',
  // Revocation takes effect at once only if nothing keeps a copy.
  'cache-control': 'no-store',
};

const sendPage = (reply: FastifyReply, status: number, html: string) => reply.status(status).headers(PAGE_HEADERS).send(html);

/** `GET /s/{share_id}`: a shared conversation as a readable page, for anyone holding the link. */
export const sharePageRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/s/:share_id',
    {
      // A page opened from a link carries no credential: every reader counts against its address's API limit.
      onRequest: async (request, reply) => {
        request.actor = null;
        await enforceRequestLimit(request, reply);
      },
      schema: {
        tags: [TAG.sharing],
        operationId: 'viewSharedConversationPage',
        summary: 'View a shared conversation as a page',
        description:
          'The snapshot as a readable HTML page, for anyone holding the link: no authentication, no script. 404 (also an ' +
          'HTML page) once revoked, once the conversation is deleted, or for an unknown id.',
        security: [],
        produces: ['text/html'],
        params: shareParams,
        // Both pages are strings sent as text/html, which Fastify never runs through a serializer.
        response: {
          200: z.string().describe('The conversation as an HTML page'),
          404: z.string().describe('An HTML page saying the link is not valid'),
        },
      },
    },
    async (request, reply) => {
      try {
        return sendPage(reply, 200, renderSharePage(await core.shares.read(request.params.share_id)));
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return sendPage(reply, 404, renderMissingPage());
        throw err;
      }
    },
  );
};
