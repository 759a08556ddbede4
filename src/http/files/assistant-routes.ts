import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { MAX_FILE_BYTES } from '../../core/files/files-service.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { readUpload } from './multipart.ts';
import { presentFileSummary, presentUpload } from './presenters.ts';
import * as s from './schemas.ts';

/** An assistant's knowledge files: used as context in every conversation with the assistant. */
export const assistantFileRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = ['assistants'];

  app.post(
    '/:assistant_id/files',
    {
      schema: {
        tags,
        summary: 'Attach a PDF to an assistant as knowledge for every conversation with it (owner only)',
        consumes: ['multipart/form-data'],
        params: s.assistantParams,
        response: s.uploadResponses,
      },
    },
    async (request, reply) => {
      const { file, created } = await core.files.uploadToAssistant(actorOf(request), request.params.assistant_id, () =>
        readUpload(request, MAX_FILE_BYTES),
      );
      return reply.status(created ? 201 : 200).send(presentUpload(file));
    },
  );

  app.get(
    '/:assistant_id/files',
    {
      schema: { tags, summary: 'List an assistant’s knowledge files', params: s.assistantParams, response: s.withErrors({ 200: s.fileListSchema }) },
    },
    async (request) => {
      const items = await core.files.listForAssistant(actorOf(request), request.params.assistant_id);
      return { items: items.map(presentFileSummary), total: items.length };
    },
  );

  app.delete(
    '/:assistant_id/files/:file_id',
    {
      schema: {
        tags,
        summary: 'Remove a knowledge file from an assistant',
        params: s.assistantFileParams,
        response: s.withErrors({ 200: s.messageOnlySchema }),
      },
    },
    async (request) => {
      await core.files.deleteFromAssistant(actorOf(request), request.params.assistant_id, request.params.file_id);
      return { message: 'File deleted successfully' };
    },
  );
};
