import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../core/errors.ts';
import type { ImportIssue } from '../core/transfer/types.ts';
import { type Command, stringOption } from './command.ts';
import { count } from './format.ts';
import { CliError } from './io.ts';
import { actorOf, userByEmail } from './user-lookup.ts';

const exportCommand: Command = {
  name: 'export',
  usage: '<email> [--out file.jsonl]',
  summary: "write a user's conversations as JSON Lines, as GET /api/v1/export gives them to the user",
  details: ['Without --out the lines go to stdout. The file can be imported back with `parley import`.'],
  args: [{ name: 'email' }],
  options: { out: { type: 'string', value: 'FILE', help: 'write to FILE (replaced whole once the export is complete)' } },
  async run(ctx) {
    const out = stringOption(ctx, 'out');
    const runtime = await ctx.open();
    const user = await userByEmail(runtime, ctx.args[0]);
    let conversations = 0;
    const documents = runtime.core.transfer.exportAll(actorOf(user));
    const lines = Readable.from(
      (async function* () {
        for await (const document of documents) {
          conversations++;
          yield `${JSON.stringify(document)}\n`;
        }
      })(),
    );
    if (out === undefined) {
      await pipeline(lines, ctx.io.stdout, { end: false });
      // The data has stdout: the report goes to stderr.
      return ctx.io.note(`Exported ${count(conversations, 'conversation')} of ${user.email}.`);
    }
    await writeWhole(out, lines);
    ctx.io.out(`Exported ${count(conversations, 'conversation')} of ${user.email} to ${out}.`);
  },
};

/** Writes a file next to its final name, then moves it in place: no half-written export is ever left under it. */
async function writeWhole(file: string, data: Readable): Promise<void> {
  const draft = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // The user's conversations: readable by the operator alone.
    await pipeline(data, createWriteStream(draft, { flags: 'wx', mode: 0o600 }));
    await rename(draft, file);
  } catch (err) {
    await rm(draft, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`cannot write ${file} (${code})`);
    throw err;
  }
}

const importCommand: Command = {
  name: 'import',
  usage: '<email> <file>',
  summary: 'import conversations into a user’s account, as POST /api/v1/import does (file - reads stdin)',
  details: [
    'Accepted: a Parley export (JSON or JSON Lines), ChatGPT’s conversations.json, or plain message lists.',
    'The file is checked whole first and imported in one transaction: all of it or nothing. IMPORT_MAX_BYTES and',
    'IMPORT_MAX_MESSAGES apply as they do over HTTP.',
  ],
  args: [{ name: 'email' }, { name: 'file' }],
  async run(ctx) {
    const file = ctx.args[1];
    const maxBytes = ctx.config.transfer.importMaxBytes;
    const data = file === '-' ? Buffer.from(await ctx.io.readStdin(), 'utf8') : await readImportFile(file, maxBytes);
    if (data.length > maxBytes) throw new CliError(`${file} is larger than IMPORT_MAX_BYTES (${maxBytes} bytes)`);
    const runtime = await ctx.open();
    const user = await userByEmail(runtime, ctx.args[0]);
    try {
      const result = await runtime.core.transfer.import(actorOf(user), { kind: 'file', data });
      const formats = [...new Set(result.formats)].join(', ');
      ctx.io.out(
        `Imported ${count(result.conversationIds.length, 'conversation')} (${count(result.messageCount, 'message')}; ${formats}) into the account of ${user.email}.`,
      );
    } catch (err) {
      const issues = err instanceof AppError ? (err.details?.issues as ImportIssue[] | undefined) : undefined;
      if (!issues?.length) throw err;
      const more = issues.length > 1 ? ` (and ${count(issues.length - 1, 'more problem')})` : '';
      throw new CliError(`cannot import ${file}: nothing was imported: ${where(issues[0].loc)}${issues[0].msg}${more}`);
    }
  },
};

async function readImportFile(file: string, maxBytes: number): Promise<Buffer> {
  try {
    // Refused before it is read, as the API refuses a body past the limit.
    if ((await stat(file)).size > maxBytes) throw new CliError(`${file} is larger than IMPORT_MAX_BYTES (${maxBytes} bytes)`);
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`cannot read ${file} (${code})`);
    throw err;
  }
}

/** An issue's place in the file, as `[2].messages[3].role: ` (the API's `body.file` prefix left out). */
function where(loc: ImportIssue['loc']): string {
  const inFile = loc.slice(loc[0] === 'body' && loc[1] === 'file' ? 2 : 0);
  if (inFile.length === 0) return '';
  return `${inFile.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('').replace(/^\./, '')}: `;
}

export const transferCommands: Command[] = [exportCommand, importCommand];
