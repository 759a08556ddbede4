import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { Core } from '../../core/index.ts';
import { drainUnreadBody, readUpload, uploadErrorHandler } from '../files/multipart.ts';
import { TAG } from '../openapi/tags.ts';
import { actorOf, requireAuth } from '../plugins/auth.ts';
import * as s from './schemas.ts';
import { exportQuery, importBody, importResultSchema, parleyDocumentSchema } from './transfer-schemas.ts';

/** An import's 422 lists every problem with its place; anything else is answered as elsewhere. */
function transferErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError && err.code === 'validation' && Array.isArray(err.details?.issues)) {
    return reply.status(422).send({ detail: err.details.issues });
  }
  return uploadErrorHandler(err, request, reply);
}

// Header values must stay ASCII: a title becomes a safe file name, and the full one goes in filename*.
const fileName = (title: string | null, fallback: string, ext: string) => {
  const base = (title ?? '').replace(/[^\p{L}\p{N} _-]+/gu, '').trim().slice(0, 80) || fallback;
  const ascii = base.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}.${ext}"; filename*=UTF-8''${encodeURIComponent(`${base}.${ext}`)}`;
};

/** Export and import under /api/v1: one conversation, everything as JSON Lines, and imports. */
export const transferRoutes: FastifyPluginAsync<{ core: Core }> = async (scope, { core }) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const maxBytes = core.transfer.limits.importMaxBytes;
  // Multipart parsing exists only in this plugin, for the import's `file` field.
  await app.register(multipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 8, fieldSize: 4096, parts: 10, headerPairs: 50 },
  });
  app.setErrorHandler(transferErrorHandler);
  app.addHook('onResponse', async (request) => drainUnreadBody(request));
  app.addHook('onRequest', requireAuth(core.authenticator));
  const tags = [TAG.transfer];

  app.get(
    '/conversations/:id/export',
    {
      schema: {
        tags,
        operationId: 'exportConversation',
        summary: 'Export a conversation',
        description:
          'As Parley JSON (`format=json`, the default) or Markdown (`format=markdown`), as a file download. ' +
          'json: every field and every live message of every branch with its parent_id, and the active leaf; importing it ' +
          'back gives the same conversation under new ids. markdown: the active path as a readable document.',
        params: s.idParams,
        querystring: exportQuery,
        produces: ['application/json', 'text/markdown'],
        response: s.withErrors({
          200: z
            .union([parleyDocumentSchema, z.string().describe('The Markdown document')])
            .describe('The conversation as Parley JSON, or with format=markdown as a Markdown document'),
        }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (request.query.format === 'markdown') {
        const { title, markdown } = await core.transfer.exportMarkdown(actor, request.params.id);
        reply.header('content-disposition', fileName(title, 'conversation', 'md'));
        return reply.type('text/markdown; charset=utf-8').send(markdown);
      }
      const document = await core.transfer.exportJson(actor, request.params.id);
      reply.header('content-disposition', fileName(document.title, 'conversation', 'json'));
      return document;
    },
  );

  app.get(
    '/export',
    {
      schema: {
        tags,
        operationId: 'exportAllConversations',
        summary: 'Export all your conversations',
        description:
          'One Parley JSON conversation per line (the same document as GET /conversations/{id}/export), oldest first, ' +
          'archived ones included, streamed as it is read. The file can be imported back as it is.',
        produces: ['application/x-ndjson'],
        response: s.withErrors({ 200: z.string().describe('JSON Lines: one conversation per line') }),
      },
    },
    async (request, reply) => {
      const documents = core.transfer.exportAll(actorOf(request));
      const lines = Readable.from(
        (async function* () {
          for await (const document of documents) yield `${JSON.stringify(document)}\n`;
        })(),
      );
      reply.header('content-disposition', `attachment; filename="parley-export-${new Date().toISOString().slice(0, 10)}.jsonl"`);
      // Fastify sends a stream as it is, never through the response schema (which only documents it).
      return reply.type('application/x-ndjson; charset=utf-8').send(lines as unknown as string);
    },
  );

  app.post(
    '/import',
    {
      bodyLimit: maxBytes,
      schema: {
        tags,
        operationId: 'importConversations',
        summary: 'Import conversations',
        description:
          'A JSON body, or a multipart upload in the field `file`. Accepted: a Parley export (one conversation, an array, ' +
          'or the JSON Lines of GET /export); ChatGPT’s conversations.json (its mapping tree becomes branches, current_node ' +
          'the active leaf); {title?, messages: [{role, content}]} or an array of them. Everything is checked first and ' +
          'written in one transaction: a file imports whole or not at all (422 listing where it cannot be read). ' +
          'Everything created belongs to the caller. 413 past the size limit, 422 past the message limit.',
        consumes: ['application/json', 'multipart/form-data'],
        documentedBody: importBody,
        response: s.withErrors({
          201: importResultSchema.describe('What was imported'),
          400: s.detailSchema.describe('The body is not JSON, or a malformed multipart body'),
          413: s.detailSchema.describe('The file is larger than the import limit'),
          422: s.detailSchema.describe('The file cannot be read as any accepted format (`detail` lists where), or it has too many messages'),
        }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const source = request.isMultipart()
        ? { kind: 'file' as const, data: (await readUpload(request, maxBytes)).data }
        : { kind: 'json' as const, body: request.body };
      const result = await core.transfer.import(actor, source);
      return reply.status(201).send({
        conversation_ids: result.conversationIds,
        imported: result.conversationIds.length,
        message_count: result.messageCount,
        formats: result.formats,
      });
    },
  );
};
