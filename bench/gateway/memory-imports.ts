// What importing each of Parley's server-side packages costs in resident memory, each in a
// fresh process: RSS after garbage collection before and after the import, and the peak.
//
//   node [--max-semi-space-size=4 ...] bench/gateway/memory-imports.ts
//
// Node flags given to this process are given to each probe.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODULES = [
  'gpt-tokenizer',
  '@electric-sql/pglite',
  'fastify',
  'zod',
  'fastify-type-provider-zod',
  'drizzle-orm',
  'drizzle-orm/pg-core',
  'pg',
  'openai',
  '@anthropic-ai/sdk',
  'ioredis',
  'prom-client',
  'pino',
  'jose',
  '@node-rs/argon2',
  '@fastify/swagger',
  '@fastify/swagger-ui',
  '@fastify/static',
  '@fastify/multipart',
  '@fastify/websocket',
  '@fastify/cors',
  '@fastify/rate-limit',
  '@zxcvbn-ts/language-common',
  './src/db/schema.ts',
  './src/server.ts',
];

// Runs as a module in a fresh process: RSS (MB) after garbage collection, before and after the import.
const probe = (specifier: string) => `
import { readFileSync } from 'node:fs';
const settle = async () => { for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 30)); } };
const read = () => { const s = readFileSync('/proc/self/status', 'utf8'); const kb = (f) => Number(new RegExp('^' + f + ':\\\\s+(\\\\d+)', 'm').exec(s)[1]) / 1024; return { rss: kb('VmRSS'), peak: kb('VmHWM') }; };
await settle();
const before = read();
const heapBefore = process.memoryUsage().heapUsed;
await import(${JSON.stringify(specifier)});
await settle();
const after = read();
console.log(JSON.stringify({ before: before.rss, after: after.rss, peak: after.peak, heap: (process.memoryUsage().heapUsed - heapBefore) / 1048576 }));
`;

console.log(`Resident memory of one import in a fresh process (Node ${process.version}, flags: ${process.execArgv.join(' ') || '(none)'}; MB, after garbage collection)\n`);
console.log('| module | RSS before | RSS after | Δ RSS | Δ JS heap used | peak |');
console.log('|---|---|---|---|---|---|');
for (const specifier of MODULES) {
  const out = execFileSync(process.execPath, [...process.execArgv, '--expose-gc', '--input-type=module', '-e', probe(specifier)], { cwd: root, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').at(-1) as string) as { before: number; after: number; peak: number; heap: number };
  console.log(`| ${specifier} | ${r.before.toFixed(0)} | ${r.after.toFixed(0)} | +${(r.after - r.before).toFixed(0)} | +${r.heap.toFixed(0)} | ${r.peak.toFixed(0)} |`);
}
