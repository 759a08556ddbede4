import type { MessageRole, MessageStatus } from '../../db/schema.ts';
import { errors } from '../errors.ts';

/** One message read from an import, before it has an id of ours: `key` is its id in the file. */
export interface ImportedMessage {
  key: string;
  parentKey: string | null;
  role: MessageRole;
  content: string;
  model: string | null;
  status: MessageStatus;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  ttftMs: number | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** One conversation read from an import, whatever the format it came in. */
export interface ImportedConversation {
  title: string | null;
  /** The model named by the file; replaced by the default model when no provider offers it. */
  model: string | null;
  systemPrompt: string | null;
  temperature: number | null;
  maxTokens: number | null;
  language: string | null;
  archivedAt: Date | null;
  pinnedAt: Date | null;
  tags: string[];
  createdAt: Date;
  updatedAt: Date;
  activeLeafKey: string | null;
  messages: ImportedMessage[];
}

/** A conversation from a format that carries only some of Parley's fields: the rest are empty. */
export function importedConversation(
  fields: Pick<ImportedConversation, 'title' | 'model' | 'createdAt' | 'updatedAt' | 'activeLeafKey' | 'messages'>,
): ImportedConversation {
  return { systemPrompt: null, temperature: null, maxTokens: null, language: null, archivedAt: null, pinnedAt: null, tags: [], ...fields };
}

export type ImportFormat = 'parley' | 'chatgpt' | 'plain';

/** Where in the request a value sits, FastAPI style: ['body', 'file', 0, 'messages', 3, 'role']. */
export type Loc = Array<string | number>;

/** What an import could not read: one entry per problem, each saying where. */
export interface ImportIssue {
  loc: Loc;
  msg: string;
  type: string;
}

/** The 422 for an import: a validation error carrying FastAPI-style issues for the route to show. */
export function importInvalid(issues: ImportIssue[]) {
  const first = issues[0];
  return errors.validation(`${first.loc.join('.')}: ${first.msg}`, { issues });
}

/** Collects issues up to a bound, so a file full of mistakes answers with a readable list. */
export class IssueList {
  readonly items: ImportIssue[] = [];
  private static readonly MAX = 50;
  add(loc: Loc, msg: string, type = 'value_error'): void {
    if (this.items.length < IssueList.MAX) this.items.push({ loc, msg, type });
  }
  get any(): boolean {
    return this.items.length > 0;
  }
}

// PostgreSQL text and jsonb cannot hold U+0000: refused here with its place rather than by the database.
export const hasNul = (value: string) => value.includes('\u0000');
