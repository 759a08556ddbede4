// The load generator of the gateway benchmark. It runs in a worker thread of the benchmark's
// process, never on a target's event loop: the main thread sends it one task at a time and it
// answers with what it measured. Closed loops over `node:http` keep-alive connections.

import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';

export interface LoadTask {
  /** The path measured (its keep-alive connections are kept from one task to the next). */
  path: string;
  url: string;
  headers: Record<string, string>;
  /** The JSON body, sent as is by every request. */
  payload: string;
  /** `rps`: whole non-streamed replies per second; `ttft`: time to the first content chunk of streamed replies. */
  mode: 'rps' | 'ttft';
  concurrency: number;
  /** Counted after `warmMs` of ramp-up, for this many milliseconds. */
  warmMs: number;
  windowMs: number;
}

export interface LoadResult {
  /** Replies completed (rps) or started (ttft) within the window, with status 200. */
  count: number;
  /** Every reply completed with status 200 during the task, ramp-up and tail included. */
  completed: number;
  errors: number;
  firstError?: string;
  windowMs: number;
  /** Time to first token of each request started within the window, in milliseconds (ttft). */
  samples: number[];
}

const REQUEST_TIMEOUT_MS = 30_000;
// The first chunk that carries generated text: the mock's first token, whichever gateway re-wrote it.
const FIRST_TOKEN = /"content":\s*"t0 /;
const agents = new Map<string, Agent>();

function agentFor(path: string): Agent {
  let agent = agents.get(path);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(path, agent);
  }
  return agent;
}

interface Outcome {
  ok: boolean;
  error?: string;
  /** Milliseconds from sending to the first token (streamed requests). */
  ttft?: number;
}

function send(task: LoadTask, agent: Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(task.payload), ...task.headers };
    const req = request(task.url, { method: 'POST', agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let text = '';
      let ttft: number | undefined;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (res.statusCode !== 200 || task.mode === 'rps') {
          text += chunk;
          return;
        }
        if (ttft !== undefined) return;
        text += chunk;
        if (FIRST_TOKEN.test(text)) ttft = performance.now() - started;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve({ ok: false, error: `${res.statusCode} ${text.slice(0, 300)}` });
        if (task.mode === 'ttft' && ttft === undefined) return resolve({ ok: false, error: `no first token in ${text.slice(0, 300)}` });
        if (task.mode === 'rps' && !text.includes('t19 ')) return resolve({ ok: false, error: `incomplete reply ${text.slice(0, 300)}` });
        resolve({ ok: true, ttft });
      });
      res.on('error', (err) => resolve({ ok: false, error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ ok: false, error: err.message }));
    req.end(task.payload);
  });
}

/** Runs `task.concurrency` closed loops until the window ends; counts what falls within it. */
export async function runTask(task: LoadTask): Promise<LoadResult> {
  const agent = agentFor(task.path);
  const start = performance.now();
  const from = start + task.warmMs;
  const until = from + task.windowMs;
  const result: LoadResult = { count: 0, completed: 0, errors: 0, windowMs: task.windowMs, samples: [] };
  const loop = async () => {
    while (performance.now() < until) {
      const sentAt = performance.now();
      const outcome = await send(task, agent);
      const endedAt = performance.now();
      // Replies per second count completions within the window; time to first token, requests sent within it.
      const inWindow = task.mode === 'rps' ? endedAt >= from && endedAt <= until : sentAt >= from && sentAt < until;
      if (!outcome.ok) {
        result.errors++;
        result.firstError ??= outcome.error;
        // A failing target is not hammered in a tight loop.
        await new Promise((r) => setTimeout(r, 50));
      } else {
        result.completed++;
        if (!inWindow) continue;
        result.count++;
        if (outcome.ttft !== undefined) result.samples.push(outcome.ttft);
      }
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, loop));
  return result;
}

if (parentPort) {
  const port = parentPort;
  port.on('message', async (message: { id: number; task?: LoadTask; close?: true }) => {
    if (message.close) {
      for (const agent of agents.values()) agent.destroy();
      port.close();
      return;
    }
    port.postMessage({ id: message.id, result: await runTask(message.task as LoadTask) });
  });
}
