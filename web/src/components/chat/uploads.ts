/** A document of the conversation as the chips show it: stored, being uploaded, or refused. */
export interface Attachment {
  /** Stable across the upload and the stored file, for keys. */
  key: string;
  id?: string;
  filename: string;
  size: number;
  pages?: number;
  /** 0–1 while uploading. */
  progress?: number;
  error?: string;
}

interface StoredFileBody {
  id: string;
  filename: string;
  file_size: number;
  metadata?: { page_count?: number };
}

/** Seed 003's envelope `{code, message, data}` around a body, or the body itself. */
export function unwrapEnvelope<T>(body: unknown): T {
  if (body && typeof body === 'object' && 'code' in body && 'data' in body) return (body as { data: T }).data;
  return body as T;
}

export function attachmentOf(file: StoredFileBody): Attachment {
  return { key: file.id, id: file.id, filename: file.filename, size: file.file_size, pages: file.metadata?.page_count };
}

/** The stored file in an upload's answer (`{file, message}`, possibly in the envelope). */
export function uploadedFile(body: unknown): StoredFileBody | undefined {
  const inner = unwrapEnvelope<{ file?: StoredFileBody } & Partial<StoredFileBody>>(body);
  if (!inner || typeof inner !== 'object') return undefined;
  if (inner.file?.id) return inner.file;
  return inner.id ? (inner as StoredFileBody) : undefined;
}

/** The files of a file list's answer (`{items, total}`, possibly in the envelope). */
export function listedFiles(body: unknown): StoredFileBody[] {
  const inner = unwrapEnvelope<{ items?: StoredFileBody[] } | StoredFileBody[]>(body);
  if (Array.isArray(inner)) return inner;
  return inner?.items ?? [];
}

/** What an error answer says: `{detail}` (a sentence or a list), or `{message}`. */
export function uploadError(status: number, body: unknown): string {
  const b = body as { detail?: unknown; message?: unknown } | undefined;
  if (typeof b?.detail === 'string') return b.detail;
  if (Array.isArray(b?.detail)) return (b.detail as { msg?: string }[]).map((d) => d.msg ?? 'invalid').join('; ');
  if (typeof b?.message === 'string' && b.message) return b.message;
  if (status === 0) return 'The server cannot be reached';
  if (status === 413) return 'The file is too large';
  return `Upload failed (${status})`;
}

export function isPdf(file: { type: string; name: string }): boolean {
  return file.type === 'application/pdf' || (!file.type && /\.pdf$/i.test(file.name));
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Uploads a PDF with XMLHttpRequest (fetch reports no upload progress), reporting progress
 * from 0 to 1; resolves with the stored file or rejects with the server's words.
 */
export function uploadPdf(
  url: string,
  token: string | undefined,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<StoredFileBody> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      const file = xhr.status >= 200 && xhr.status < 300 ? uploadedFile(xhr.response) : undefined;
      if (file) resolve(file);
      else reject(new Error(uploadError(xhr.status, xhr.response)));
    };
    xhr.onerror = () => reject(new Error(uploadError(0, undefined)));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
