import type { FastifyInstance, FastifyBaseLogger, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Message } from '../../core/conversations/messages-service.ts';
import type { Core } from '../../core/index.ts';
import { actorOf } from '../plugins/auth.ts';
import { success } from './envelope.ts';
import * as s from './schemas.ts';

export type AichatApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

// The document serves some operations at two paths (under /api/chat and under /aichat):
// each is registered from here, so both paths stay the same operation.

/** How an operation appears in the OpenAPI document: each path needs its own operationId. */
export interface OperationDoc {
  tags: string[];
  operationId: string;
}

export function renameSessionRoute(app: AichatApp, core: Core, url: string, doc: OperationDoc) {
  app.patch(
    url,
    {
      schema: {
        ...doc,
        summary: 'Rename a session',
        description: 'Sets the session’s title; `data` is a confirmation sentence.',
        params: s.sessionParams,
        body: s.renameSessionBody,
        response: s.enveloped(s.doneText, 'Renamed'),
      },
    },
    async (request) => {
      await core.conversations.update(actorOf(request), request.params.session_id, { title: request.body.new_title });
      return success('标题更新成功');
    },
  );
}

export function deleteSessionRoute(app: AichatApp, core: Core, url: string, doc: OperationDoc) {
  app.delete(
    url,
    {
      schema: {
        ...doc,
        summary: 'Delete a session',
        description: 'Deletes the session with its messages and files; `data` is a confirmation sentence.',
        params: s.sessionParams,
        response: s.enveloped(s.doneText, 'Deleted'),
      },
    },
    async (request) => {
      await core.conversations.delete(actorOf(request), request.params.session_id);
      return success('会话删除成功');
    },
  );
}

export function messagePageRoute<T extends z.ZodType>(
  app: AichatApp,
  core: Core,
  url: string,
  doc: OperationDoc,
  item: { schema: T; present: (m: Message) => z.output<T> },
) {
  app.get(
    url,
    {
      schema: {
        ...doc,
        summary: 'List a session’s messages',
        description: 'A page (`page`, `page_size`) of the session’s messages, oldest first.',
        params: s.sessionParams,
        querystring: s.messagePageQuery,
        response: s.enveloped(s.pageOf(item.schema), 'A page of messages, with the total'),
      },
    },
    async (request) => {
      const { offset, limit, page, page_size } = s.messagePage(request.query);
      const { items, total } = await core.messages.list(actorOf(request), request.params.session_id, { offset, limit });
      return success({ items: items.map(item.present), total, page, page_size });
    },
  );
}
