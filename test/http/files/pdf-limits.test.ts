import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { type Client, client } from '../../support/http.ts';
import { makePdf } from '../../support/pdf.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { uploadFile } from '../../support/uploads.ts';

const uploadPath = (sessionId: string) => `/api/chat/sessions/${sessionId}/upload`;

async function serverWith(env: Record<string, string>) {
  const server = await startTestServer({ env });
  const api = client(server.url);
  const user = await registerUser(api);
  return { server, api, user };
}

describe('PDF parsing bounds', () => {
  describe('with a page cap of 2', () => {
    let server: TestServer;
    let api: Client;
    let user: TestUser;
    before(async () => ({ server, api, user } = await serverWith({ PDF_MAX_PAGES: '2' })));
    after(() => server.close());

    it('refuses a 3-page PDF with a 422 naming the cap, and stores nothing', async () => {
      const session = await createConversation(api, user.token);
      const res = await uploadFile(api, uploadPath(session), user.token, makePdf(['One.', 'Two.', 'Three.']));
      assert.equal(res.status, 422, res.text);
      assert.equal(res.body.detail, 'The PDF has 3 pages, more than the 2 allowed (PDF_MAX_PAGES)');
      const files = await api.get(`/api/chat/sessions/${session}/files`, { token: user.token });
      assert.equal(files.status, 200, files.text);
      assert.deepEqual(files.body, { items: [], total: 0 });
    });

    it('still reads a PDF within the cap', async () => {
      const session = await createConversation(api, user.token);
      const res = await uploadFile(api, uploadPath(session), user.token, makePdf(['One.', 'Two.']));
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.file.extracted_text, 'One.\n\nTwo.');
    });
  });

  describe('with a time limit of 1 ms', () => {
    let server: TestServer;
    let api: Client;
    let user: TestUser;
    before(async () => ({ server, api, user } = await serverWith({ PDF_PARSE_TIMEOUT_MS: '1' })));
    after(() => server.close());

    it('refuses a PDF it cannot read in time with a 422 naming the limit, and keeps answering', async () => {
      const session = await createConversation(api, user.token);
      const res = await uploadFile(api, uploadPath(session), user.token, makePdf(['Readable, but not in 1 ms.']));
      assert.equal(res.status, 422, res.text);
      assert.equal(res.body.detail, 'The PDF could not be read within 1 ms (PDF_PARSE_TIMEOUT_MS)');
      assert.equal((await api.get('/healthz')).status, 200);
      // Checked before any parse, so still a 400 however short the limit.
      const notPdf = await uploadFile(api, uploadPath(session), user.token, Buffer.from('plain text'));
      assert.equal(notPdf.status, 400, notPdf.text);
    });
  });

  describe('with the default bounds', () => {
    let server: TestServer;
    let api: Client;
    let user: TestUser;
    before(async () => ({ server, api, user } = await serverWith({})));
    after(() => server.close());

    it('answers /healthz while a large PDF parses', async () => {
      const session = await createConversation(api, user.token);
      const pages = Array.from({ length: 300 }, (_, i) => `Page ${i + 1}. `.concat('The quick brown fox jumps over the lazy dog. '.repeat(60)));
      let parsed = false;
      const upload = uploadFile(api, uploadPath(session), user.token, makePdf(pages)).finally(() => {
        parsed = true;
      });
      let answeredWhileParsing = 0;
      while (!parsed) {
        const health = await api.get('/healthz');
        assert.equal(health.status, 200);
        if (!parsed) answeredWhileParsing++;
      }
      const res = await upload;
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.file.metadata.page_count, 300);
      assert.ok(answeredWhileParsing > 0, 'the health check answered while the PDF was being parsed');
    });
  });
});
