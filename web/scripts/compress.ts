// Writes a brotli (.br) and a gzip (.gz) copy next to each text file of the build, so the
// server sends them as they are (chosen by Accept-Encoding) instead of compressing per request.
// Usage: node web/scripts/compress.ts [dist folder, default web/dist]
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { constants, brotliCompressSync, gzipSync } from 'node:zlib';

const TEXT = /\.(js|css|html|svg|json)$/;
// Below this a compressed copy saves less than the headers it costs.
const MIN_BYTES = 1024;

const dist = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'dist'));

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

let count = 0;
let original = 0;
let brotli = 0;
let gzip = 0;
for await (const file of files(dist)) {
  if (!TEXT.test(file) || (await stat(file)).size <= MIN_BYTES) continue;
  const data = await readFile(file);
  const br = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  const gz = gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
  await writeFile(`${file}.br`, br);
  await writeFile(`${file}.gz`, gz);
  count++;
  original += data.length;
  brotli += br.length;
  gzip += gz.length;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(`compressed ${count} files in ${path.relative(process.cwd(), dist) || '.'}: ${kb(original)} -> ${kb(brotli)} brotli, ${kb(gzip)} gzip`);
