import { Worker } from 'node:worker_threads';
import { errors } from '../errors.ts';
import type { PdfWorkerInput, PdfWorkerOutcome } from './pdf-worker.ts';

export interface PdfText {
  /** The text of each page, in order (empty for a page without text). */
  pages: string[];
}

/** Bounds on one parse: a PDF beyond them is refused with a 422 naming the bound. */
export interface PdfLimits {
  maxPages: number;
  timeoutMs: number;
  /** The worker's old-generation heap, in MB. */
  memoryMb: number;
}

export const DEFAULT_PDF_LIMITS: PdfLimits = { maxPages: 500, timeoutMs: 30_000, memoryMb: 256 };

const MAGIC = Buffer.from('%PDF-', 'latin1');
const END_MARKER = Buffer.from('%%EOF', 'latin1');
// Readers look for the header within the first kilobyte and for the end marker within the last one.
const HEADER_WINDOW = 1024;
const TRAILER_WINDOW = 1024;
const WORKER_URL = new URL('./pdf-worker.ts', import.meta.url);

/**
 * Reads the text of a PDF, page by page. The content decides, never the name or declared type:
 * 400 for what is not a readable PDF (another kind of file, a damaged or truncated one), 422 for
 * a sound PDF that cannot be used (password-protected, with no text to extract, or beyond the
 * page, time or memory bounds). The parse runs in a worker thread, so the server keeps answering.
 */
export async function readPdfText(data: Buffer, limits: PdfLimits = DEFAULT_PDF_LIMITS): Promise<PdfText> {
  if (data.subarray(0, HEADER_WINDOW).indexOf(MAGIC) === -1) {
    throw errors.badRequest('Only PDF files are supported: the uploaded file is not a PDF');
  }
  // A cut-off upload loses its end marker; the parser would otherwise patch over the gap silently.
  if (data.subarray(Math.max(0, data.length - TRAILER_WINDOW)).indexOf(END_MARKER) === -1) {
    throw damaged();
  }
  const outcome = await parseInWorker(data, limits);
  switch (outcome.type) {
    case 'password':
      throw errors.validation('The PDF is password-protected: upload a copy without a password');
    case 'damaged':
      throw damaged();
    case 'too_many_pages':
      throw errors.validation(`The PDF has ${outcome.pageCount} pages, more than the ${limits.maxPages} allowed (PDF_MAX_PAGES)`);
  }
  const pages = outcome.pages.map(normalize);
  if (!pages.some((p) => p.length > 0)) {
    throw errors.validation('The PDF has no extractable text (a scanned or image-only document?)');
  }
  return { pages };
}

/** One worker per parse (uploads are rare): ended when it answers, or terminated at the time limit. */
function parseInWorker(data: Buffer, limits: PdfLimits): Promise<PdfWorkerOutcome> {
  // A copy travels to the worker: the original buffer is the one stored.
  const input: PdfWorkerInput = { data: new Uint8Array(data), maxPages: limits.maxPages };
  const worker = new Worker(WORKER_URL, { workerData: input, resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb } });
  return new Promise<PdfWorkerOutcome>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(
      () => settle(() => reject(errors.validation(`The PDF could not be read within ${limits.timeoutMs} ms (PDF_PARSE_TIMEOUT_MS)`))),
      limits.timeoutMs,
    );
    worker.once('message', (outcome: PdfWorkerOutcome) => settle(() => resolve(outcome)));
    worker.once('error', (err) => {
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        settle(() => reject(errors.validation(`The PDF needs more than ${limits.memoryMb} MB to read (PDF_PARSE_MEMORY_MB)`)));
      } else {
        // The parser failed in a way it does not report: the file is what it choked on.
        settle(() => reject(damaged()));
      }
    });
    worker.once('exit', () => settle(() => reject(damaged())));
  });
}

function damaged() {
  return errors.badRequest('The PDF file could not be read: it is damaged or truncated');
}

/** Collapses the spacing the text layer produces; keeps paragraph breaks. */
function normalize(text: string): string {
  return text
    .replaceAll('\u0000', '')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
