import type { Config } from '../config.ts';
import type { Io } from './io.ts';
import type { Runtime } from './runtime.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** What the value stands for in the help (`P`, `N`); string options only. */
  value?: string;
  help: string;
}

/** One command, `user create` or `migrate`: its usage, its help, and what it does. */
export interface Command {
  /** One or two words: `migrate`, `user create`. */
  name: string;
  /** The usage after the name, as the help shows it. */
  usage: string;
  /** One line for the list of commands. */
  summary: string;
  /** More lines for the command's own help. */
  details?: string[];
  /** Positional arguments in order; `optional` ones may be left out at the end. */
  args: Array<{ name: string; optional?: boolean }>;
  options?: Record<string, OptionSpec>;
  run(ctx: CommandContext): Promise<void>;
}

export interface CommandContext {
  args: string[];
  options: Record<string, string | boolean | undefined>;
  io: Io;
  /** The settings, read from the environment as the server reads them. */
  config: Config;
  /** Opens the core services over the configured storage, once; closed when the command ends. */
  open(): Promise<Runtime>;
}

export const stringOption = (ctx: CommandContext, name: string): string | undefined => {
  const value = ctx.options[name];
  return typeof value === 'string' ? value : undefined;
};

export const flag = (ctx: CommandContext, name: string): boolean => ctx.options[name] === true;
