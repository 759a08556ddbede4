import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { asc, count, eq } from 'drizzle-orm';
import type { ConversationsService } from '../../../src/core/conversations/conversations-service.ts';
import { EMBEDDED_WRITES, FilesService, SERVER_WRITES } from '../../../src/core/files/files-service.ts';
import { newId } from '../../../src/core/ids.ts';
import { type Database, type Db, openDatabase } from '../../../src/db/client.ts';
import { assistants, fileChunks, fileParts, files, users } from '../../../src/db/schema.ts';
import { createConversation } from '../../support/factories.ts';
import { useTestServer } from '../../support/fixture.ts';
import { makePdf } from '../../support/pdf.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { uploadFile } from '../../support/uploads.ts';

// The sizes the server under test cuts uploads by (the embedded database's unless DATABASE_URL is set).
const writes = process.env.DATABASE_URL ? SERVER_WRITES : EMBEDDED_WRITES;
const FILE_PART_BYTES = writes.partBytes;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const pageTexts = (n: number) => Array.from({ length: n }, (_, i) => `Page ${i + 1} tells of harbour number ${i + 1}. Ships follow the tides.`);

/** Opens the database of a stopped server (the embedded one allows one process at a time). */
async function withDatabase<T>(server: TestServer, use: (db: Db) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: server.databaseUrl, dataDir: server.dataDir });
  try {
    return await use(database.db);
  } finally {
    await database.close();
  }
}

describe('stored uploads', () => {
  const fx = useTestServer({ env: { DELETE_RETENTION_DAYS: '0' } });

  it('keeps the bytes of a large file in parts that add up to it exactly, and the purge removes them', async () => {
    const kept = await createConversation(fx.api, fx.user.token);
    const doomed = await createConversation(fx.api, fx.user.token);
    // Two full parts and a partial third, with bytes that differ from part to part.
    const paddingBytes = 2 * FILE_PART_BYTES + 12_345;
    const pdf = makePdf(pageTexts(3), { paddingBytes });
    const padding = pdf.indexOf(Buffer.alloc(1024, 0xa5));
    for (let i = 0; i < paddingBytes; i += 1000) pdf[padding + i] = i % 251;
    const small = makePdf(pageTexts(2));
    const keptUpload = await uploadFile(fx.api, `/api/chat/sessions/${kept}/upload`, fx.user.token, pdf);
    assert.equal(keptUpload.status, 201, keptUpload.text);
    const doomedUpload = await uploadFile(fx.api, `/api/chat/sessions/${doomed}/upload`, fx.user.token, small);
    assert.equal(doomedUpload.status, 201, doomedUpload.text);
    const keptId: string = keptUpload.body.file.id;
    const doomedId: string = doomedUpload.body.file.id;
    assert.equal(keptUpload.body.file.extracted_text, pageTexts(3).join('\n\n'));

    const deleted = await fx.api.delete(`/api/chat/sessions/${doomed}/files/${doomedId}`, { token: fx.user.token });
    assert.ok(deleted.status < 300, deleted.text);
    assert.equal((await fx.server.purge.runNow()).files, 1);
    await fx.server.stop();

    await withDatabase(fx.server, async (db) => {
      const parts = await db.select().from(fileParts).where(eq(fileParts.fileId, keptId)).orderBy(asc(fileParts.seq));
      assert.deepEqual(
        parts.map((p) => p.seq),
        [0, 1, 2],
      );
      assert.ok(parts.every((p) => p.data.length <= FILE_PART_BYTES));
      const whole = Buffer.concat(parts.map((p) => p.data));
      assert.ok(whole.equals(pdf), 'the parts put together are the uploaded file');
      const [row] = await db.select({ sha256: files.sha256, size: files.size }).from(files).where(eq(files.id, keptId));
      assert.deepEqual(row, { sha256: sha256(pdf), size: pdf.length });

      // The purged file took its parts and passages with it.
      const [{ n: partsLeft }] = await db.select({ n: count() }).from(fileParts).where(eq(fileParts.fileId, doomedId));
      const [{ n: chunksLeft }] = await db.select({ n: count() }).from(fileChunks).where(eq(fileChunks.fileId, doomedId));
      assert.deepEqual([partsLeft, chunksLeft], [0, 0]);
    });
  });
});

describe('a long extracted text', () => {
  const fx = useTestServer();

  it('is stored whole: what the upload answers is what a read answers', async () => {
    const session = await createConversation(fx.api, fx.user.token);
    const long = Array.from({ length: 150 }, (_, i) => `${`${pageTexts(1)[0]} `.repeat(60)}End of page ${i + 1}.`);
    const upload = await uploadFile(fx.api, `/api/chat/sessions/${session}/upload`, fx.user.token, makePdf(long));
    assert.equal(upload.status, 201, upload.text);
    const text: string = upload.body.file.extracted_text;
    assert.ok(text.length > 1.5 * EMBEDDED_WRITES.textChars, `length ${text.length}`);
    // Lines wrap where the PDF wrapped them.
    assert.match(text, /End of page\s1\.[\s\S]+End of page\s150\.$/);
    const read = await fx.api.get(`/api/chat/sessions/${session}/files/${upload.body.file.id}`, { token: fx.user.token });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.extracted_text, text);
  });
});

describe('storing a file, at the service', () => {
  // A fresh database of the kind under test, used directly once its server is stopped.
  let server: TestServer;
  let database: Database;
  let ownerId: string;
  let assistantId: string;
  before(async () => {
    server = await startTestServer();
    await server.stop();
    database = await openDatabase({ databaseUrl: server.databaseUrl, dataDir: server.dataDir });
    ownerId = newId();
    assistantId = newId();
    await database.db.insert(users).values({ id: ownerId, email: `${ownerId}@example.test`, passwordHash: 'x' });
    await database.db.insert(assistants).values({ id: assistantId, ownerId, name: 'Keeper', model: 'echo' });
  });
  after(async () => {
    await database.close();
    await server.close();
  });

  const actor = () => ({ userId: ownerId, role: 'user' as const, tier: 'free' as const });
  const service = (db: Db) => new FilesService({ db, conversations: {} as ConversationsService });

  /** The database, except that inserting passages inside a transaction fails (after the file and its parts went in). */
  function failingPassages(db: Db): Db {
    const failingTx = (tx: object) =>
      new Proxy(tx, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (prop === 'insert') {
            return (table: unknown) => {
              if (table === fileChunks) throw new Error('simulated failure while storing passages');
              return value.call(target, table);
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    return new Proxy(db, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (prop === 'transaction') {
          return (run: (tx: object) => Promise<unknown>, ...rest: unknown[]) => value.call(target, (tx: object) => run(failingTx(tx)), ...rest);
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  // The embedded database answers without waiting for I/O: awaiting its queries alone would hold
  // the event loop for the whole upload. Counts the loop's turns seen at each statement.
  it('lets the event loop turn between the statements that store a file', async () => {
    let turns = 0;
    let beating = true;
    const beat = () => {
      turns++;
      if (beating) setImmediate(beat);
    };
    setImmediate(beat);
    const seen: number[] = [];
    const recording = new Proxy(database.db, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (prop !== 'transaction') return typeof value === 'function' ? value.bind(target) : value;
        return (run: (tx: object) => Promise<unknown>, ...rest: unknown[]) =>
          value.call(
            target,
            (tx: object) =>
              run(
                new Proxy(tx, {
                  get(t, p) {
                    const v = Reflect.get(t, p, t);
                    if (p === 'insert') seen.push(turns);
                    return typeof v === 'function' ? v.bind(t) : v;
                  },
                }),
              ),
            ...rest,
          );
      },
    });
    const pdf = makePdf(pageTexts(60), { paddingBytes: 2 * FILE_PART_BYTES });
    try {
      await service(recording).uploadToAssistant(actor(), assistantId, async () => ({ filename: 'turns.pdf', data: pdf }));
    } finally {
      beating = false;
    }
    // The file row, three parts and at least one batch of passages.
    assert.ok(seen.length >= 5, `statements: ${seen.length}`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `no turn before statement ${i}: ${seen.join(' ')}`);
  });

  it('leaves no file, parts or passages when it fails, and the same file can be uploaded again', async () => {
    const counts = async () => {
      const [f] = await database.db.select({ n: count() }).from(files);
      const [p] = await database.db.select({ n: count() }).from(fileParts);
      const [c] = await database.db.select({ n: count() }).from(fileChunks);
      return [f.n, p.n, c.n];
    };
    const before = await counts();
    const pdf = makePdf(pageTexts(4), { paddingBytes: FILE_PART_BYTES + 1 });
    const failing = service(failingPassages(database.db));
    await assert.rejects(failing.uploadToAssistant(actor(), assistantId, async () => ({ filename: 'a.pdf', data: pdf })), /simulated failure/);

    assert.deepEqual(await counts(), before);

    const stored = await service(database.db).uploadToAssistant(actor(), assistantId, async () => ({ filename: 'a.pdf', data: pdf }));
    assert.equal(stored.created, true);
    const [files1, parts1, chunks1] = await counts();
    assert.equal(files1, before[0] + 1);
    assert.equal(parts1, before[1] + 2);
    assert.ok(chunks1 > before[2]);
  });
});
