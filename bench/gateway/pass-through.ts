// The least a gateway can do, as a floor to compare with: receive `/v1/chat/completions`,
// forward it to the upstream with fetch, stream the body back. No auth, no parsing, no logging.
// `node bench/gateway/pass-through.ts <port> <upstream base url, ending in /v1>`

import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const [port, upstream] = process.argv.slice(2);

const server = createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    const answer = await fetch(`${upstream}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
      body: Buffer.concat(chunks),
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    if (answer.body) await pipeline(Readable.fromWeb(answer.body), res);
    else res.end();
  } catch (err) {
    if (!res.headersSent) res.writeHead(502);
    res.end(String(err));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
