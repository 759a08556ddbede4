import { createHash } from 'node:crypto';

// Real, minimal PDFs written by hand: one Helvetica text stream per page and an exact
// cross-reference table, so a strict reader opens them without repairing anything.

export interface PdfOptions {
  /**
   * Encrypts the document (standard security handler, revision 2, 40-bit RC4) with this user
   * password: readers must be given it to open the file.
   */
  userPassword?: string;
  /** Adds an unreferenced binary stream of this many bytes: a large file that stays a valid PDF. */
  paddingBytes?: number;
}

const LINE_CHARS = 90;
const LINES_PER_PAGE = 56;

/** A PDF with one page per entry; each page shows its text in Helvetica, wrapped into lines. */
export function makePdf(pages: string[], opts: PdfOptions = {}): Buffer {
  return buildPdf(pages.map((text) => textStream(text)), opts);
}

/** A PDF whose pages draw only shapes (a scanned document looks like this): no text at all. */
export function makeImageOnlyPdf(pageCount = 1): Buffer {
  const drawing = '0.2 0.4 0.8 rg 72 72 400 600 re f 0 0 0 RG 4 w 100 100 m 450 650 l S';
  return buildPdf(Array.from({ length: pageCount }, () => drawing), {});
}

function textStream(text: string): string {
  const lines = wrap(text).slice(0, LINES_PER_PAGE);
  const shown = lines.map((line, i) => `${i === 0 ? '' : 'T* '}(${escapeText(line)}) Tj`).join('\n');
  return `BT\n/F1 11 Tf\n14 TL\n50 770 Td\n${shown}\nET`;
}

function wrap(text: string): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > LINE_CHARS) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  return lines;
}

// Helvetica here uses WinAnsi: keep to printable ASCII and escape the string delimiters.
function escapeText(s: string): string {
  return s
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\\/g, '\\\\')
    .replace(/\(/g, '\\(')
    .replace(/\)/g, '\\)');
}

function buildPdf(streams: string[], opts: PdfOptions): Buffer {
  const pageCount = streams.length;
  // Objects: 1 catalog, 2 page tree, 3 font, then for each page its page object and its content stream.
  const pageObj = (i: number) => 4 + i * 2;
  const contentObj = (i: number) => 5 + i * 2;
  const fileId = createHash('md5').update(`parley-test-${Math.random()}`).digest();
  const security = opts.userPassword !== undefined ? standardSecurity(opts.userPassword, fileId) : undefined;
  const encryptObj = 4 + pageCount * 2;

  const objects: Array<Buffer | string> = [];
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  const kids = streams.map((_, i) => `${pageObj(i)} 0 R`).join(' ');
  objects[2] = `<< /Type /Pages /Kids [${kids}] /Count ${pageCount} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  streams.forEach((content, i) => {
    objects[pageObj(i)] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentObj(i)} 0 R >>`;
    let data: Buffer = Buffer.from(content, 'latin1');
    if (security) data = rc4(objectKey(security.key, contentObj(i)), data);
    objects[contentObj(i)] = Buffer.concat([
      Buffer.from(`<< /Length ${data.length} >>\nstream\n`, 'latin1'),
      data,
      Buffer.from('\nendstream', 'latin1'),
    ]);
  });
  if (security) {
    objects[encryptObj] =
      `<< /Filter /Standard /V 1 /R 2 /Length 40 /P ${security.permissions} /O <${security.o.toString('hex')}> /U <${security.u.toString('hex')}> >>`;
  }

  if (opts.paddingBytes) {
    const data = Buffer.alloc(opts.paddingBytes, 0xa5);
    objects.push(Buffer.concat([Buffer.from(`<< /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]));
  }
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0].length;
  const offsets: number[] = [];
  for (let n = 1; n < objects.length; n++) {
    offsets[n] = offset;
    const body = objects[n];
    const chunk = Buffer.concat([
      Buffer.from(`${n} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(chunk);
    offset += chunk.length;
  }
  const xrefAt = offset;
  // Each entry is exactly 20 bytes: 10-digit offset, space, 5-digit generation, space, flag, CR LF.
  let xref = `xref\n0 ${objects.length}\n0000000000 65535 f\r\n`;
  for (let n = 1; n < objects.length; n++) xref += `${String(offsets[n]).padStart(10, '0')} 00000 n\r\n`;
  const encrypt = security ? ` /Encrypt ${encryptObj} 0 R` : '';
  const id = fileId.toString('hex');
  xref += `trailer\n<< /Size ${objects.length} /Root 1 0 R${encrypt} /ID [<${id}> <${id}>] >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(parts);
}

// The standard security handler, revision 2 (PDF 1.7 reference, algorithms 3.2 to 3.4).
const PASSWORD_PAD = Buffer.from(
  '28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a',
  'hex',
);

function standardSecurity(userPassword: string, fileId: Buffer) {
  const permissions = -44;
  const pad = (pw: string) => Buffer.concat([Buffer.from(pw, 'latin1'), PASSWORD_PAD]).subarray(0, 32);
  const ownerPassword = `${userPassword}-owner`;
  const ownerKey = createHash('md5').update(pad(ownerPassword)).digest().subarray(0, 5);
  const o = rc4(ownerKey, pad(userPassword));
  const p = Buffer.alloc(4);
  p.writeInt32LE(permissions);
  const key = createHash('md5').update(Buffer.concat([pad(userPassword), o, p, fileId])).digest().subarray(0, 5);
  const u = rc4(key, PASSWORD_PAD);
  return { key, o, u, permissions };
}

function objectKey(key: Buffer, objectNumber: number): Buffer {
  const salt = Buffer.from([objectNumber & 0xff, (objectNumber >> 8) & 0xff, (objectNumber >> 16) & 0xff, 0, 0]);
  return createHash('md5')
    .update(Buffer.concat([key, salt]))
    .digest()
    .subarray(0, Math.min(key.length + 5, 16));
}

// RC4 is written out because OpenSSL 3 no longer offers it by default.
function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 0xff;
    [s[i], s[j]] = [s[j], s[i]];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]) & 0xff;
    [s[i], s[j]] = [s[j], s[i]];
    out[n] = data[n] ^ s[(s[i] + s[j]) & 0xff];
  }
  return out;
}
