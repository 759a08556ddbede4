import type { Writable } from 'node:stream';

/** A failure the command line reports as it is: one line on stderr, then the exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The command was not called as its usage says (exit code 2, as most command lines do). */
export const usageError = (message: string) => new CliError(message, 2);

/** Where a command writes and reads: the process's own streams, or a test's. */
export interface Io {
  /** Writes one line of the report on stdout. */
  out(line: string): void;
  /** Writes one line on stderr: a notice that must not mix with data written to stdout. */
  note(line: string): void;
  /** The raw stdout, for data (an export). */
  stdout: Writable;
  /** The whole of stdin. */
  readStdin(): Promise<string>;
  /** Whether stdin is a terminal rather than a pipe or a file. */
  stdinIsTerminal: boolean;
}

export function processIo(): Io {
  // A reader that stops early (`parley user list | head`) is not a failure: the rest is dropped.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    note: (line) => process.stderr.write(`${line}\n`),
    stdout: process.stdout,
    stdinIsTerminal: process.stdin.isTTY === true,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
