import path from 'node:path';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errors } from '../../core/errors.ts';
import type { Upload } from '../../core/files/files-service.ts';
import { fastapiErrorHandler } from '../plugins/errors.ts';

export const FILE_FIELD = 'file';

// Room for the multipart framing and a few small fields around the file itself.
const ENVELOPE_BYTES = 64 * 1024;

/** No `file` part in the form: answered as FastAPI answers a missing required form field. */
export class MissingFileError extends Error {
  constructor() {
    super('Field required: file');
  }
}

/** The `{detail}` handler, plus FastAPI's 422 list for a missing `file` field. */
export function uploadErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof MissingFileError) {
    return reply.status(422).send({ detail: [{ loc: ['body', FILE_FIELD], msg: 'Field required', type: 'missing' }] });
  }
  return fastapiErrorHandler(err, request, reply);
}

/**
 * After an answer given before the whole body was read (a refused upload), reads the rest and
 * discards it: a client still sending would otherwise stall, and its connection with it.
 */
export function drainUnreadBody(request: FastifyRequest): void {
  if (!request.raw.complete) request.raw.resume();
}

const tooLarge = (maxBytes: number) =>
  errors.tooLarge(`File too large: the limit is ${Math.round(maxBytes / (1024 * 1024))} MB`);

/**
 * Reads the `file` part of a multipart request, streaming, and refuses it with a 413 the moment
 * it passes `maxBytes`: nothing beyond the limit is ever held in memory.
 */
export async function readUpload(request: FastifyRequest, maxBytes: number): Promise<Upload> {
  if (!request.isMultipart()) throw new MissingFileError();
  // A declared length far past the limit is refused before a byte of the body is read.
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + ENVELOPE_BYTES) throw tooLarge(maxBytes);

  let part: MultipartFile | undefined;
  try {
    part = await request.file();
  } catch (err) {
    throw multipartError(err, maxBytes);
  }
  if (!part || part.fieldname !== FILE_FIELD) {
    part?.file.resume();
    throw new MissingFileError();
  }
  const data = await collect(part.file, maxBytes);
  return { filename: cleanFilename(part.filename), data };
}

async function collect(stream: MultipartFile['file'], maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let onLimit: (() => void) | undefined;
  // The parser stops delivering at the limit and only says so with this event, not by ending the stream.
  const limited = new Promise<never>((_, reject) => {
    onLimit = () => reject(tooLarge(maxBytes));
    stream.once('limit', onLimit);
  });
  const reading = (async () => {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk as Buffer);
    }
    if (stream.truncated) throw tooLarge(maxBytes);
  })();
  try {
    await Promise.race([reading, limited]);
  } catch (err) {
    // Stops the parser, which stops reading the request too; `drainUnreadBody` discards the rest.
    stream.destroy();
    reading.catch(() => {});
    throw multipartError(err, maxBytes);
  } finally {
    if (onLimit) stream.off('limit', onLimit);
    limited.catch(() => {});
  }
  return Buffer.concat(chunks, size);
}

/** Whatever the multipart parser throws becomes a clear client error, never a 500. */
function multipartError(err: unknown, maxBytes: number): unknown {
  if (err instanceof AppError || err instanceof MissingFileError) return err;
  const fe = err as Partial<FastifyError>;
  switch (fe.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(maxBytes);
    case 'FST_FILES_LIMIT':
      return errors.badRequest('Upload one file at a time');
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return errors.badRequest('Too many form fields: send only the `file` field');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new MissingFileError();
    case 'FST_MP_PREMATURE_CLOSE':
      return errors.badRequest('The upload was interrupted before it was complete');
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return err;
  // The parser's own errors (no boundary, malformed part headers, a form cut short) are plain Errors.
  return errors.badRequest(`Malformed multipart body: ${(err as Error)?.message ?? 'unreadable'}`);
}

/** The name shown back to the user: no directories, no control characters, a sane length. */
export function cleanFilename(name: string | undefined): string {
  const base = path.posix.basename((name ?? '').replace(/\\/g, '/'));
  const clean = base.replace(/\p{Cc}/gu, '').trim().slice(0, 255);
  return clean || 'document.pdf';
}
