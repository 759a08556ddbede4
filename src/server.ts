import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { recoverInterruptedTurns } from './core/chat/recovery.ts';
import { createCore } from './core/index.ts';
import { openDatabase } from './db/client.ts';
import { InProcessEventBus } from './realtime/event-bus.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Opens storage, builds the app and listens; `close` drains turns and connections in order. */
export async function startServer(config: Config): Promise<RunningServer> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const jwtSecret = config.jwtSecret ?? embeddedJwtSecret(config.dataDir);
  if (database.kind === 'pglite') await recoverInterruptedTurns(database.db);
  const bus = new InProcessEventBus();
  const core = createCore({ config, db: database.db, bus, jwtSecret });
  const app = await buildApp({ config, database, core });
  await app.listen({ port: config.server.port, host: config.server.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`,
    close() {
      closing ??= (async () => {
        await core.engine.drain();
        await app.close();
        await bus.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/** With the embedded database the signing secret is generated once and kept beside the data. */
function embeddedJwtSecret(dataDir: string): string {
  const file = path.resolve(dataDir, 'jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
