import { readChatgpt } from './chatgpt-format.ts';
import { PARLEY_FORMAT, readParley } from './parley-format.ts';
import { readPlain } from './plain-format.ts';
import { type ImportedConversation, type ImportFormat, importInvalid, IssueList, type Loc } from './types.ts';

/** What was sent: a JSON request body, or the bytes of an uploaded file. */
export type ImportSource = { kind: 'json'; body: unknown } | { kind: 'file'; data: Buffer };

export interface ReadDocument {
  conversations: Array<{ format: ImportFormat; conversation: ImportedConversation }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The conversations a document holds, each with its place in the request: a JSON value (one
 * conversation, an array of them, as ChatGPT exports) or JSON Lines (as `GET /export` writes).
 */
function entries(source: ImportSource): Array<{ raw: unknown; loc: Loc }> {
  const root: Loc = source.kind === 'json' ? ['body'] : ['body', 'file'];
  let value: unknown;
  if (source.kind === 'json') {
    if (source.body === undefined || source.body === null) {
      throw importInvalid([{ loc: root, msg: 'Field required: a JSON body or a multipart `file`', type: 'missing' }]);
    }
    value = source.body;
  }
  else {
    const text = source.data.toString('utf8').replace(/^\uFEFF/, '');
    try {
      value = JSON.parse(text);
    } catch {
      const lines = text.split('\n');
      const items: Array<{ raw: unknown; loc: Loc }> = [];
      for (let i = 0; i < lines.length; i++) {
        if (lines[i].trim() === '') continue;
        try {
          items.push({ raw: JSON.parse(lines[i]), loc: [...root, items.length] });
        } catch {
          throw importInvalid([{ loc: root, msg: `Not JSON or JSON Lines: line ${i + 1} cannot be read`, type: 'json_invalid' }]);
        }
      }
      return items;
    }
  }
  if (Array.isArray(value)) return value.map((raw, i) => ({ raw, loc: [...root, i] }));
  return [{ raw: value, loc: root }];
}

/** Which format an entry is in, by the fields only that format has. */
function detect(raw: unknown): ImportFormat | undefined {
  if (!isObject(raw)) return undefined;
  if (raw.format === PARLEY_FORMAT) return 'parley';
  if ('mapping' in raw) return 'chatgpt';
  if ('messages' in raw) return 'plain';
  return undefined;
}

/** Rows an entry would hold, counted before anything is parsed, so an oversized file is refused cheaply. */
function roughCount(raw: unknown, format: ImportFormat): number {
  if (!isObject(raw)) return 0;
  const list = format === 'chatgpt' ? raw.mapping : raw.messages;
  if (Array.isArray(list)) return list.length;
  return isObject(list) ? Object.keys(list).length : 0;
}

const tooMany = (loc: Loc, count: number, max: number) =>
  importInvalid([{ loc, msg: `Too many messages: ${count}; one import holds at most ${max}`, type: 'too_big' }]);

/**
 * Reads and checks everything in an import before anything is written: the conversations it
 * holds, or a 422 listing what cannot be read and where.
 */
export async function readDocument(source: ImportSource, opts: { maxMessages: number; now: Date }): Promise<ReadDocument> {
  const list = entries(source);
  const root: Loc = source.kind === 'json' ? ['body'] : ['body', 'file'];
  if (list.length === 0) throw importInvalid([{ loc: root, msg: 'Nothing to import: no conversations', type: 'value_error' }]);
  const issues = new IssueList();
  const formats = list.map(({ raw, loc }) => {
    const format = detect(raw);
    if (!format) {
      issues.add(loc, 'Not a conversation in a known format (Parley export, ChatGPT conversations.json, or {title?, messages})');
    }
    return format;
  });
  if (issues.any) throw importInvalid(issues.items);
  const rough = list.reduce((n, { raw }, i) => n + roughCount(raw, formats[i] as ImportFormat), 0);
  // ChatGPT mappings also hold nodes that are not kept: only parley and plain counts are exact here.
  if (formats.every((f) => f !== 'chatgpt') && rough > opts.maxMessages) throw tooMany(root, rough, opts.maxMessages);

  const conversations: ReadDocument['conversations'] = [];
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const { raw, loc } = list[i];
    const format = formats[i] as ImportFormat;
    const read =
      format === 'parley'
        ? readParley(raw, loc, issues)
        : format === 'chatgpt'
          ? readChatgpt(raw, loc, issues, opts.now)
          : readPlain(raw, loc, issues, opts.now);
    if (read) {
      total += read.messages.length;
      if (total > opts.maxMessages) throw tooMany(root, total, opts.maxMessages);
      conversations.push({ format, conversation: read });
    }
    // A long file is read in steps, letting other requests in between conversations.
    if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
  }
  if (issues.any) throw importInvalid(issues.items);
  return { conversations };
}
