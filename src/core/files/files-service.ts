import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { and, asc, eq, getTableColumns, isNull, type SQL, sql } from 'drizzle-orm';
import { PgliteDatabase } from 'drizzle-orm/pglite';
import type { Db } from '../../db/client.ts';
import { assistants, fileChunks, fileParts, files } from '../../db/schema.ts';
import { type Actor, isAdmin } from '../actor.ts';
import type { Conversation, ConversationsService } from '../conversations/conversations-service.ts';
import { errors } from '../errors.ts';
import { isUuid, newId } from '../ids.ts';
import { splitIntoPassages } from './passages.ts';
import { DEFAULT_PDF_LIMITS, type PdfLimits, readPdfText } from './pdf-text.ts';

/** The seed's limit for one upload. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const PDF_MIME_TYPE = 'application/pdf';

const storedColumns = getTableColumns(files);
/** A file without its bytes (they are in file_parts): what every use case reads and answers. */
export type StoredFile = typeof files.$inferSelect;

export interface Upload {
  filename: string;
  data: Buffer;
}

/** Reads the upload itself; called only once the caller is known to be allowed to upload. */
export type UploadReader = () => Promise<Upload>;

export interface UploadResult {
  file: StoredFile;
  /** False when the same content was already attached there: the existing file is answered. */
  created: boolean;
}

type Target = { conversationId: string } | { assistantId: string };

// The embedded database runs on the server's thread: each statement holds it from start to end,
// and the time goes mostly into moving the values in (about 15-50 ms per MB, depending on load) and
// into maintaining the passages' search index. An upload is therefore written as many short
// statements in one transaction, nothing visible before the commit. Its queries never wait for
// I/O, so awaiting them does not free the event loop: the upload yields after each one itself
// (the embedded database runs one transaction at a time; other requests' queries wait for it,
// other work runs). With the search index updated on each insert, a passage row costs about a
// millisecond on an idle machine, several on a loaded one.
// PostgreSQL runs statements in its own processes: there, fewer and larger statements cost the
// server's thread less (each value is serialized once, fewer round trips).

/** How an upload is cut into statements. */
export interface WriteSizes {
  /** The file's bytes go in parts of this many bytes, one statement each. */
  partBytes: number;
  /**
   * The extracted text goes in pieces of this many characters: the first with the file's row,
   * each further one appended by its own statement. Appending rewrites the stored text (stored
   * uncompressed, so cheaply: about 20 ms at 2 MB), where sending 2 MB in one statement took
   * 50-80 ms on the embedded database.
   */
  textChars: number;
  /** Passages per insert. */
  chunkBatch: number;
}

export const EMBEDDED_WRITES: WriteSizes = { partBytes: 128 * 1024, textChars: 256 * 1024, chunkBatch: 10 };
export const SERVER_WRITES: WriteSizes = { partBytes: 2 * 1024 * 1024, textChars: 64 * 1024 * 1024, chunkBatch: 50 };

/** PDF documents attached to a conversation or to an assistant, with their searchable passages. */
export class FilesService {
  private readonly deps: { db: Db; conversations: ConversationsService; pdf: PdfLimits };
  private readonly writes: WriteSizes;
  constructor(deps: { db: Db; conversations: ConversationsService; pdf?: PdfLimits }) {
    this.deps = { ...deps, pdf: deps.pdf ?? DEFAULT_PDF_LIMITS };
    this.writes = deps.db instanceof PgliteDatabase ? EMBEDDED_WRITES : SERVER_WRITES;
  }

  async uploadToConversation(actor: Actor, sessionId: string, read: UploadReader): Promise<UploadResult> {
    const conversation = await this.conversation(actor, sessionId);
    return this.store(actor, { conversationId: conversation.id }, await read());
  }

  async listForConversation(actor: Actor, sessionId: string): Promise<StoredFile[]> {
    const conversation = await this.conversation(actor, sessionId);
    return this.list({ conversationId: conversation.id });
  }

  async getForConversation(actor: Actor, sessionId: string, fileId: string): Promise<StoredFile> {
    const conversation = await this.conversation(actor, sessionId);
    return this.get({ conversationId: conversation.id }, fileId);
  }

  async deleteFromConversation(actor: Actor, sessionId: string, fileId: string): Promise<void> {
    const conversation = await this.conversation(actor, sessionId);
    await this.softDelete({ conversationId: conversation.id }, fileId);
  }

  async uploadToAssistant(actor: Actor, assistantId: string, read: UploadReader): Promise<UploadResult> {
    await this.assistant(actor, assistantId);
    return this.store(actor, { assistantId }, await read());
  }

  async listForAssistant(actor: Actor, assistantId: string): Promise<StoredFile[]> {
    await this.assistant(actor, assistantId);
    return this.list({ assistantId });
  }

  async deleteFromAssistant(actor: Actor, assistantId: string, fileId: string): Promise<void> {
    await this.assistant(actor, assistantId);
    await this.softDelete({ assistantId }, fileId);
  }

  /** The caller's session, by id or by the client-chosen session key: 404 before 403. */
  private async conversation(actor: Actor, sessionId: string): Promise<Conversation> {
    if (isUuid(sessionId)) return this.deps.conversations.get(actor, sessionId);
    const conversation = await this.deps.conversations.findBySessionKey(sessionId);
    if (!conversation) throw errors.notFound('Conversation');
    if (conversation.userId !== actor.userId && !isAdmin(actor)) throw errors.forbidden();
    return conversation;
  }

  /** Only an assistant's owner (or an admin) manages its knowledge files. */
  private async assistant(actor: Actor, assistantId: string): Promise<void> {
    if (!isUuid(assistantId)) throw errors.notFound('Assistant');
    const [row] = await this.deps.db
      .select({ ownerId: assistants.ownerId })
      .from(assistants)
      .where(and(eq(assistants.id, assistantId), isNull(assistants.deletedAt)));
    if (!row) throw errors.notFound('Assistant');
    if (row.ownerId !== actor.userId && !isAdmin(actor)) throw errors.forbidden();
  }

  private async store(actor: Actor, target: Target, upload: Upload): Promise<UploadResult> {
    const sha256 = createHash('sha256').update(upload.data).digest('hex');
    const existing = await this.find(target, sha256);
    if (existing && !existing.deletedAt) return { file: existing, created: false };
    if (existing) {
      // The same content, deleted earlier: its text and passages are still stored, so it comes back.
      const [revived] = await this.deps.db
        .update(files)
        .set({ deletedAt: null, filename: upload.filename, ownerId: actor.userId, createdAt: new Date() })
        .where(eq(files.id, existing.id))
        .returning(storedColumns);
      return { file: revived, created: true };
    }

    const { pages } = await readPdfText(upload.data, this.deps.pdf);
    const passages = await splitIntoPassages(pages);
    const id = newId();
    const extractedText = pages.join('\n\n');
    const [firstPiece, ...morePieces] = textPieces(extractedText, this.writes.textChars);
    const inserted = await this.deps.db.transaction(async (tx) => {
      const [file] = await tx
        .insert(files)
        .values({
          id,
          ownerId: actor.userId,
          conversationId: 'conversationId' in target ? target.conversationId : null,
          assistantId: 'assistantId' in target ? target.assistantId : null,
          filename: upload.filename,
          mimeType: PDF_MIME_TYPE,
          size: upload.data.length,
          sha256,
          pageCount: pages.length,
          extractedText: firstPiece,
        })
        // The same content uploaded twice at once: the other upload's row wins.
        .onConflictDoNothing()
        .returning(storedColumns);
      if (!file) return undefined;
      await nextTurn();
      for (const piece of morePieces) {
        await tx
          .update(files)
          .set({ extractedText: sql`${files.extractedText} || ${piece}` })
          .where(eq(files.id, id));
        await nextTurn();
      }
      const { partBytes, chunkBatch } = this.writes;
      for (let seq = 0; seq * partBytes < upload.data.length; seq++) {
        const part = upload.data.subarray(seq * partBytes, (seq + 1) * partBytes);
        // Sent as base64 text: the embedded driver's own bytea encoding is ten times slower on large
        // files, and base64 is a third shorter than hex.
        await tx.insert(fileParts).values({ fileId: id, seq, data: sql`decode(${part.toString('base64')}, 'base64')` });
        await nextTurn();
      }
      for (let i = 0; i < passages.length; i += chunkBatch) {
        await tx.insert(fileChunks).values(passages.slice(i, i + chunkBatch).map((p) => ({ id: newId(), fileId: id, ...p })));
        await nextTurn();
      }
      return { ...file, extractedText };
    });
    if (inserted) return { file: inserted, created: true };
    const winner = await this.find(target, sha256);
    if (!winner) throw errors.conflict('The file was changed by another request; try again');
    return { file: winner, created: false };
  }

  private async find(target: Target, sha256: string): Promise<StoredFile | undefined> {
    const [row] = await this.deps.db
      .select(storedColumns)
      .from(files)
      .where(and(targetFilter(target), eq(files.sha256, sha256)));
    return row;
  }

  private async list(target: Target): Promise<StoredFile[]> {
    return this.deps.db
      .select(storedColumns)
      .from(files)
      .where(and(targetFilter(target), isNull(files.deletedAt)))
      .orderBy(asc(files.createdAt), asc(files.id));
  }

  private async get(target: Target, fileId: string): Promise<StoredFile> {
    if (!isUuid(fileId)) throw errors.notFound('File');
    const [row] = await this.deps.db
      .select(storedColumns)
      .from(files)
      .where(and(eq(files.id, fileId), targetFilter(target), isNull(files.deletedAt)));
    if (!row) throw errors.notFound('File');
    return row;
  }

  private async softDelete(target: Target, fileId: string): Promise<void> {
    if (!isUuid(fileId)) throw errors.notFound('File');
    const deleted = await this.deps.db
      .update(files)
      .set({ deletedAt: new Date() })
      .where(and(eq(files.id, fileId), targetFilter(target), isNull(files.deletedAt)))
      .returning({ id: files.id });
    if (!deleted.length) throw errors.notFound('File');
  }
}

/** Consecutive slices of `text` of at most about `size` characters, never splitting a surrogate pair. */
export function textPieces(text: string, size: number): string[] {
  const pieces: string[] = [];
  let from = 0;
  do {
    let to = Math.min(text.length, from + size);
    // Each piece is sent as UTF-8 on its own: half a pair would arrive as a replacement character.
    if (to < text.length && isHighSurrogate(text.charCodeAt(to - 1))) to++;
    pieces.push(text.slice(from, to));
    from = to;
  } while (from < text.length);
  return pieces;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

function targetFilter(target: Target): SQL {
  return 'conversationId' in target ? eq(files.conversationId, target.conversationId) : eq(files.assistantId, target.assistantId);
}
