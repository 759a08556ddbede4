import type { ServerResponse } from 'node:http';
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/actor.ts';
import { AppError } from '../../core/errors.ts';
import type { Core } from '../../core/index.ts';
import { ChatSocketProtocol } from '../../realtime/chat-socket.ts';
import { CLOSE_CODES, SocketHub } from '../../realtime/socket-hub.ts';
import { bearerToken } from '../plugins/auth.ts';
import { envelopeNotFound } from './envelope.ts';
import { presentEventData, presentMessage } from './presenters.ts';

// A refused socket is closed right after the upgrade with 4000 + the status the same request would get over REST.
export { CLOSE_CODES };
const MAX_FRAME_BYTES = 1_048_576;

type Admission = { ok: true; actor: Actor; sessionId: string } | { ok: false; code: number; reason: string };

/**
 * `GET /ws/:session_id`: a session's realtime channel (token in `Authorization: Bearer` or `?token=`).
 * The credential is checked for the socket's whole life: the hub closes it (4401) when the token or
 * key expires or is revoked, and (4404) when the session is deleted.
 */
export const wsRoutes: FastifyPluginAsync<{ core: Core; heartbeatSeconds: number }> = async (app, { core, heartbeatSeconds }) => {
  const protocol = new ChatSocketProtocol({
    conversations: core.conversations,
    engine: core.engine,
    limits: core.requestLimits.model,
    presentMessage,
    send: (socket, frame) => hub.send(socket, frame),
    logError: (err) => app.log.error({ err }, 'websocket frame failed'),
  });
  const hub = new SocketHub({
    bus: core.bus,
    heartbeatMs: heartbeatSeconds * 1000,
    eventFrame: (event) => JSON.stringify({ type: 'event', event: event.event, data: presentEventData(event) }),
    onFrame: (socket, member, text) => protocol.handle(socket, member, text),
    onError: (err, source) =>
      source === 'event' ? app.log.error({ err }, 'session event not relayed') : app.log.debug({ err }, 'websocket error'),
    metrics: core.metrics,
  });
  // Added before the websocket plugin's own, so sockets hear why they close.
  app.addHook('preClose', async () => hub.close());
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

  const admissions = new WeakMap<FastifyRequest, Admission & { response: ServerResponse }>();
  app.route<{ Params: { session_id: string } }>({
    method: 'GET',
    url: '/ws/:session_id',
    // A websocket endpoint only: kept out of the OpenAPI document.
    schema: { hide: true },
    // Decided before the upgrade, so the socket handler can join synchronously and lose no frame.
    preValidation: async (request, reply) => {
      if (request.ws) admissions.set(request, { ...(await admit(core, request)), response: reply.raw });
    },
    wsHandler: (socket, request) => {
      const admission = admissions.get(request);
      // The upgrade leaves the HTTP response attached to the connection, and through the response's
      // listeners the whole request; detached, both are garbage (several KB per idle socket).
      admission?.response.detachSocket(request.raw.socket);
      if (!admission?.ok) {
        socket.close(admission?.code ?? 1011, admission?.reason ?? 'Internal error');
        return;
      }
      hub.join(socket, { sessionId: admission.sessionId, actor: admission.actor });
    },
    // A plain HTTP request (no upgrade) finds no REST route here: a 404 in the surface's envelope.
    handler: envelopeNotFound,
  });
};

async function admit(core: Core, request: FastifyRequest<{ Params: { session_id: string } }>): Promise<Admission> {
  try {
    const token = credential(request);
    if (!token) return { ok: false, code: CLOSE_CODES.unauthorized, reason: 'Not authenticated' };
    const actor = await core.authenticator.authenticate(token);
    await core.requestLimits.api.hit({ actor });
    const conversation = await core.conversations.get(actor, request.params.session_id);
    return { ok: true, actor, sessionId: conversation.id };
  } catch (err) {
    if (err instanceof AppError && err.status >= 400 && err.status < 500) {
      return { ok: false, code: 4000 + err.status, reason: err.message.slice(0, 120) };
    }
    request.log.error({ err }, 'websocket admission failed');
    return { ok: false, code: 1011, reason: 'Internal error' };
  }
}

/** Browsers cannot set headers on a websocket, hence the query parameter. */
function credential(request: FastifyRequest): string | undefined {
  const fromHeader = bearerToken(request);
  if (fromHeader) return fromHeader;
  const token = (request.query as { token?: unknown }).token;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}
