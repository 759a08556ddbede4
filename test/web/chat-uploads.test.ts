import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MODEL_KEY, preferredModel } from '../../web/src/components/chat/model-choice.ts';
import { attachmentOf, formatSize, isPdf, listedFiles, unwrapEnvelope, uploadError, uploadedFile } from '../../web/src/components/chat/uploads.ts';

const stored = { id: 'f1', filename: 'atlas.pdf', file_size: 2048, metadata: { page_count: 3 } };

describe('document uploads', () => {
  it('reads the stored file from an upload answer, with or without the envelope', () => {
    assert.deepEqual(uploadedFile({ file: stored, message: 'File uploaded successfully' }), stored);
    assert.deepEqual(uploadedFile({ code: 201, message: 'ok', data: { file: stored } }), stored);
    assert.deepEqual(uploadedFile({ code: 200, message: 'ok', data: stored }), stored);
    assert.equal(uploadedFile({ detail: 'bad' }), undefined);
    assert.equal(uploadedFile(null), undefined);
  });

  it('reads file lists', () => {
    assert.deepEqual(listedFiles({ items: [stored], total: 1 }), [stored]);
    assert.deepEqual(listedFiles({ code: 200, message: 'ok', data: { items: [stored], total: 1 } }), [stored]);
    assert.deepEqual(listedFiles({ code: 200, message: 'ok', data: [stored] }), [stored]);
    assert.deepEqual(unwrapEnvelope({ items: [] }), { items: [] });
  });

  it('shows a file as a chip', () => {
    assert.deepEqual(attachmentOf(stored), { key: 'f1', id: 'f1', filename: 'atlas.pdf', size: 2048, pages: 3 });
    assert.equal(formatSize(512), '512 B');
    assert.equal(formatSize(2048), '2 KB');
    assert.equal(formatSize(3.5 * 1024 * 1024), '3.5 MB');
  });

  it('says why an upload failed', () => {
    assert.equal(uploadError(422, { detail: 'Only PDF files are accepted' }), 'Only PDF files are accepted');
    assert.equal(uploadError(422, { detail: [{ msg: 'Field required' }] }), 'Field required');
    assert.equal(uploadError(400, { code: 400, message: 'Bad file', data: null }), 'Bad file');
    assert.equal(uploadError(413, null), 'The file is too large');
    assert.equal(uploadError(0, undefined), 'The server cannot be reached');
    assert.equal(uploadError(500, null), 'Upload failed (500)');
  });

  it('accepts PDFs only', () => {
    assert.equal(isPdf({ type: 'application/pdf', name: 'a.pdf' }), true);
    assert.equal(isPdf({ type: '', name: 'scan.PDF' }), true);
    assert.equal(isPdf({ type: 'image/png', name: 'a.png' }), false);
    assert.equal(isPdf({ type: 'text/plain', name: 'a.pdf' }), false);
  });
});

describe('the model picker', () => {
  const list = { default_model: 'gpt-4o', models: [{ id: 'gpt-4o' }, { id: 'gpt-4o-mini' }] } as Parameters<typeof preferredModel>[0];
  const store = (value: string | null) => ({ getItem: (key: string) => (key === MODEL_KEY ? value : null) });

  it('preselects the last choice while it is offered, else the default', () => {
    assert.equal(preferredModel(list, store('gpt-4o-mini')), 'gpt-4o-mini');
    assert.equal(preferredModel(list, store('retired-model')), 'gpt-4o');
    assert.equal(preferredModel(list, store(null)), 'gpt-4o');
  });
});
