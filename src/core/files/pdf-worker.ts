// Runs in a worker thread (see pdf-text.ts): parsing a PDF is CPU-bound work of unbounded length,
// kept off the thread that answers requests. It receives the bytes and the page cap as workerData
// and posts back one outcome; everything it allocates is bounded by the worker's resource limits.
import { parentPort, workerData } from 'node:worker_threads';
import { extractText, getDocumentProxy } from 'unpdf';

export type PdfWorkerInput = { data: Uint8Array; maxPages: number };

export type PdfWorkerOutcome =
  | { type: 'pages'; pages: string[] }
  | { type: 'password' }
  | { type: 'damaged' }
  | { type: 'too_many_pages'; pageCount: number };

async function parse({ data, maxPages }: PdfWorkerInput): Promise<PdfWorkerOutcome> {
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    document = await getDocumentProxy(data, { verbosity: 0, isEvalSupported: false });
  } catch (err) {
    return (err as Error)?.name === 'PasswordException' ? { type: 'password' } : { type: 'damaged' };
  }
  try {
    // Checked before any page is read: the count is in the document's catalog.
    if (document.numPages > maxPages) return { type: 'too_many_pages', pageCount: document.numPages };
    const { text } = await extractText(document, { mergePages: false });
    return { type: 'pages', pages: text };
  } catch {
    return { type: 'damaged' };
  } finally {
    await document.destroy().catch(() => {});
  }
}

parentPort?.postMessage(await parse(workerData as PdfWorkerInput));
