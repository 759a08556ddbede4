import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { MAX_FILE_BYTES } from '../../core/files/files-service.ts';
import { multipartFile } from '../openapi/document.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { readUpload } from './multipart.ts';
import { presentFileSummary, presentUpload } from './presenters.ts';
import * as s from './schemas.ts';

/** An assistant's knowledge files: used as context in every conversation with the assistant. */
export const assistantFileRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.files];

  app.post(
    '/:assistant_id/files',
    {
      schema: {
        tags,
        operationId: 'uploadAssistantFile',
        summary: 'Attach a PDF to an assistant',
        description:
          'Owner only. A PDF of at most 10 MB, in the multipart field `file`, used as knowledge in every conversation with ' +
          'the assistant. The same content attached twice is stored once: the second upload answers 200 with the existing file.',
        consumes: ['multipart/form-data'],
        documentedBody: { content: multipartFile('The PDF document') },
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
      schema: {
        tags,
        operationId: 'listAssistantFiles',
        summary: 'List an assistant’s files',
        description: 'The assistant’s knowledge files, without their text.',
        params: s.assistantParams,
        response: s.withErrors({ 200: s.fileListSchema.describe('The files, with their count') }),
      },
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
        operationId: 'deleteAssistantFile',
        summary: 'Remove a file from an assistant',
        description: 'Owner only. The file is no longer used as knowledge in conversations with the assistant.',
        params: s.assistantFileParams,
        response: s.withErrors({ 200: s.messageOnlySchema.describe('Deleted') }),
      },
    },
    async (request) => {
      await core.files.deleteFromAssistant(actorOf(request), request.params.assistant_id, request.params.file_id);
      return { message: 'File deleted successfully' };
    },
  );
};
