import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import type { Client } from '../support/http.ts';
import type { TestServer } from '../support/server.ts';
import { oneLine, root, succeeded, useCliData } from './support.ts';

const journal = JSON.parse(readFileSync(path.join(root, 'src/db/migrations/meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
const migrations = journal.entries.map((e) => e.tag);

/** A conversation with two branches, in the format the export writes. */
function branched(title: string) {
  const at = (s: number) => new Date(Date.UTC(2025, 0, 2, 9, 0, s)).toISOString();
  const m = (id: string, parent: string | null, role: string, content: string, s: number) => ({
    id,
    parent_id: parent,
    role,
    content,
    model: role === 'assistant' ? 'echo' : null,
    status: 'complete',
    prompt_tokens: role === 'assistant' ? 9 : 0,
    completion_tokens: role === 'assistant' ? 4 : 0,
    cost_usd: 0,
    ttft_ms: null,
    metadata: {},
    created_at: at(s),
    updated_at: at(s),
  });
  return {
    format: 'parley',
    version: 1,
    id: 'x',
    title,
    model: 'echo',
    system_prompt: 'Be brief.',
    temperature: null,
    max_tokens: null,
    language: null,
    archived_at: null,
    pinned_at: null,
    tags: ['cli'],
    created_at: at(0),
    updated_at: at(30),
    active_leaf_id: 'a2',
    messages: [m('u1', null, 'user', 'Hello', 1), m('a1', 'u1', 'assistant', 'Hi.', 2), m('u2', 'u1', 'user', 'Hello again', 3), m('a2', 'u2', 'assistant', 'Hi again.', 4)],
  };
}

/** A document with ids replaced by positions, so one conversation imported twice compares equal. */
function comparable(doc: any) {
  const index = new Map<string, number>(doc.messages.map((m: any, i: number) => [m.id, i]));
  const { id: _id, messages, active_leaf_id, ...rest } = doc;
  return {
    ...rest,
    active_leaf: index.get(active_leaf_id),
    messages: messages.map(({ id: _m, parent_id, ...fields }: any) => ({ ...fields, parent: parent_id === null ? null : index.get(parent_id) })),
  };
}

/** GET /api/v1/export as the user, as it comes (JSON Lines). */
async function exportOf(server: TestServer, user: TestUser): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/export`, { headers: { authorization: `Bearer ${user.token}` } });
  assert.equal(res.status, 200);
  return res.text();
}

const lines = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line));

describe('parley export and import', () => {
  const { data, cli, withServer } = useCliData();

  it('exports what GET /api/v1/export gives the user, and imports it into another account as POST /api/v1/import does', async () => {
    const { alice, bob, byHttp } = await withServer(async (api, server) => {
      const alice = await registerUser(api);
      const bob = await registerUser(api);
      const imported = await api.post('/api/v1/import', [branched('First'), branched('Second')], { token: alice.token });
      assert.equal(imported.status, 201, imported.text);
      return { alice, bob, byHttp: await exportOf(server, alice) };
    });
    assert.equal(lines(byHttp).length, 2);

    const file = path.join(data().dataDir, 'alice.jsonl');
    assert.deepEqual(succeeded(await cli(['export', alice.email, '--out', file])), [`Exported 2 conversations of ${alice.email} to ${file}.`]);
    assert.equal(readFileSync(file, 'utf8'), byHttp);
    // Without --out the lines go to stdout, the report to stderr.
    const piped = await cli(['export', alice.email]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, byHttp);
    assert.equal(piped.stderr, `Exported 2 conversations of ${alice.email}.\n`);

    assert.deepEqual(succeeded(await cli(['import', bob.email, file])), [`Imported 2 conversations (8 messages; parley) into the account of ${bob.email}.`]);
    const bobs = await withServer(async (_api, server) => lines(await exportOf(server, bob)));
    assert.deepEqual(bobs.map(comparable), lines(byHttp).map(comparable));
    assert.notEqual(bobs[0].id, lines(byHttp)[0].id);
  });

  it('refuses a file it cannot import in one line, importing nothing of it', async () => {
    const bob = await withServer((api) => registerUser(api));
    const file = path.join(data().dataDir, 'broken.jsonl');
    writeFileSync(file, `${JSON.stringify(branched('Fine'))}\n${JSON.stringify({ messages: [{ role: 'wizard', content: 'x' }] })}\n`);
    assert.match(oneLine(await cli(['import', bob.email, file])), /^parley import: cannot import .*broken\.jsonl: nothing was imported: \[1\]\.messages\[0\]\.role: /);
    assert.equal(oneLine(await cli(['import', bob.email, path.join(data().dataDir, 'missing.jsonl')])), `parley import: cannot read ${path.join(data().dataDir, 'missing.jsonl')} (ENOENT)`);
    assert.equal(
      oneLine(await cli(['import', bob.email, file], { env: { IMPORT_MAX_BYTES: '100' } })),
      `parley import: ${file} is larger than IMPORT_MAX_BYTES (100 bytes)`,
    );
    assert.equal(oneLine(await cli(['export', 'nobody@example.test'])), 'parley export: no user with email nobody@example.test');
    const after = await withServer(async (api, server) => {
      const signedIn = await api.post('/api/v1/auth/login', { email: bob.email, password: bob.password });
      return exportOf(server, { ...bob, token: signedIn.body.access_token });
    });
    assert.equal(after, '');
    // No stray draft of an export is left behind.
    assert.deepEqual(readdirSync(data().dataDir).filter((f) => f.endsWith('.tmp')), []);
  });
});

describe('parley purge', () => {
  const { cli, withServer } = useCliData();

  it('removes deleted conversations past DELETE_RETENTION_DAYS and keeps younger ones restorable', async () => {
    const { admin, ids } = await withServer(async (api) => {
      const admin = await registerUser(api);
      const ids = [await createConversation(api, admin.token, { title: 'one' }), await createConversation(api, admin.token, { title: 'two' })];
      for (const id of ids) assert.equal((await api.delete(`/api/v1/conversations/${id}`, { token: admin.token })).status, 200);
      return { admin, ids };
    });
    const restore = (api: Client, token: string, id: string) => api.post(`/api/v1/admin/conversations/${id}/restore`, undefined, { token });
    const login = async (api: Client) => (await api.post('/api/v1/auth/login', { email: admin.email, password: admin.password })).body.access_token;

    assert.deepEqual(succeeded(await cli(['purge'])), [
      'Purged 0 conversations, 0 messages and 0 files deleted more than 30 days ago (DELETE_RETENTION_DAYS).',
    ]);
    await withServer(async (api) => {
      const token = await login(api);
      assert.equal((await restore(api, token, ids[0])).status, 200, 'within the retention period a deleted conversation is restorable');
      assert.equal((await api.delete(`/api/v1/conversations/${ids[0]}`, { token })).status, 200);
    });

    assert.deepEqual(succeeded(await cli(['purge'], { env: { DELETE_RETENTION_DAYS: '0' } })), [
      'Purged 2 conversations, 0 messages and 0 files deleted more than 0 days ago (DELETE_RETENTION_DAYS).',
    ]);
    await withServer(async (api) => {
      const token = await login(api);
      for (const id of ids) assert.equal((await restore(api, token, id)).status, 404);
    });
  });
});

describe('parley migrate', () => {
  const { data, cli, withServer } = useCliData();

  it('brings a new database up to date, then has nothing to apply; a server starts on it', async () => {
    const where = data().databaseUrl ? `PostgreSQL ${data().databaseUrl}` : `the embedded database in DATA_DIR ${data().dataDir}`;
    assert.deepEqual(succeeded(await cli(['migrate'])), [
      `Applied ${migrations.length} migrations to ${where} (${migrations.join(', ')}); it is up to date.`,
    ]);
    if (!data().databaseUrl) assert.ok(existsSync(path.join(data().dataDir, 'pglite')));
    assert.deepEqual(succeeded(await cli(['migrate'])), [`Nothing to apply: ${where} is up to date (${migrations.length} migrations).`]);
    await withServer(async (api) => {
      assert.equal((await api.get('/readyz')).status, 200);
    });
  });
});
