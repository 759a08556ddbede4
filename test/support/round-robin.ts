import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP load balancer for tests: each request goes to the next target in turn, bodies
 * streamed both ways (SSE included); a target that refuses the connection is skipped. It notes
 * which target served each request, so a test can tell that two requests met different instances.
 */
export async function startRoundRobin(targets: string[]) {
  let next = 0;
  const served: { method: string; path: string; target: number }[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, attempt: number) => {
    const index = next++ % targets.length;
    const target = new URL(targets[index]);
    const entry = { method: req.method ?? '', path: req.url ?? '', target: index };
    served.push(entry);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-upstream': String(index) });
        answer.pipe(res);
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' && attempt < targets.length) {
        served.splice(served.indexOf(entry), 1);
        return forward(req, res, body, attempt + 1);
      }
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), 1));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Which target each request was sent to, in the order they arrived. */
    served,
    /** The target that served the last request to this path. */
    targetOf(path: string): number | undefined {
      return served.findLast((s) => s.path === path)?.target;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
