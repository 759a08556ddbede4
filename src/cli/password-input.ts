import { randomBytes } from 'node:crypto';
import type { CommandContext, OptionSpec } from './command.ts';
import { usageError } from './io.ts';

// As the API takes them: the policy (length, common passwords, the email) is the core's.
const MAX_LENGTH = 256;

export const passwordOptions: Record<string, OptionSpec> = {
  password: { type: 'string', value: 'P', help: 'the password (it stays in the shell history: prefer --password-stdin)' },
  'password-stdin': { type: 'boolean', help: 'read the password from stdin (one line)' },
};

/**
 * The password a command was given (`--password`, or stdin with `--password-stdin`), or, with
 * neither, a random one that the command prints once.
 */
export async function passwordInput(ctx: CommandContext): Promise<{ password: string; generated: boolean }> {
  const given = ctx.options.password;
  const fromStdin = ctx.options['password-stdin'] === true;
  if (typeof given === 'string' && fromStdin) throw usageError('give --password or --password-stdin, not both');
  let password: string;
  if (fromStdin) {
    // Typed at a terminal, it would show on the screen: it is meant for a pipe or a file.
    if (ctx.io.stdinIsTerminal) throw usageError('--password-stdin reads a pipe or a file (printf %s "$PASSWORD" | parley …); stdin is a terminal');
    // One line: the newline that ends it (`echo`, a file) is not part of the password.
    password = (await ctx.io.readStdin()).replace(/\r?\n$/, '');
    if (password === '') throw usageError('--password-stdin: nothing was read from stdin');
  } else if (typeof given === 'string') {
    password = given;
  } else {
    // 144 random bits, in letters, digits, "-" and "_".
    return { password: randomBytes(18).toString('base64url'), generated: true };
  }
  if (password.length > MAX_LENGTH) throw usageError(`the password is longer than ${MAX_LENGTH} characters`);
  return { password, generated: false };
}
