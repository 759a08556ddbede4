import { createHash } from 'node:crypto';
import { and, asc, eq, getTableColumns, isNull, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { assistants, fileChunks, files } from '../../db/schema.ts';
import { type Actor, isAdmin } from '../actor.ts';
import type { Conversation, ConversationsService } from '../conversations/conversations-service.ts';
import { errors } from '../errors.ts';
import { isUuid, newId } from '../ids.ts';
import { splitIntoPassages } from './passages.ts';
import { readPdfText } from './pdf-text.ts';

/** The seed's limit for one upload. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const PDF_MIME_TYPE = 'application/pdf';

const { data: _data, ...storedColumns } = getTableColumns(files);
/** A file without its bytes: what every use case reads and answers. */
export type StoredFile = Omit<typeof files.$inferSelect, 'data'>;

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

// Chunk rows are inserted in batches to keep each statement's parameter count well below the limit.
const CHUNK_BATCH = 500;

/** PDF documents attached to a conversation or to an assistant, with their searchable passages. */
export class FilesService {
  private readonly deps: { db: Db; conversations: ConversationsService };
  constructor(deps: { db: Db; conversations: ConversationsService }) {
    this.deps = deps;
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

    const { pages } = await readPdfText(upload.data);
    const passages = splitIntoPassages(pages);
    const id = newId();
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
          extractedText: pages.join('\n\n'),
          // Sent as hex text: the embedded driver's own bytea encoding is ten times slower on large files.
          data: sql`decode(${upload.data.toString('hex')}, 'hex')`,
        })
        // The same content uploaded twice at once: the other upload's row wins.
        .onConflictDoNothing()
        .returning(storedColumns);
      if (!file) return undefined;
      for (let i = 0; i < passages.length; i += CHUNK_BATCH) {
        await tx.insert(fileChunks).values(passages.slice(i, i + CHUNK_BATCH).map((p) => ({ id: newId(), fileId: id, ...p })));
      }
      return file;
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

function targetFilter(target: Target): SQL {
  return 'conversationId' in target ? eq(files.conversationId, target.conversationId) : eq(files.assistantId, target.assistantId);
}
