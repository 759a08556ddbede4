import cluster from 'node:cluster';
import { ConfigError, parseConfig } from './config.ts';
import { runPrimary, workersRefusal } from './workers.ts';

let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Invalid configuration: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

// One line, no stack: every start-up failure names its cause (DATA_DIR, DATABASE_URL, REDIS_URL, ...).
const oneLine = (err: unknown) => (err instanceof Error && err.message ? err.message : String(err)).split('\n')[0];

if (config.workers > 1 && cluster.isPrimary) {
  const refusal = workersRefusal(config);
  if (refusal) {
    console.error(`Parley could not start: ${refusal}`);
    process.exit(1);
  }
  runPrimary(config, (line) => console.log(JSON.stringify({ level: 30, time: Date.now(), msg: line })));
} else {
  await serve();
}

async function serve() {
  // Imported here: the primary process of WORKERS=N serves nothing and loads none of the app.
  const { startServer } = await import('./server.ts');
  const server = await startServer(config).catch((err: unknown) => {
    console.error(`Parley could not start: ${oneLine(err)}`);
    process.exit(1);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.app.log.info({ signal }, 'shutting down');
      server
        .close()
        .then(() => process.exit(0))
        .catch((err: unknown) => {
          console.error(`Parley did not shut down cleanly: ${oneLine(err)}`);
          process.exit(1);
        });
    });
  }
}
