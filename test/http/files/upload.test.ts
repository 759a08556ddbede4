import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { makeImageOnlyPdf, makePdf } from '../../support/pdf.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { uploadFile } from '../../support/uploads.ts';

const MB = 1024 * 1024;
const PAGES = [
  'The first page explains how lighthouses guide ships along rocky coasts.',
  'The second page says the capital of Zorbania is Quintar, a city of copper bridges.',
  'The third page describes how to grow tomatoes on a sunny balcony.',
];

describe('seed 002 file upload', () => {
  let server: TestServer;
  let api: Client;
  let owner: TestUser;
  let other: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    owner = await registerUser(api);
    other = await registerUser(api);
  });
  after(() => server.close());

  const uploadPath = (sessionId: string) => `/api/chat/sessions/${sessionId}/upload`;

  it('extracts the text of every page and answers exactly the documented shape', async () => {
    const session = await createConversation(api, owner.token);
    const pdf = makePdf(PAGES);
    const res = await uploadFile(api, uploadPath(session), owner.token, pdf, { filename: 'report.pdf' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['file', 'message']);
    assert.equal(res.body.message, 'File uploaded successfully');
    const file = res.body.file;
    assert.deepEqual(Object.keys(file).sort(), ['extracted_text', 'file_size', 'filename', 'id', 'metadata', 'mime_type']);
    assert.equal(file.filename, 'report.pdf');
    assert.equal(file.file_size, pdf.length);
    assert.equal(file.mime_type, 'application/pdf');
    assert.deepEqual(file.metadata, { page_count: 3 });
    const pages = file.extracted_text.split('\n\n');
    assert.deepEqual(pages, PAGES);
  });

  it('judges by content: a PDF declared as text is accepted, text declared as PDF is refused', async () => {
    const session = await createConversation(api, owner.token);
    const disguised = await uploadFile(api, uploadPath(session), owner.token, makePdf(['Plain words here.']), {
      filename: 'notes.txt',
      type: 'text/plain',
    });
    assert.equal(disguised.status, 201, disguised.text);
    assert.equal(disguised.body.file.mime_type, 'application/pdf');

    const fake = await uploadFile(api, uploadPath(session), owner.token, new TextEncoder().encode('just some text, honestly\n'), {
      filename: 'fake.pdf',
    });
    assert.equal(fake.status, 400);
    assert.match(fake.body.detail, /Only PDF files are supported/);
  });

  it('refuses truncated and corrupt PDFs with a 400, never a 500', async () => {
    const session = await createConversation(api, owner.token);
    const pdf = makePdf(PAGES);
    for (const cut of [0.3, 0.6, 0.95]) {
      const res = await uploadFile(api, uploadPath(session), owner.token, pdf.subarray(0, Math.floor(pdf.length * cut)));
      assert.equal(res.status, 400, `cut at ${cut}: ${res.text}`);
      assert.match(res.body.detail, /damaged or truncated/);
    }
    const garbage = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2000, 0x41), Buffer.from('\n%%EOF\n')]);
    const corrupt = await uploadFile(api, uploadPath(session), owner.token, garbage);
    assert.equal(corrupt.status, 400, corrupt.text);
    assert.match(corrupt.body.detail, /damaged or truncated/);
  });

  it('refuses a password-protected PDF and one without text with a 422 saying why', async () => {
    const session = await createConversation(api, owner.token);
    const encrypted = await uploadFile(api, uploadPath(session), owner.token, makePdf(PAGES, { userPassword: 'hunter22' }));
    assert.equal(encrypted.status, 422, encrypted.text);
    assert.match(encrypted.body.detail, /password/);

    const scanned = await uploadFile(api, uploadPath(session), owner.token, makeImageOnlyPdf(2));
    assert.equal(scanned.status, 422, scanned.text);
    assert.match(scanned.body.detail, /no extractable text/);

    const list = await api.get(`/api/chat/sessions/${session}/files`, { token: owner.token });
    assert.equal(list.body.total, 0);
  });

  it('accepts a valid PDF just under 10 MB, past the 1 MiB JSON body limit', async () => {
    const session = await createConversation(api, owner.token);
    const pdf = makePdf(['A large file with a little text.'], { paddingBytes: 9.5 * MB });
    assert.ok(pdf.length > 9 * MB && pdf.length < 10 * MB);
    const res = await uploadFile(api, uploadPath(session), owner.token, pdf);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.file.file_size, pdf.length);
  });

  it('answers 413 for a file over 10 MB, with or without a declared length', async () => {
    const session = await createConversation(api, owner.token);
    const pdf = makePdf(['Too big.'], { paddingBytes: 11 * MB });
    const declared = await uploadFile(api, uploadPath(session), owner.token, pdf);
    assert.equal(declared.status, 413, declared.text);
    assert.match(declared.body.detail, /10 MB/);

    // Chunked: the server learns the size only while streaming the part.
    const streamed = await postChunked(`${server.url}${uploadPath(session)}`, owner.token, pdf);
    assert.equal(streamed.status, 413, JSON.stringify(streamed.body));
    assert.match(streamed.body.detail, /10 MB/);

    const list = await api.get(`/api/chat/sessions/${session}/files`, { token: owner.token });
    assert.equal(list.body.total, 0);
    // The server is still healthy and accepts the next upload.
    const next = await uploadFile(api, uploadPath(session), owner.token, makePdf(['Small again.']));
    assert.equal(next.status, 201, next.text);
  });

  it('answers 422 in FastAPI form when there is no `file` field, and 400 for a malformed body', async () => {
    const session = await createConversation(api, owner.token);
    const missing = { detail: [{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }] };

    const fieldsOnly = new FormData();
    fieldsOnly.append('note', 'no file here');
    const noFile = await api.request('POST', uploadPath(session), { token: owner.token, raw: fieldsOnly });
    assert.equal(noFile.status, 422, noFile.text);
    assert.deepEqual(noFile.body, missing);

    const wrongName = await uploadFile(api, uploadPath(session), owner.token, makePdf(['x y z']), { field: 'document' });
    assert.equal(wrongName.status, 422, wrongName.text);
    assert.deepEqual(wrongName.body, missing);

    const json = await api.post(uploadPath(session), { file: 'not a file' }, { token: owner.token });
    assert.equal(json.status, 422, json.text);
    assert.deepEqual(json.body, missing);

    const noBoundary = await api.request('POST', uploadPath(session), {
      token: owner.token,
      headers: { 'content-type': 'multipart/form-data' },
      raw: 'whatever',
    });
    assert.equal(noBoundary.status, 400, noBoundary.text);
    assert.match(noBoundary.body.detail, /multipart/i);

    const cutShort = await api.request('POST', uploadPath(session), {
      token: owner.token,
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      raw: '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 and then nothing',
    });
    assert.equal(cutShort.status, 400, cutShort.text);
  });

  it('authorizes before reading: 401 without a token, 404 for a missing session, 403 for another user’s', async () => {
    const session = await createConversation(api, owner.token);
    const pdf = makePdf(['Private.']);
    const anonymous = await uploadFile(api, uploadPath(session), undefined, pdf);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.detail, 'Not authenticated');

    const missing = await uploadFile(api, uploadPath(crypto.randomUUID()), owner.token, pdf);
    assert.equal(missing.status, 404);
    assert.match(missing.body.detail, /not found/);
    const unknownKey = await uploadFile(api, uploadPath('no-such-session-key-123'), owner.token, pdf);
    assert.equal(unknownKey.status, 404);

    const foreign = await uploadFile(api, uploadPath(session), other.token, pdf);
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.detail, 'Access denied');
    assert.equal((await api.get(`/api/chat/sessions/${session}/files`, { token: other.token })).status, 403);

    const deleted = await createConversation(api, owner.token);
    assert.equal((await api.delete(`/api/v1/conversations/${deleted}`, { token: owner.token })).status, 200);
    assert.equal((await uploadFile(api, uploadPath(deleted), owner.token, pdf)).status, 404);
  });

  it('stores a duplicate upload once and answers the existing file', async () => {
    const session = await createConversation(api, owner.token);
    const pdf = makePdf(['Same bytes twice.']);
    const first = await uploadFile(api, uploadPath(session), owner.token, pdf, { filename: 'one.pdf' });
    const second = await uploadFile(api, uploadPath(session), owner.token, pdf, { filename: 'two.pdf' });
    assert.equal(first.status, 201);
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.file.id, first.body.file.id);
    assert.equal(second.body.file.filename, 'one.pdf');
    assert.equal(second.body.message, 'File uploaded successfully');
    const list = await api.get(`/api/chat/sessions/${session}/files`, { token: owner.token });
    assert.equal(list.body.total, 1);

    // Another session is another place: the same bytes make a new file there.
    const elsewhere = await createConversation(api, owner.token);
    const third = await uploadFile(api, uploadPath(elsewhere), owner.token, pdf);
    assert.equal(third.status, 201);
    assert.notEqual(third.body.file.id, first.body.file.id);
  });

  it('stores one file when the same content is uploaded twice at once', async () => {
    const session = await createConversation(api, owner.token);
    const pdf = makePdf(['Raced twice.', 'Two pages.']);
    const [a, b] = await Promise.all([
      uploadFile(api, uploadPath(session), owner.token, pdf),
      uploadFile(api, uploadPath(session), owner.token, pdf),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 201], `${a.text} ${b.text}`);
    assert.equal(a.body.file.id, b.body.file.id);
    const list = await api.get(`/api/chat/sessions/${session}/files`, { token: owner.token });
    assert.equal(list.body.total, 1);
  });

  it('documents the file routes in the OpenAPI document', async () => {
    const doc = await api.get('/openapi.json');
    assert.equal(doc.status, 200);
    const paths = Object.keys(doc.body.paths);
    for (const path of [
      '/api/chat/sessions/{session_id}/upload',
      '/api/chat/sessions/{session_id}/files',
      '/api/chat/sessions/{session_id}/files/{file_id}',
      '/api/v1/assistants/{assistant_id}/files',
      '/api/v1/assistants/{assistant_id}/files/{file_id}',
    ]) {
      assert.ok(paths.includes(path), path);
    }
    assert.ok(doc.body.paths['/api/chat/sessions/{session_id}/upload'].post.responses['413']);
  });

  it('lists, reads and soft-deletes a session’s files', async () => {
    const session = await createConversation(api, owner.token);
    const a = await uploadFile(api, uploadPath(session), owner.token, makePdf(['Alpha document.']), { filename: 'C:\\Users\\me\\alpha.pdf' });
    const b = await uploadFile(api, uploadPath(session), owner.token, makePdf(['Beta document.', 'Second page.']), { filename: 'beta.pdf' });
    assert.equal(a.status, 201);
    assert.equal(a.body.file.filename, 'alpha.pdf');

    const list = await api.get(`/api/chat/sessions/${session}/files`, { token: owner.token });
    assert.equal(list.status, 200);
    assert.equal(list.body.total, 2);
    assert.deepEqual(
      list.body.items.map((f: { id: string }) => f.id),
      [a.body.file.id, b.body.file.id],
    );
    assert.deepEqual(list.body.items[1].metadata, { page_count: 2 });
    assert.equal(list.body.items[1].extracted_text, undefined);
    assert.ok(Date.parse(list.body.items[1].created_at));

    const one = await api.get(`/api/chat/sessions/${session}/files/${b.body.file.id}`, { token: owner.token });
    assert.equal(one.status, 200);
    assert.equal(one.body.extracted_text, 'Beta document.\n\nSecond page.');

    const foreign = await api.delete(`/api/chat/sessions/${session}/files/${a.body.file.id}`, { token: other.token });
    assert.equal(foreign.status, 403);
    const foreignRead = await api.get(`/api/chat/sessions/${session}/files/${a.body.file.id}`, { token: other.token });
    assert.equal(foreignRead.status, 403);
    assert.deepEqual(foreignRead.body, { detail: 'Access denied' });
    for (const res of [
      await api.get(`/api/chat/sessions/${session}/files`),
      await api.get(`/api/chat/sessions/${session}/files/${a.body.file.id}`),
      await api.delete(`/api/chat/sessions/${session}/files/${a.body.file.id}`),
    ]) {
      assert.equal(res.status, 401);
      assert.equal(res.body.detail, 'Not authenticated');
    }
    const removed = await api.delete(`/api/chat/sessions/${session}/files/${a.body.file.id}`, { token: owner.token });
    assert.equal(removed.status, 200);
    assert.deepEqual(removed.body, { message: 'File deleted successfully' });
    const again = await api.delete(`/api/chat/sessions/${session}/files/${a.body.file.id}`, { token: owner.token });
    assert.equal(again.status, 404);
    assert.equal((await api.get(`/api/chat/sessions/${session}/files/${a.body.file.id}`, { token: owner.token })).status, 404);
    assert.equal((await api.delete(`/api/chat/sessions/${session}/files/not-an-id`, { token: owner.token })).status, 404);

    const after = await api.get(`/api/chat/sessions/${session}/files`, { token: owner.token });
    assert.deepEqual(
      after.body.items.map((f: { id: string }) => f.id),
      [b.body.file.id],
    );

    // A file of one session cannot be deleted through another.
    const elsewhere = await createConversation(api, owner.token);
    const cross = await api.delete(`/api/chat/sessions/${elsewhere}/files/${b.body.file.id}`, { token: owner.token });
    assert.equal(cross.status, 404);

    // Uploading the deleted content again brings it back.
    const back = await uploadFile(api, uploadPath(session), owner.token, makePdf(['Alpha document.']));
    assert.equal(back.status, 201, back.text);
    assert.equal((await api.get(`/api/chat/sessions/${session}/files`, { token: owner.token })).body.total, 2);
  });
});

/** A multipart upload sent chunked, with no Content-Length, so the size shows only while streaming. */
async function postChunked(url: string, token: string, bytes: Uint8Array): Promise<{ status: number; body: any }> {
  const boundary = `----parley${Math.random().toString(16).slice(2)}`;
  const head = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const piece = 256 * 1024;
  let offset = 0;
  let sentHead = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sentHead) {
        sentHead = true;
        controller.enqueue(head);
      } else if (offset < bytes.length) {
        controller.enqueue(bytes.subarray(offset, offset + piece));
        offset += piece;
      } else {
        controller.enqueue(tail);
        controller.close();
      }
    },
  });
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
