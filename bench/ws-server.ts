// The server side of `npm run bench:ws`, run by bench/ws-memory.ts in child processes:
//
//   setup <sessions>   creates a database (embedded, or a fresh PostgreSQL one with DATABASE_URL),
//                      a user and its sessions over HTTP, then stops, keeping the data
//   serve              starts Parley on that data in a fresh process (so the setup's garbage
//                      and heap growth are not in the baseline), with --expose-gc, and answers
//                      memory readings and the final stop over IPC

import { registerUser } from '../test/support/factories.ts';
import { client } from '../test/support/http.ts';
import { startTestServer, type TestServer } from '../test/support/server.ts';

export type Reuse = Pick<TestServer, 'dataDir' | 'databaseUrl' | 'env'>;
type Command = { type: 'serve'; reuse: Reuse } | { type: 'measure' } | { type: 'stop' };

const send = (message: unknown) => process.send?.(message);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Tokens must outlive the run; the heartbeat keeps its default.
const env = { LOG_LEVEL: 'warn', ACCESS_TOKEN_TTL_SECONDS: '86400' };

async function setup(sessionCount: number) {
  const server = await startTestServer({ env });
  const api = client(server.url);
  const user = await registerUser(api);
  const sessionIds: string[] = [];
  const CONCURRENCY = 32;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = worker; i < sessionCount; i += CONCURRENCY) {
        const res = await api.post('/api/chat/session', { title: `bench ${i}` }, { token: user.token });
        if (res.status !== 200) throw new Error(`session create answered ${res.status}: ${res.text}`);
        sessionIds[i] = res.body.data.session_id;
      }
    }),
  );
  await server.stop();
  const reuse: Reuse = { dataDir: server.dataDir, databaseUrl: server.databaseUrl, env: server.env };
  // Exits only once the message is handed over.
  await new Promise((resolve) => process.send?.({ type: 'setup', reuse, token: user.token, sessionIds }, resolve));
}

let server: TestServer | undefined;

/** Resident memory once garbage is collected and the heap has settled. */
async function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 5; i++) {
    gc();
    await sleep(200);
  }
  return process.memoryUsage();
}

process.on('message', async (command: Command) => {
  if (command.type === 'serve') {
    server = await startTestServer({ reuse: command.reuse });
    send({ type: 'ready', url: server.url });
  }
  if (command.type === 'measure') send({ type: 'memory', memory: await memory() });
  if (command.type === 'stop') {
    await server?.close();
    process.exit(0);
  }
});

if (process.argv[2] === 'setup') {
  await setup(Number(process.argv[3] ?? 1000));
  process.exit(0);
}
send({ type: 'started' });
