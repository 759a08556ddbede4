import { extractText, getDocumentProxy } from 'unpdf';
import { AppError, errors } from '../errors.ts';

export interface PdfText {
  /** The text of each page, in order (empty for a page without text). */
  pages: string[];
}

const MAGIC = Buffer.from('%PDF-', 'latin1');
const END_MARKER = Buffer.from('%%EOF', 'latin1');
// Readers look for the header within the first kilobyte and for the end marker within the last one.
const HEADER_WINDOW = 1024;
const TRAILER_WINDOW = 1024;

/**
 * Reads the text of a PDF, page by page. The content decides, never the name or declared type:
 * 400 for what is not a readable PDF (another kind of file, a damaged or truncated one), 422 for
 * a sound PDF that cannot be used (password-protected, or with no text to extract).
 */
export async function readPdfText(data: Buffer): Promise<PdfText> {
  if (data.subarray(0, HEADER_WINDOW).indexOf(MAGIC) === -1) {
    throw errors.badRequest('Only PDF files are supported: the uploaded file is not a PDF');
  }
  // A cut-off upload loses its end marker; the parser would otherwise patch over the gap silently.
  if (data.subarray(Math.max(0, data.length - TRAILER_WINDOW)).indexOf(END_MARKER) === -1) {
    throw damaged();
  }
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // A copy: the parser may take ownership of the buffer it is given, and the original is stored.
    document = await getDocumentProxy(new Uint8Array(data), { verbosity: 0, isEvalSupported: false });
  } catch (err) {
    if ((err as Error)?.name === 'PasswordException') {
      throw errors.validation('The PDF is password-protected: upload a copy without a password');
    }
    throw damaged();
  }
  try {
    const { text } = await extractText(document, { mergePages: false });
    const pages = text.map(normalize);
    if (!pages.some((p) => p.length > 0)) {
      throw errors.validation('The PDF has no extractable text (a scanned or image-only document?)');
    }
    return { pages };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw damaged();
  } finally {
    await document.destroy().catch(() => {});
  }
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
