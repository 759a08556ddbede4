import type { StoredFile } from '../../core/files/files-service.ts';

export const presentFile = (f: StoredFile) => ({
  id: f.id,
  filename: f.filename,
  file_size: f.size,
  mime_type: 'application/pdf' as const,
  extracted_text: f.extractedText,
  metadata: { page_count: f.pageCount },
});

/** Lists leave the text out: it can be megabytes per file. */
export const presentFileSummary = (f: StoredFile) => ({
  id: f.id,
  filename: f.filename,
  file_size: f.size,
  mime_type: 'application/pdf' as const,
  metadata: { page_count: f.pageCount },
  created_at: f.createdAt.toISOString(),
});

export const presentUpload = (f: StoredFile) => ({ file: presentFile(f), message: 'File uploaded successfully' });
