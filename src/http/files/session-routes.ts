import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { MAX_FILE_BYTES } from '../../core/files/files-service.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { readUpload } from './multipart.ts';
import { presentFile, presentFileSummary, presentUpload } from './presenters.ts';
import * as s from './schemas.ts';

/** A seed 002 session's PDF files: upload, list, read, delete. */
export const sessionFileRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = ['files'];

  app.post(
    '/:session_id/upload',
    {
      schema: {
        tags,
        summary: 'Upload a PDF (multipart field `file`, at most 10 MB) to use as context in the session',
        consumes: ['multipart/form-data'],
        params: s.sessionParams,
        response: s.uploadResponses,
      },
    },
    async (request, reply) => {
      const { file, created } = await core.files.uploadToConversation(actorOf(request), request.params.session_id, () =>
        readUpload(request, MAX_FILE_BYTES),
      );
      return reply.status(created ? 201 : 200).send(presentUpload(file));
    },
  );

  app.get(
    '/:session_id/files',
    {
      schema: { tags, summary: 'List the session’s files', params: s.sessionParams, response: s.withErrors({ 200: s.fileListSchema }) },
    },
    async (request) => {
      const items = await core.files.listForConversation(actorOf(request), request.params.session_id);
      return { items: items.map(presentFileSummary), total: items.length };
    },
  );

  app.get(
    '/:session_id/files/:file_id',
    {
      schema: { tags, summary: 'Get one of the session’s files with its text', params: s.sessionFileParams, response: s.withErrors({ 200: s.fileSchema }) },
    },
    async (request) =>
      presentFile(await core.files.getForConversation(actorOf(request), request.params.session_id, request.params.file_id)),
  );

  app.delete(
    '/:session_id/files/:file_id',
    {
      schema: {
        tags,
        summary: 'Delete a file from the session (it is no longer used as context)',
        params: s.sessionFileParams,
        response: s.withErrors({ 200: s.messageOnlySchema }),
      },
    },
    async (request) => {
      await core.files.deleteFromConversation(actorOf(request), request.params.session_id, request.params.file_id);
      return { message: 'File deleted successfully' };
    },
  );
};
