import { after, before } from 'node:test';
import { newId } from '../../src/core/ids.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { conversations, users } from '../../src/db/schema.ts';
import { registerUser, type TestUser } from './factories.ts';
import { type Client, client } from './http.ts';
import { type MockAnthropic, startMockAnthropic } from './mock-anthropic.ts';
import { type MockOpenAI, startMockOpenAI } from './mock-openai.ts';
import { startTestServer, type TestServer } from './server.ts';

type Env = Record<string, string>;

export interface ServerFixtureOptions {
  /** More settings for the server, or a function computing them in the hook (for ports, helpers started first). */
  env?: Env | (() => Env | Promise<Env>);
  /** Register a first user (the default); being the first, it is the instance's admin. */
  user?: boolean;
}

/** What a describe block uses; the fields are set by its `before` hook, so read them inside tests. */
export interface ServerFixture {
  server: TestServer;
  api: Client;
  user: TestUser;
}

/**
 * Registers `before`/`after` hooks that start a test server (after a mock upstream, if asked
 * for) and register a first user, and that close both at the end. With `upstream`, the server
 * is given the mock's URL and a key for that provider; `env` may override either.
 */
export function useTestServer(opts?: ServerFixtureOptions): ServerFixture;
export function useTestServer(opts: ServerFixtureOptions & { upstream: 'openai' }): ServerFixture & { mock: MockOpenAI };
export function useTestServer(opts: ServerFixtureOptions & { upstream: 'anthropic' }): ServerFixture & { mock: MockAnthropic };
export function useTestServer(
  opts: ServerFixtureOptions & { upstream?: 'openai' | 'anthropic' } = {},
): ServerFixture & { mock?: MockOpenAI | MockAnthropic } {
  const handle = {} as ServerFixture & { mock?: MockOpenAI | MockAnthropic };
  before(async () => {
    let upstreamEnv: Env = {};
    if (opts.upstream === 'openai') {
      handle.mock = await startMockOpenAI();
      upstreamEnv = { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: handle.mock.url };
    } else if (opts.upstream === 'anthropic') {
      handle.mock = await startMockAnthropic();
      upstreamEnv = { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: handle.mock.url };
    }
    const env = typeof opts.env === 'function' ? await opts.env() : opts.env;
    handle.server = await startTestServer({ env: { ...upstreamEnv, ...env } });
    handle.api = client(handle.server.url);
    if (opts.user !== false) handle.user = await registerUser(handle.api);
  });
  after(async () => {
    // A failed `before` may have left either unset.
    await handle.server?.close();
    await handle.mock?.close();
  });
  return handle;
}

/** A migrated database opened directly, with one user and one conversation of theirs. */
export interface DatabaseFixture {
  /** The stopped server whose data (folder or PostgreSQL database) this is. */
  data: TestServer;
  database: Database;
  conversationId: string;
  /** Another conversation of the same user (a conversation holds one `streaming` reply at most). */
  newConversation(): Promise<string>;
}

/**
 * Registers hooks providing a database for tests below the HTTP layer: a server started and
 * stopped once migrates it (folder or PostgreSQL), then it is opened directly.
 */
export function useDatabase(): DatabaseFixture {
  const handle = {} as DatabaseFixture;
  before(async () => {
    handle.data = await startTestServer();
    await handle.data.stop();
    handle.database = await openDatabase({ databaseUrl: handle.data.databaseUrl, dataDir: handle.data.dataDir });
    const userId = newId();
    handle.conversationId = newId();
    await handle.database.db.insert(users).values({ id: userId, email: `${userId}@example.test`, passwordHash: 'x' });
    await handle.database.db.insert(conversations).values({ id: handle.conversationId, userId, model: 'echo' });
    handle.newConversation = async () => {
      const id = newId();
      await handle.database.db.insert(conversations).values({ id, userId, model: 'echo' });
      return id;
    };
  });
  after(async () => {
    await handle.database?.close();
    await handle.data?.close();
  });
  return handle;
}
