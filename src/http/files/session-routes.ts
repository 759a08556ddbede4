import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { MAX_FILE_BYTES } from '../../core/files/files-service.ts';
import { multipartFile } from '../openapi/document.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import { readUpload } from './multipart.ts';
import { presentFile, presentFileSummary, presentUpload } from './presenters.ts';
import * as s from './schemas.ts';

/** A chat session's PDF files: upload, list, read, delete. */
export const sessionFileRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.files];

  app.post(
    '/:session_id/upload',
    {
      schema: {
        tags,
        operationId: 'uploadSessionFile',
        summary: 'Upload a PDF to a session',
        description:
          'A PDF of at most 10 MB, in the multipart field `file`. Its text is extracted and used as context in the session’s ' +
          'replies. The same content uploaded twice is stored once: the second upload answers 200 with the existing file.',
        consumes: ['multipart/form-data'],
        documentedBody: { content: multipartFile('The PDF document') },
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
      schema: {
        tags,
        operationId: 'listSessionFiles',
        summary: 'List a session’s files',
        description: 'The session’s files, oldest first, without their text.',
        params: s.sessionParams,
        response: s.withErrors({ 200: s.fileListSchema.describe('The files, with their count') }),
      },
    },
    async (request) => {
      const items = await core.files.listForConversation(actorOf(request), request.params.session_id);
      return { items: items.map(presentFileSummary), total: items.length };
    },
  );

  app.get(
    '/:session_id/files/:file_id',
    {
      schema: {
        tags,
        operationId: 'getSessionFile',
        summary: 'Get a session’s file',
        description: 'One of the session’s files, with the text extracted from it.',
        params: s.sessionFileParams,
        response: s.withErrors({ 200: s.fileSchema.describe('The file, with its text') }),
      },
    },
    async (request) =>
      presentFile(await core.files.getForConversation(actorOf(request), request.params.session_id, request.params.file_id)),
  );

  app.delete(
    '/:session_id/files/:file_id',
    {
      schema: {
        tags,
        operationId: 'deleteSessionFile',
        summary: 'Delete a session’s file',
        description: 'The file is no longer used as context in the session’s replies.',
        params: s.sessionFileParams,
        response: s.withErrors({ 200: s.messageOnlySchema.describe('Deleted') }),
      },
    },
    async (request) => {
      await core.files.deleteFromConversation(actorOf(request), request.params.session_id, request.params.file_id);
      return { message: 'File deleted successfully' };
    },
  );
};
