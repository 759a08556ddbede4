import type { FastifyReply, FastifyRequest } from 'fastify';
import { applyErrorHeaders, classifyError } from '../plugins/errors.ts';

const TYPE_BY_STATUS: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'permission_denied' },
  404: { type: 'invalid_request_error', code: 'not_found' },
  409: { type: 'invalid_request_error', code: 'conflict' },
  413: { type: 'invalid_request_error', code: 'payload_too_large' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

/** OpenAI's error shape, `{error: {message, type, param, code}}`; bad parameters are 400 as OpenAI answers them. */
export function openaiErrorBody(status: number, message: string, param: string | null = null) {
  const kind = TYPE_BY_STATUS[status] ?? { type: 'api_error', code: null };
  return { error: { message, type: kind.type, param, code: kind.code } };
}

export function openaiErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const error = classifyError(err, request);
  applyErrorHeaders(reply, error);
  if (error.kind === 'validation') {
    const first = error.fields[0];
    const param = first ? first.loc.slice(1).join('.') || null : null;
    return reply.status(400).send(openaiErrorBody(400, error.message, param));
  }
  // A refused option names its parameter, as OpenAI's errors do; an unknown model names `model`.
  const details = error.error.details;
  const param = typeof details?.param === 'string' ? details.param : typeof details?.model === 'string' ? 'model' : null;
  return reply.status(error.status).send(openaiErrorBody(error.status, error.message, param));
}
