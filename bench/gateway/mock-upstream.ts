// An OpenAI-compatible upstream for the gateway benchmark, run as its own process:
// `node bench/gateway/mock-upstream.ts <port>`. Every chat completion answers at once with the
// same 20 tokens ('t0 ' … 't19 '), streamed (one SSE chunk per token, as the test mock writes
// them) or as one JSON body when the request is not streamed. It keeps nothing per request, so
// its own cost stays flat however long the run.

import { createServer, type ServerResponse } from 'node:http';

const TOKENS = Array.from({ length: 20 }, (_, i) => `t${i} `);
const TEXT = TOKENS.join('');
const USAGE = { prompt_tokens: 8, completion_tokens: TOKENS.length, total_tokens: 8 + TOKENS.length };
const MODELS = ['gpt-4o-mini', 'gpt-4o'];
// Milliseconds between tokens (0: all at once); more shows whether a gateway streams or buffers.
const TOKEN_MS = Number(process.env.MOCK_TOKEN_MS ?? 0);

function json(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function answer(res: ServerResponse, body: { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } }) {
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model ?? 'gpt-4o-mini';
  if (!body.stream) {
    return json(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: TEXT, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: USAGE,
    });
  }
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(chunk({ role: 'assistant', content: '' }));
  for (const token of TOKENS) {
    if (TOKEN_MS) await new Promise((r) => setTimeout(r, TOKEN_MS));
    res.write(chunk({ content: token }));
  }
  res.write(chunk({}, 'stop'));
  if (body.stream_options?.include_usage) {
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: USAGE })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const path = (req.url ?? '').split('?')[0];
  if (req.method === 'GET' && path.endsWith('/models')) {
    return json(res, 200, { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'bench' })) });
  }
  if (req.method === 'POST' && path.endsWith('/chat/completions')) {
    let body: Parameters<typeof answer>[1];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return json(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
    }
    return answer(res, body);
  }
  json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
});
// Keep-alive connections from the gateways stay open between blocks of the run.
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
