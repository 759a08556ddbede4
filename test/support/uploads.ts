import type { Client, HttpResult } from './http.ts';

export interface UploadOptions {
  filename?: string;
  /** The declared type of the part; the server must not trust it. */
  type?: string;
  /** The form field name (the API expects `file`). */
  field?: string;
}

/** Posts `bytes` as a multipart form with one file part, as `curl -F file=@…` would. */
export function uploadFile(api: Client, path: string, token: string | undefined, bytes: Uint8Array, opts: UploadOptions = {}): Promise<HttpResult> {
  const form = new FormData();
  form.append(opts.field ?? 'file', new Blob([bytes], { type: opts.type ?? 'application/pdf' }), opts.filename ?? 'document.pdf');
  return api.request('POST', path, { token, raw: form });
}
