import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config.ts';
import { AppError, fromDatabaseError } from '../core/errors.ts';
import type { Command, CommandContext } from './command.ts';
import { configCommands } from './config-check.ts';
import { dataCommands } from './data-commands.ts';
import { table } from './format.ts';
import { CliError, type Io, usageError } from './io.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import { transferCommands } from './transfer-commands.ts';
import { userCommands } from './user-commands.ts';

const sections: Array<[string, Command[]]> = [
  ['Accounts', userCommands],
  ['Data', [...dataCommands, ...transferCommands]],
  ['Setup', configCommands],
];
const commands = sections.flatMap(([, list]) => list);
const groups = new Set(commands.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]));

/**
 * Runs one command line (the arguments after `parley`) and answers its exit code: 0 when the
 * command did what it says, 2 when it was not called as its usage says, 1 for any other failure,
 * reported in one line on stderr.
 */
export async function runCli(argv: string[], io: Io, env: Record<string, string | undefined>): Promise<number> {
  let label = 'parley';
  try {
    if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0])) {
      for (const line of helpFor(argv.slice(1))) io.out(line);
      return 0;
    }
    const { command, rest } = find(argv);
    label = `parley ${command.name}`;
    const parsed = parseOptions(command, rest);
    if (parsed.options.help === true) {
      for (const line of commandHelp(command)) io.out(line);
      return 0;
    }
    checkArgs(command, parsed.args);
    await runCommand(command, { ...parsed, io, config: readConfig(env) });
    return 0;
  } catch (err) {
    const failure = describe(err);
    io.note(`${label}: ${failure.message}`);
    return failure.exitCode;
  }
}

async function runCommand(command: Command, ctx: Omit<CommandContext, 'open'>): Promise<void> {
  let runtime: Promise<Runtime> | undefined;
  try {
    await command.run({ ...ctx, open: () => (runtime ??= openRuntime(ctx.config)) });
  } finally {
    await runtime?.then((r) => r.close(), () => {});
  }
}

function readConfig(env: Record<string, string | undefined>) {
  try {
    return parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`invalid configuration: ${err.message}`);
    throw err;
  }
}

/** The command the arguments name (one word, or a group and a word), and the arguments left. */
function find(argv: string[]): { command: Command; rest: string[] } {
  const [first, second] = argv;
  if (groups.has(first)) {
    const names = commands.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name.split(' ')[1]);
    const command = commands.find((c) => c.name === `${first} ${second}`);
    if (!command) {
      const what = second === undefined || second.startsWith('-') ? `${first} needs a command` : `unknown command '${first} ${second}'`;
      throw usageError(`${what}: one of ${names.map((n) => `${first} ${n}`).join(', ')}`);
    }
    return { command, rest: argv.slice(2) };
  }
  const command = commands.find((c) => c.name === first);
  if (!command) throw usageError(`unknown command '${first}'; \`parley help\` lists them`);
  return { command, rest: argv.slice(1) };
}

function parseOptions(command: Command, rest: string[]): Pick<CommandContext, 'args' | 'options'> {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(command.options ?? {})) options[name] = { type: spec.type };
  try {
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    return { args: positionals, options: values as CommandContext['options'] };
  } catch (err) {
    // Node's own wording, on one line, then where to look.
    const message = (err as Error).message.split('. ')[0].replace(/\.$/, '');
    throw usageError(`${message}; see \`parley ${command.name} --help\``);
  }
}

function checkArgs(command: Command, args: string[]) {
  const required = command.args.filter((a) => !a.optional);
  if (args.length < required.length) {
    throw usageError(`missing <${required[args.length].name}>; usage: parley ${command.name} ${command.usage}`);
  }
  if (args.length > command.args.length) throw usageError(`unexpected argument '${args[command.args.length]}'; usage: parley ${command.name} ${command.usage}`);
}

/** What to print for a failure, and the exit code. */
function describe(err: unknown): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof AppError) return { message: err.message, exitCode: 1 };
  const mapped = fromDatabaseError(err);
  if (mapped) return { message: mapped.message, exitCode: 1 };
  // Drizzle puts the statement in its own message and the database's answer in the cause.
  const cause = (err as { cause?: unknown })?.cause;
  const source = cause instanceof Error && /^Failed query/.test((err as Error).message) ? cause : err;
  const message = source instanceof Error && source.message ? source.message : String(source);
  return { message: message.split('\n')[0], exitCode: 1 };
}

function helpFor(topic: string[]): string[] {
  if (topic.length === 0) return overview();
  const { command } = find(topic);
  return commandHelp(command);
}

function overview(): string[] {
  const lines = [
    'Usage: parley <command> [arguments]',
    '',
    'Administers a Parley instance from a shell. Settings come from the environment as the server reads them:',
    'DATABASE_URL (else the embedded database in DATA_DIR, which a running server holds), REDIS_URL, and the rest.',
    '',
  ];
  for (const [title, list] of sections) {
    lines.push(`${title}:`);
    for (const c of list) lines.push(`  ${[c.name, c.usage].filter(Boolean).join(' ')}`, `      ${c.summary}`);
    lines.push('');
  }
  lines.push('`parley <command> --help` (or `parley help <command>`) describes one command.');
  return lines;
}

function commandHelp(command: Command): string[] {
  const lines = [`Usage: parley ${[command.name, command.usage].filter(Boolean).join(' ')}`, '', `${capitalize(command.summary)}.`];
  if (command.details) lines.push(...command.details);
  const options = Object.entries(command.options ?? {}).map(([name, spec]) => [`--${name}${spec.value ? ` ${spec.value}` : ''}`, spec.help]);
  options.push(['--help', 'show this help']);
  lines.push('', 'Options:', ...table(options).map((line) => `  ${line}`));
  return lines;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
