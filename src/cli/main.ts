import { processIo } from './io.ts';
import { runCli } from './run.ts';

// `parley <command>`: see run.ts. The environment is handed over once, to be parsed like the server's.
const code = await runCli(process.argv.slice(2), processIo(), process.env);
// Exit at once (a closed connection may leave a timer behind), but only after every line is out, even through a pipe.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit(code);
