// Bounded work per request: while the heaviest single request of each kind that fits the
// limits runs, how late does GET /healthz answer? Loopback only; bounded; exits by itself.
//
//   npm run bench:healthz                                embedded database (PGlite)
//   DATABASE_URL=postgres://... npm run bench:healthz    a fresh PostgreSQL database, dropped after
//   BENCH_ONLY=upload npm run bench:healthz               only the kinds whose name contains this
//
// Parley runs on the main thread (the embedded database runs there too). The client that
// sends the heavy requests and the poller that asks for /healthz every 10 ms run in a worker
// thread: a stall of Parley's event loop then shows as a late answer, and cannot delay the
// poller's own clock. Every reply is read to its end.

import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { makePdf } from '../test/support/pdf.ts';
import { randomWord } from '../test/support/random-text.ts';
import { startTestServer } from '../test/support/server.ts';

const POLL_MS = 10;
const IDLE_MS = 3000;
/** Each kind runs this many times; its /healthz samples are pooled. */
const RUNS = 2;
const CAP = 100_000;
const MIB = 1_048_576;

type Row = { kind: string; status: string; requestMs: number; samples: number; worst: number; p99: number; loopDelay: number };

// ---------------------------------------------------------------- inputs

/** Ordinary prose: common words and made-up ones, punctuation now and then. */
function prose(length: number, seed: number): string {
  const common = ['the', 'harbour', 'ships', 'and', 'tides', 'follow', 'moon', 'of', 'a', 'lighthouse', 'keeper', 'wrote', 'that'];
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const word = next() < 0.7 ? common[Math.floor(next() * common.length)] : randomWord(2 + Math.floor(next() * 8), state);
    const piece = `${word}${next() < 0.07 ? '.' : next() < 0.05 ? ',' : ''} `;
    parts.push(piece);
    size += piece.length;
  }
  return parts.join('').slice(0, length);
}

/** Ten messages of `content(i)` each, alternating user and assistant, ending with a user message. */
const tenMessages = (content: (i: number) => string) =>
  Array.from({ length: 9 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: content(i) }));

// ---------------------------------------------------------------- client and poller (worker)

/**
 * Asks Parley's thread to start or stop watching its own event loop; `stop` answers the
 * longest delay seen meanwhile (the histogram's max), in milliseconds.
 */
const watchLoop = (what: 'start' | 'stop') =>
  new Promise<number>((resolve) => {
    parentPort?.once('message', (reply: { loopDelayMs: number }) => resolve(reply.loopDelayMs));
    parentPort?.postMessage({ watch: what });
  });

async function client(opts: { serverUrl: string; only?: string }): Promise<{ idle: { worst: number; p99: number; p50: number }; rows: Row[] }> {
  const base = opts.serverUrl;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const healthz = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = request(`${base}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  /** /healthz every POLL_MS until `done` settles (and at least five times): each answer's latency. */
  const poll = async (done: Promise<unknown>) => {
    let finished = false;
    void done.finally(() => {
      finished = true;
    });
    const latencies: number[] = [];
    while (!finished || latencies.length < 5) {
      const ms = await healthz();
      latencies.push(ms);
      if (ms < POLL_MS) await new Promise((resolve) => setTimeout(resolve, POLL_MS - ms));
    }
    return latencies;
  };
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const percentile = (values: number[], p: number) => values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)];

  const json = async (method: string, path: string, token: string | undefined, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  const register = await json('POST', '/api/v1/auth/register', undefined, {
    email: `bench-${Date.now()}@example.test`,
    password: 'bench-password',
  });
  const token: string = register.body.access_token;
  const newConversation = async () => (await json('POST', '/api/v1/conversations', token, { title: 'bench', model: 'echo' })).body.id as string;
  const assistant = (await json('POST', '/api/v1/assistants', token, { name: 'Bench', model: 'echo' })).body.id as string;

  /** A request with its body prepared beforehand; resolves with the status once the whole reply is read. */
  const http = (method: string, path: string, payload: string | FormData, contentType?: string) => async () => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
      body: payload,
    });
    await res.arrayBuffer();
    return String(res.status);
  };
  const post = (path: string, body: unknown) => http('POST', path, JSON.stringify(body), 'application/json');

  /** Sends one frame on a fresh socket; resolves with the type (and code) of the frame that ends it. */
  const socketFrame = async (frame: string) => {
    const session = await json('POST', '/api/chat/session', token, { title: 'bench' });
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/${session.body.data.session_id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return async () => {
      const end = new Promise<string>((resolve) => {
        ws.on('message', (data) => {
          const parsed = JSON.parse(String(data));
          if (parsed.type === 'done' || parsed.type === 'error') resolve(`${parsed.type}${parsed.code ? ` ${parsed.code}` : ''}`);
        });
        ws.once('close', (code) => resolve(`closed ${code}`));
      });
      ws.send(frame);
      const result = await end;
      ws.close();
      return result;
    };
  };

  const upload = (bytes: Buffer) => async () => {
    const conversation = await newConversation();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'bench.pdf');
    return http('POST', `/api/chat/sessions/${conversation}/upload`, form)();
  };

  const oneWordMiB = 'a'.repeat(MIB - 200);
  const proseMiB = prose(MIB - 200, 3);
  const words = tenMessages((i) => randomWord(CAP, 10 + i));
  const texts = tenMessages((i) => prose(CAP, 20 + i));
  const word100k = randomWord(CAP, 42);
  // A short template repeating a long value: the amplification the filled-in cap refuses.
  const amplified = { content: '{v}'.repeat(6000), variables: { v: randomWord(CAP, 7) } };
  const largestPreview = {
    content: Array.from({ length: 9 }, (_, i) => `{v${i}}`).join(' '),
    variables: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`v${i}`, prose(CAP / 9 - 2, 30 + i)])),
  };
  // About 10 MB: small text and a padding stream, and a document of 400 full pages of text.
  const paddedPdf = makePdf([prose(4000, 5)], { paddingBytes: 10 * 1000 * 1000 - 10_000 });
  const textPdf = makePdf(Array.from({ length: 400 }, (_, i) => prose(5000, 100 + i)));

  const kinds: { kind: string; prepare: () => Promise<() => Promise<string>> }[] = [
    { kind: 'openai: 1 MiB one word', prepare: async () => post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: oneWordMiB }] }) },
    {
      kind: 'openai: 1 MiB one word, stream',
      prepare: async () => post('/v1/chat/completions', { model: 'echo', stream: true, messages: [{ role: 'user', content: oneWordMiB }] }),
    },
    { kind: 'openai: 1 MiB text', prepare: async () => post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: proseMiB }] }) },
    { kind: 'openai: 9 x 100k one-word msgs', prepare: async () => post('/v1/chat/completions', { model: 'echo', messages: words }) },
    {
      kind: 'openai: 9 x 100k one-word msgs, stream',
      prepare: async () => post('/v1/chat/completions', { model: 'echo', stream: true, messages: words }),
    },
    { kind: 'openai: 9 x 100k text msgs', prepare: async () => post('/v1/chat/completions', { model: 'echo', messages: texts }) },
    { kind: 'openai: 9 x 100k text msgs, stream', prepare: async () => post('/v1/chat/completions', { model: 'echo', stream: true, messages: texts }) },
    { kind: 'seed 000: 100k one-word turn', prepare: async () => post(`/api/v1/conversations/${await newConversation()}/messages`, { content: word100k }) },
    { kind: 'seed 001: 100k one-word turn', prepare: async () => post('/api/v1/chat/stream', { assistant_id: assistant, message: word100k }) },
    {
      kind: 'seed 002: 100k one-word turn, stream',
      prepare: async () => post('/v1/chat/stream', { model: 'echo', messages: [{ role: 'user', content: word100k }] }),
    },
    {
      kind: 'seed 002: 100k one-word turn',
      prepare: async () => post('/v1/chat/stream', { model: 'echo', stream: false, messages: [{ role: 'user', content: word100k }] }),
    },
    {
      kind: 'seed 003: 100k one-word message',
      prepare: async () => {
        const session = await json('POST', '/api/chat/session', token, { title: 'bench' });
        return post('/api/chat/message', { session_id: session.body.data.session_id, content: word100k });
      },
    },
    { kind: 'seed 003 ws: 1 MiB frame', prepare: () => socketFrame(JSON.stringify({ type: 'message', content: oneWordMiB.slice(0, MIB - 100) })) },
    { kind: 'seed 003 ws: 100k one-word turn', prepare: () => socketFrame(JSON.stringify({ type: 'message', content: word100k, model: 'echo' })) },
    { kind: 'preview: 100k filled in', prepare: async () => post('/api/chat/prompts/preview', { model: 'echo', ...largestPreview }) },
    { kind: 'preview: 6000 x {v} of 100k', prepare: async () => post('/api/chat/prompts/preview', { model: 'echo', ...amplified }) },
    { kind: 'upload: 10 MB PDF', prepare: async () => upload(paddedPdf) },
    { kind: 'upload: 400 pages of text', prepare: async () => upload(textPdf) },
  ];

  // Warm-up: the code involved is loaded and compiled before anything is measured.
  for (let i = 0; i < 50; i++) await healthz();
  await (await kinds[7].prepare())();

  const idleLatencies = sorted(await poll(new Promise((resolve) => setTimeout(resolve, IDLE_MS))));
  const rows: Row[] = [];
  const only = opts.only?.toLowerCase();
  for (const { kind, prepare } of kinds.filter((k) => !only || k.kind.toLowerCase().includes(only))) {
    const latencies: number[] = [];
    const statuses = new Set<string>();
    let requestMs = 0;
    let loopDelay = 0;
    for (let run = 0; run < RUNS; run++) {
      const send = await prepare();
      await watchLoop('start');
      const started = performance.now();
      const done = send().then((status) => {
        requestMs = Math.max(requestMs, performance.now() - started);
        statuses.add(status);
      });
      latencies.push(...(await poll(done)));
      await done;
      loopDelay = Math.max(loopDelay, await watchLoop('stop'));
    }
    const s = sorted(latencies);
    rows.push({ kind, status: [...statuses].join(', '), requestMs, samples: s.length, worst: s[s.length - 1], p99: percentile(s, 0.99), loopDelay });
  }
  agent.destroy();
  return {
    idle: { worst: idleLatencies[idleLatencies.length - 1], p99: percentile(idleLatencies, 0.99), p50: percentile(idleLatencies, 0.5) },
    rows,
  };
}

// ---------------------------------------------------------------- Parley (main thread)

async function main(): Promise<void> {
  const server = await startTestServer({ env: { LOG_LEVEL: 'silent' } });
  try {
    const worker = new Worker(new URL(import.meta.url), { workerData: { serverUrl: server.url, only: process.env.BENCH_ONLY } });
    // The longest stretch Parley's thread could not turn its event loop (resolution 10 ms).
    const loop = monitorEventLoopDelay({ resolution: 10 });
    const result = await new Promise<Awaited<ReturnType<typeof client>>>((resolve, reject) => {
      worker.on('message', (message: { watch?: 'start' | 'stop' }) => {
        if (message.watch === 'start') {
          loop.reset();
          loop.enable();
          worker.postMessage({ loopDelayMs: 0 });
        } else if (message.watch === 'stop') {
          loop.disable();
          worker.postMessage({ loopDelayMs: loop.max / 1e6 });
        } else resolve(message as Awaited<ReturnType<typeof client>>);
      });
      worker.once('error', reject);
    });
    await worker.terminate();

    const { idle, rows } = result;
    const table: string[][] = [['request kind', 'status', 'request ms', 'samples', 'worst ms', 'p99 ms', 'worst / idle worst', 'loop delay max ms']];
    for (const r of rows) {
      table.push([r.kind, r.status, r.requestMs.toFixed(0), String(r.samples), r.worst.toFixed(1), r.p99.toFixed(1), (r.worst / idle.worst).toFixed(1), r.loopDelay.toFixed(0)]);
    }
    const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
    console.log(`database: ${server.databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)'}; node ${process.version}`);
    console.log(`idle /healthz: p50 ${idle.p50.toFixed(1)} ms, p99 ${idle.p99.toFixed(1)} ms, worst ${idle.worst.toFixed(1)} ms`);
    for (const row of table) console.log(`| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`);
    const over = rows.filter((r) => r.worst > 100);
    console.log(over.length ? `over 100 ms: ${over.map((r) => r.kind).join('; ')}` : 'every kind: worst /healthz within 100 ms');
  } finally {
    await server.close();
  }
}

if (isMainThread) await main();
else parentPort?.postMessage(await client(workerData));
