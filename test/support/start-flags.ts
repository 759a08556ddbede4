import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The Node flags `npm start` gives the server (package.json's start script), for tests that
 * start `node src/main.ts` themselves: their server then runs as it does in production.
 */
export const startFlags: string[] = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start as string)
  .split(/\s+/)
  .filter((arg) => arg.startsWith('--'));
