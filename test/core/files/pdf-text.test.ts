import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractText, getDocumentProxy } from 'unpdf';
import { AppError } from '../../../src/core/errors.ts';
import { readPdfText } from '../../../src/core/files/pdf-text.ts';
import { makeImageOnlyPdf, makePdf } from '../../support/pdf.ts';

async function refusal(data: Buffer): Promise<AppError> {
  try {
    await readPdfText(data);
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    return err;
  }
  assert.fail('the file was accepted');
}

describe('reading PDF text', () => {
  it('reads each page of a generated PDF, escaping and all', async () => {
    const pages = ['First (with parentheses) and a back\\slash.', 'Second page.', 'Third page, longer: '.concat('word '.repeat(60).trim())];
    const { pages: read } = await readPdfText(makePdf(pages));
    assert.equal(read.length, 3);
    assert.equal(read[0], pages[0]);
    assert.equal(read[1], pages[1]);
    // Wrapped over several lines in the PDF, the words all come back in order.
    assert.equal(read[2].replace(/\s+/g, ' '), pages[2]);
  });

  it('opens an encrypted PDF only with its password, so it is refused as protected', async () => {
    const pdf = makePdf(['Secret.', 'Page two.'], { userPassword: 'correct horse' });
    const unlocked = await getDocumentProxy(new Uint8Array(pdf), { password: 'correct horse', verbosity: 0 });
    assert.deepEqual((await extractText(unlocked, { mergePages: false })).text, ['Secret.', 'Page two.']);
    const err = await refusal(pdf);
    assert.equal(err.status, 422);
    assert.match(err.message, /password/);
  });

  it('refuses a PDF with no text as 422, and damaged or foreign files as 400', async () => {
    assert.equal((await refusal(makeImageOnlyPdf(3))).status, 422);
    const pdf = makePdf(['Some text.', 'More text.']);
    assert.equal((await refusal(pdf.subarray(0, pdf.length - 40))).status, 400);
    assert.equal((await refusal(Buffer.from('%PDF-1.4\nnot really\n%%EOF\n'))).status, 400);
    assert.equal((await refusal(Buffer.from('PK\u0003\u0004 a zip file'))).status, 400);
    assert.equal((await refusal(Buffer.alloc(0))).status, 400);
  });

  it('accepts a header after a little leading junk, as readers do', async () => {
    const pdf = Buffer.concat([Buffer.from('junk before the header\n'), makePdf(['Still readable.'])]);
    // The cross-reference offsets are now off by the junk's length: the reader repairs them.
    const { pages } = await readPdfText(pdf);
    assert.deepEqual(pages, ['Still readable.']);
  });
});
