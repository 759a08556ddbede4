import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () => ts('updated_at').notNull().defaultNow();

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export type Role = 'user' | 'admin';
export type Tier = 'free' | 'pro' | 'enterprise';
export type MessageRole = 'system' | 'user' | 'assistant';
export type MessageStatus = 'complete' | 'streaming' | 'incomplete' | 'error';

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    // Stored lower-cased: emails are compared case-insensitively.
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    displayName: text('display_name'),
    role: text('role').$type<Role>().notNull().default('user'),
    tier: text('tier').$type<Tier>().notNull().default('free'),
    active: boolean('active').notNull().default(true),
    // Set by an admin: this user's spend limit per calendar month (UTC); null = the tier's default.
    monthlyBudgetUsd: doublePrecision('monthly_budget_usd'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: ts('last_used_at'),
    // Optional: the key stops working at this time.
    expiresAt: ts('expires_at'),
    revokedAt: ts('revoked_at'),
    // Optional: what calls made with this key may spend in all, in US dollars.
    budgetUsd: doublePrecision('budget_usd'),
    // What calls made with this key have spent in all: the sum of its usage events' cost, kept
    // by a trigger on usage_events (migration 0008) so its budget is checked without summing them.
    spentUsd: doublePrecision('spent_usd').notNull().default(0),
  },
  (t) => [uniqueIndex('api_keys_key_hash_key').on(t.keyHash), index('api_keys_user_idx').on(t.userId, t.createdAt)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Every token issued from one login shares a family; reuse of a rotated token revokes the family.
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    revokedAt: ts('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash), index('refresh_tokens_family_idx').on(t.familyId)],
);

// One row per login (a refresh-token family). Access tokens name it in their `sid` claim, so
// revoking it (logout, reuse of a rotated refresh token) also stops its access tokens at once.
export const loginSessions = pgTable(
  'login_sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('login_sessions_user_idx').on(t.userId)],
);

export const assistants = pgTable(
  'assistants',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    model: text('model').notNull(),
    systemPrompt: text('system_prompt'),
    temperature: real('temperature'),
    maxTokens: integer('max_tokens'),
    userAuthentication: boolean('user_authentication').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [index('assistants_owner_idx').on(t.ownerId, t.createdAt)],
);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    // Null only for an anonymous session of a public assistant.
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    assistantId: uuid('assistant_id').references(() => assistants.id, { onDelete: 'set null' }),
    // A client-chosen session id that is not a UUID (seed 001 lets clients name sessions).
    sessionKey: text('session_key'),
    applicationId: uuid('application_id'),
    title: text('title'),
    model: text('model').notNull(),
    systemPrompt: text('system_prompt'),
    temperature: real('temperature'),
    maxTokens: integer('max_tokens'),
    language: text('language'),
    archivedAt: ts('archived_at'),
    // Pinned conversations are listed first, most recently pinned first.
    pinnedAt: ts('pinned_at'),
    // Free labels chosen by the owner, filterable in the conversation list.
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    // The leaf of the active path: every surface shows, and the model reads, the path from the
    // root to this message. Null for an empty conversation.
    activeLeafId: uuid('active_leaf_id'),
    deletedAt: ts('deleted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('conversations_user_updated_idx').on(t.userId, t.updatedAt.desc(), t.id.desc()),
    index('conversations_user_pinned_idx').on(t.userId, t.pinnedAt.desc()).where(sql`${t.pinnedAt} is not null`),
    index('conversations_tags_idx').using('gin', t.tags),
    index('conversations_user_created_idx').on(t.userId, t.createdAt.desc()),
    index('conversations_deleted_idx').on(t.deletedAt).where(sql`${t.deletedAt} is not null`),
    uniqueIndex('conversations_session_key_key').on(t.sessionKey),
    // Search over titles (src/core/search): English stems, and CJK character pairs, which the
    // English configuration does not segment. search_cjk_bigrams is defined in migration 0005.
    index('conversations_title_search_idx').using('gin', sql`to_tsvector('english', coalesce(${t.title}, ''))`).with({ fastupdate: false }),
    index('conversations_title_cjk_idx').using('gin', sql`search_cjk_bigrams(coalesce(${t.title}, ''))`).with({ fastupdate: false }),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    // The message this one answers or follows (null for the first): messages form a tree whose
    // branches are regenerated replies and edited messages.
    parentId: uuid('parent_id'),
    role: text('role').$type<MessageRole>().notNull(),
    content: text('content').notNull(),
    model: text('model'),
    status: text('status').$type<MessageStatus>().notNull().default('complete'),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    ttftMs: integer('ttft_ms'),
    // The process running the reply while it is `streaming` (INSTANCE_ID): a restart recovers its own at once.
    instanceId: text('instance_id'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [
    index('messages_conversation_created_idx').on(t.conversationId, t.createdAt, t.id),
    index('messages_parent_idx').on(t.parentId),
    // One reply in flight per conversation, whichever instance runs it: the loser of a race
    // fails here. Also how recovery finds the `streaming` replies.
    uniqueIndex('messages_one_streaming_reply_idx').on(t.conversationId).where(sql`${t.status} = 'streaming'`),
    index('messages_deleted_idx').on(t.deletedAt).where(sql`${t.deletedAt} is not null`),
    // Search over contents, as for titles above. Expression indexes rather than stored columns:
    // no table rewrite on upgrade, and rows read everywhere else do not carry the vectors.
    // fastupdate off, as for file chunks: no pending-list flush stalls one insert now and then.
    index('messages_search_idx').using('gin', sql`to_tsvector('english', ${t.content})`).with({ fastupdate: false }),
    index('messages_cjk_idx').using('gin', sql`search_cjk_bigrams(${t.content})`).with({ fastupdate: false }),
  ],
);

export const usageEvents = pgTable(
  'usage_events',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    kind: text('kind').$type<'chat' | 'preview' | 'title'>().notNull(),
    model: text('model').notNull(),
    provider: text('provider').notNull(),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    costUsd: doublePrecision('cost_usd').notNull(),
    estimated: boolean('estimated').notNull().default(false),
    // The API key the call was made with, if any: its spend counts against the key's budget.
    apiKeyId: uuid('api_key_id').references(() => apiKeys.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('usage_events_user_created_idx').on(t.userId, t.createdAt),
    index('usage_events_api_key_idx').on(t.apiKeyId).where(sql`${t.apiKeyId} is not null`),
  ],
);

/**
 * A user's usage per UTC day and per UTC month: the sums of their usage events by the day and
 * the month of `created_at`, kept by a trigger on every insert into usage_events (migration
 * 0008), so a budget check reads a row or two instead of summing the events. Usage events are
 * never updated and are deleted only with their user, whose totals go with them.
 */
export const usageTotals = pgTable(
  'usage_totals',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    period: text('period').$type<'day' | 'month'>().notNull(),
    // The period's first day (UTC).
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    tokens: bigint('tokens', { mode: 'number' }).notNull().default(0),
    usd: doublePrecision('usd').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.period, t.startsOn] }), check('usage_totals_period_check', sql`${t.period} in ('day', 'month')`)],
);

/**
 * A model call's worst case, held against its caller's budgets from before the provider is
 * called until its usage is recorded. A hold left by a process that died expires on its own.
 */
export const budgetHolds = pgTable(
  'budget_holds',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    apiKeyId: uuid('api_key_id').references(() => apiKeys.id, { onDelete: 'cascade' }),
    tokens: integer('tokens').notNull(),
    usd: doublePrecision('usd').notNull(),
    createdAt: createdAt(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('budget_holds_user_idx').on(t.userId, t.expiresAt), index('budget_holds_expires_idx').on(t.expiresAt)],
);

export const prompts = pgTable(
  'prompts',
  {
    id: uuid('id').primaryKey(),
    // Null owner: a system template, listed to everyone and read-only to users.
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    content: text('content').notNull(),
    scenario: text('scenario'),
    description: text('description'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    isTemplate: boolean('is_template').notNull().default(false),
    usageCount: integer('usage_count').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('prompts_owner_updated_idx').on(t.ownerId, t.updatedAt.desc()), index('prompts_scenario_idx').on(t.scenario)],
);

export const files = pgTable(
  'files',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'cascade' }),
    assistantId: uuid('assistant_id').references(() => assistants.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    mimeType: text('mime_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    pageCount: integer('page_count').notNull(),
    // Stored without compression (migration 0003): compressing megabytes of text inside one
    // statement held the embedded database's thread for too long.
    extractedText: text('extracted_text').notNull(),
    createdAt: createdAt(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [
    uniqueIndex('files_conversation_sha_key').on(t.conversationId, t.sha256),
    uniqueIndex('files_assistant_sha_key').on(t.assistantId, t.sha256),
    index('files_conversation_idx').on(t.conversationId, t.createdAt),
    index('files_assistant_idx').on(t.assistantId, t.createdAt),
  ],
);

/**
 * A file's bytes, in pieces of at most FILE_PART_BYTES, each written by its own statement: on the
 * embedded database one 10 MB value took a single statement of half a second to a second on the
 * server's thread.
 * Stored without compression (migration 0003): PDFs are compressed already.
 */
export const fileParts = pgTable(
  'file_parts',
  {
    fileId: uuid('file_id')
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.fileId, t.seq] })],
);

export const fileChunks = pgTable(
  'file_chunks',
  {
    id: uuid('id').primaryKey(),
    fileId: uuid('file_id')
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    page: integer('page').notNull(),
    position: integer('position').notNull(),
    content: text('content').notNull(),
    tokens: integer('tokens').notNull(),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(sql`to_tsvector('english', content)`),
  },
  // Without the pending list, each insert updates the index itself: the list's flush (every
  // few megabytes of passages) was one step of about 400 ms on the embedded database.
  (t) => [
    index('file_chunks_file_idx').on(t.fileId, t.page, t.position),
    index('file_chunks_search_idx').using('gin', t.search).with({ fastupdate: false }),
  ],
);

// A read-only snapshot of a conversation's active path, public by its unguessable id until revoked.
export const shares = pgTable(
  'shares',
  {
    // 128 random bits, base64url: the link itself is the credential.
    id: text('id').primaryKey(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Title and messages as they were when shared: later messages are not shared.
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('shares_conversation_idx').on(t.conversationId)],
);
