// Reads a V8 .cpuprofile (from `node --cpu-prof`) and prints where the time went: the top
// functions by self time and by total (inclusive) time, the same grouped by file or package,
// and self time by area of the request (auth, rate limits, budgets, database, provider client,
// JSON, validation, logging, HTTP, garbage collection, ...).
//
//   node bench/gateway/cpuprofile-summary.ts <file.cpuprofile> [top=30] [requests]
//
// With the number of requests the profile covered, times are also given per request.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A file of the project (`src/...`), a package (`pkg` or `@scope/pkg`), Node's own (`node:...`), or a V8 pseudo-frame. */
export function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  // The innermost package: node_modules/<pkg>/... or node_modules/@scope/<pkg>/...
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file.slice(file.lastIndexOf('node_modules/')));
  if (file.includes('node_modules/') && pkg) return pkg[1];
  if (file.startsWith('node:')) return file;
  if (file.startsWith(root)) return path.relative(root, file);
  return file;
}

const AREAS: [RegExp, string][] = [
  [/^src\/core\/accounts\/|^src\/http\/plugins\/auth|^jose$|^@node-rs\/argon2/, 'auth'],
  [/rate-limit|^src\/core\/limits\/(memory|redis)-rate|^src\/core\/limits\/request-limits/, 'rate limits'],
  [/^src\/core\/limits\/budgets/, 'budgets (their own code)'],
  [/^@electric-sql\/pglite$/, 'database: PGlite (WASM and its JS)'],
  [/^pg$|^pg-|^postgres-/, 'database: pg driver (and its socket writes)'],
  [/^drizzle-orm$|^src\/db\//, 'database: Drizzle (SQL building, row mapping)'],
  [/^openai$|^src\/providers\//, 'provider client (OpenAI SDK, SSE parsing)'],
  [/^undici$|^node:internal\/deps\/undici|^node:internal\/webstreams/, 'fetch to the upstream (undici, web streams)'],
  [/^pino|^sonic-boom|^thread-stream|^src\/http\/plugins\/log-/, 'logging'],
  [/^zod$|^fastify-type-provider-zod$|^@fastify\/ajv|^ajv|^fast-json-stringify|^fast-uri|^src\/http\/.*schemas/, 'validation and serialization (zod)'],
  [/^prom-client$|^src\/core\/metrics\//, 'metrics'],
  [/^gpt-tokenizer$|^src\/core\/chat\/token-estimate/, 'token estimate'],
  [/^fastify$|^@fastify\/|^find-my-way$|^avvio$|^light-my-request$|^secure-json-parse$|^toad-cache$|^fastq$|^rfdc$/, 'Fastify'],
  [/^src\/core\/chat\/|^src\/core\/conversations\/|^src\/http\/openai\/|^src\/http\/streaming\//, 'Parley chat and completions code'],
  [/^src\//, 'Parley, other'],
];

/**
 * The area of a request a sample belongs to: that of the innermost frame of the project or of a
 * package on its stack (so a socket write or a builtin counts for the library that called it),
 * JSON for JSON.parse/stringify, V8's own pseudo-frames as themselves, and Node otherwise.
 */
export function areaOf(stack: { owner: string; functionName: string }[]): string {
  const leaf = stack[0];
  if (!leaf) return '(empty)';
  if (leaf.owner === '(garbage collector)') return 'garbage collection';
  if (leaf.owner === '(idle)') return 'idle';
  if (leaf.owner === '(program)') return 'V8/native (program)';
  if (leaf.owner.startsWith('(native)') && /^(parse|stringify)$/.test(leaf.functionName)) return 'JSON';
  for (const frame of stack) {
    // Node's own modules and WebAssembly are skipped (the JavaScript that called them decides: PGlite's
    // WASM for PGlite, undici's llhttp for fetch), except fetch and web streams, bundled in Node.
    if (frame.owner.startsWith('(') || frame.owner.startsWith('wasm:')) continue;
    if (frame.owner.startsWith('node:') && !/^node:internal\/(deps\/undici|webstreams)/.test(frame.owner)) continue;
    for (const [pattern, area] of AREAS) if (pattern.test(frame.owner)) return area;
    return `other: ${frame.owner}`;
  }
  if (leaf.owner.startsWith('wasm:')) return 'WebAssembly, caller unknown';
  return /^node:(internal\/)?(streams|stream_base|net|_http|http|js_stream)/.test(leaf.owner) ? 'Node HTTP, sockets, streams' : 'Node, other';
}

export interface Summary {
  totalMs: number;
  /** Time not idle: what the process spent working. */
  busyMs: number;
  selfByFunction: Map<string, number>;
  totalByFunction: Map<string, number>;
  selfByOwner: Map<string, number>;
  totalByOwner: Map<string, number>;
  selfByArea: Map<string, number>;
}

/**
 * Sums the samples, all of them or those taken within [fromUs, untilUs] (CLOCK_MONOTONIC in
 * microseconds, the clock of the profile's timestamps and of `process.hrtime` on Linux).
 */
export function summarize(profile: CpuProfile, window: { fromUs?: number; untilUs?: number } = {}): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const owner = ownerOf(n.callFrame.url, n.callFrame.functionName);
    const name = n.callFrame.functionName || '(anonymous)';
    return n.callFrame.url ? `${name}  ${owner}:${n.callFrame.lineNumber + 1}` : name;
  };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const s: Summary = {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: 0,
    selfByFunction: new Map(),
    totalByFunction: new Map(),
    selfByOwner: new Map(),
    totalByOwner: new Map(),
    selfByArea: new Map(),
  };
  // Stacks repeat: the owners and functions of each leaf are worked out once.
  const stackCache = new Map<number, { functions: string[]; owners: string[]; area: string }>();
  const stackOf = (leaf: number) => {
    let cached = stackCache.get(leaf);
    if (cached) return cached;
    const functions = new Set<string>();
    const owners = new Set<string>();
    const frames: { owner: string; functionName: string }[] = [];
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (n.callFrame.functionName === '(root)') continue;
      const owner = ownerOf(n.callFrame.url, n.callFrame.functionName);
      functions.add(label(n));
      owners.add(owner);
      frames.push({ owner, functionName: n.callFrame.functionName });
    }
    cached = { functions: [...functions], owners: [...owners], area: areaOf(frames) };
    stackCache.set(leaf, cached);
    return cached;
  };
  let at = profile.startTime;
  const from = window.fromUs ?? Number.NEGATIVE_INFINITY;
  const until = window.untilUs ?? Number.POSITIVE_INFINITY;
  if (window.fromUs !== undefined || window.untilUs !== undefined) s.totalMs = (Math.min(until, profile.endTime) - Math.max(from, profile.startTime)) / 1000;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    if (at < from || at > until) continue;
    // A sample's time is the gap to the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const leaf = byId.get(profile.samples[i])!;
    const owner = ownerOf(leaf.callFrame.url, leaf.callFrame.functionName);
    if (leaf.callFrame.functionName !== '(idle)') s.busyMs += ms;
    add(s.selfByFunction, label(leaf), ms);
    add(s.selfByOwner, owner, ms);
    const stack = stackOf(leaf.id);
    add(s.selfByArea, stack.area, ms);
    for (const f of stack.functions) add(s.totalByFunction, f, ms);
    for (const o of stack.owners) add(s.totalByOwner, o, ms);
  }
  return s;
}

export function printSummary(s: Summary, opts: { top?: number; requests?: number; title?: string } = {}): void {
  const top = opts.top ?? 30;
  const per = (ms: number) => (opts.requests ? `  ${((ms * 1000) / opts.requests).toFixed(0).padStart(5)} µs/req` : '');
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1).padStart(5)}%`;
  const print = (title: string, m: Map<string, number>, n = top) => {
    console.log(`\n${title}`);
    for (const [k, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${ms.toFixed(0).padStart(7)} ms ${pct(ms)}${per(ms)}  ${k}`);
  };
  if (opts.title) console.log(`\n==== ${opts.title}`);
  console.log(
    `profile ${s.totalMs.toFixed(0)} ms, busy (not idle) ${s.busyMs.toFixed(0)} ms${opts.requests ? `, ${opts.requests} requests: ${((s.busyMs * 1000) / opts.requests).toFixed(0)} µs busy per request` : ''}; percentages of the profile's time`,
  );
  print('Self time by area', s.selfByArea, 40);
  print(`Top ${top} functions by self time`, s.selfByFunction);
  print(`Top ${top} functions by total time`, s.totalByFunction);
  print(`Top ${top} files and packages by self time`, s.selfByOwner);
  print(`Top ${top} files and packages by total time`, s.totalByOwner);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [file, top, requests] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/gateway/cpuprofile-summary.ts <file.cpuprofile> [top] [requests]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  printSummary(summarize(profile), { top: top ? Number(top) : 30, requests: requests ? Number(requests) : undefined, title: file });
}
