import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

const MISSING = '00000000-0000-7000-8000-000000000000';
const chatgptExport = readFileSync(new URL('../../support/chatgpt-conversations.json', import.meta.url));

/** A Parley document with two branches: a regenerated reply, and an edited question with its own reply. */
function branchedDocument() {
  const at = (s: number) => new Date(Date.UTC(2024, 4, 1, 12, 0, s)).toISOString();
  const m = (id: string, parent: string | null, role: string, content: string, s: number, extra: Record<string, unknown> = {}) => ({
    id,
    parent_id: parent,
    role,
    content,
    model: role === 'assistant' ? 'echo' : null,
    status: 'complete',
    prompt_tokens: role === 'assistant' ? 12 : 0,
    completion_tokens: role === 'assistant' ? 7 : 0,
    cost_usd: role === 'assistant' ? 0.0015 : 0,
    ttft_ms: role === 'assistant' ? 120 : null,
    metadata: {},
    created_at: at(s),
    updated_at: at(s + 1),
    ...extra,
  });
  return {
    format: 'parley',
    version: 1,
    id: 'any-old-id',
    title: 'Branches of Rome',
    model: 'echo',
    system_prompt: 'Answer like a guide.',
    temperature: 0.4,
    max_tokens: 500,
    language: 'en',
    archived_at: null,
    pinned_at: at(50),
    tags: ['travel', 'italy'],
    created_at: at(0),
    updated_at: at(40),
    active_leaf_id: 'a2b',
    messages: [
      m('u1', null, 'user', 'What is the Pantheon?', 1),
      m('a1', 'u1', 'assistant', 'A Roman temple.', 2, { metadata: { sources: [{ file: 'rome.pdf', page: 3 }] } }),
      m('a1b', 'u1', 'assistant', 'A temple, now a church.', 10, { status: 'incomplete' }),
      m('u2', 'a1', 'user', 'When was it built?', 20),
      m('a2', 'u2', 'assistant', 'Around 125 AD.', 21),
      m('u2b', 'a1', 'user', 'Who built it?', 30),
      m('a2b', 'u2b', 'assistant', 'Emperor Hadrian.', 31),
    ],
  };
}

/** A document with ids replaced by positions, so two imports of one conversation compare equal. */
function comparable(doc: any) {
  const index = new Map<string, number>(doc.messages.map((m: any, i: number) => [m.id, i]));
  const { id: _id, messages, active_leaf_id, ...rest } = doc;
  return {
    ...rest,
    active_leaf: active_leaf_id === null ? null : index.get(active_leaf_id),
    messages: messages.map(({ id: _m, parent_id, ...fields }: any) => ({ ...fields, parent: parent_id === null ? null : index.get(parent_id) })),
  };
}

function fileForm(bytes: Uint8Array | string, filename = 'conversations.json') {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/json' }), filename);
  return form;
}

describe('export and import', () => {
  let server: TestServer;
  let api: Client;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    alice = await registerUser(api);
    bob = await registerUser(api);
  });
  after(() => server.close());

  const exportJson = async (token: string, id: string) => {
    const res = await api.get(`/api/v1/conversations/${id}/export`, { token });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };

  it('round-trips a branched conversation: export, import, export compare equal but for ids', async () => {
    const first = await api.post('/api/v1/import', branchedDocument(), { token: alice.token });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(first.body.formats, ['parley']);
    assert.equal(first.body.message_count, 7);
    const [id] = first.body.conversation_ids;
    const exported = await exportJson(alice.token, id);
    assert.notEqual(exported.messages[0].id, 'u1', 'messages get new ids');
    // What went in comes out, field for field, with the tree and active leaf intact.
    assert.deepEqual(comparable(exported), comparable(branchedDocument()));

    const second = await api.post('/api/v1/import', exported, { token: alice.token });
    assert.equal(second.status, 201, second.text);
    const again = await exportJson(alice.token, second.body.conversation_ids[0]);
    assert.notEqual(again.id, exported.id);
    assert.deepEqual(comparable(again), comparable(exported));
    // Both belong to the importer.
    const got = await api.get(`/api/v1/conversations/${second.body.conversation_ids[0]}`, { token: alice.token });
    assert.equal(got.body.user_id, alice.id);
  });

  it('round-trips a conversation made through the API, with usage and timestamps', async () => {
    const id = await createConversation(api, alice.token, { title: 'Made here', system_prompt: 'Be brief.' });
    for (const content of ['first question', 'second question']) {
      const sent = await api.post(`/api/v1/conversations/${id}/messages`, { content }, { token: alice.token });
      assert.equal(sent.status, 200, sent.text);
    }
    const exported = await exportJson(alice.token, id);
    assert.equal(exported.messages.length, 4);
    assert.ok(exported.messages[1].completion_tokens > 0, 'usage is exported');
    assert.equal(exported.active_leaf_id, exported.messages[3].id);
    const imported = await api.post('/api/v1/import', exported, { token: alice.token });
    assert.equal(imported.status, 201, imported.text);
    assert.deepEqual(comparable(await exportJson(alice.token, imported.body.conversation_ids[0])), comparable(exported));
  });

  it('exports the active path as Markdown', async () => {
    const imported = await api.post('/api/v1/import', branchedDocument(), { token: alice.token });
    const res = await api.get(`/api/v1/conversations/${imported.body.conversation_ids[0]}/export?format=markdown`, { token: alice.token });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^text\/markdown/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="Branches of Rome\.md"/);
    assert.match(res.text, /^# Branches of Rome\n/);
    assert.match(res.text, /## System prompt\n\nAnswer like a guide\./);
    const path = ['What is the Pantheon?', 'A Roman temple.', 'Who built it?', 'Emperor Hadrian.'];
    let from = 0;
    for (const content of path) {
      const at = res.text.indexOf(content, from);
      assert.ok(at > from, `${content} in order`);
      from = at;
    }
    for (const other of ['A temple, now a church.', 'When was it built?', 'Around 125 AD.']) assert.ok(!res.text.includes(other), `${other} is off the path`);
    assert.match(res.text, /## User\n\nWhat is the Pantheon\?/);
    assert.match(res.text, /## Assistant \(echo\)\n\nEmperor Hadrian\./);
  });

  it('streams every conversation as JSON Lines, page after page, and imports the file back', async () => {
    const user = await registerUser(api);
    const plain = Array.from({ length: 57 }, (_, i) => ({ title: `Note ${i}`, messages: [{ role: 'user', content: `note number ${i}` }] }));
    const made = await api.post('/api/v1/import', [...plain, branchedDocument()], { token: user.token });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.imported, 58);
    // Someone else's conversations are never in the export.
    await createConversation(api, bob.token, { title: 'Bob only' });

    const res = await fetch(`${server.url}/api/v1/export`, { headers: { authorization: `Bearer ${user.token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    assert.equal(res.headers.get('content-length'), null, 'streamed, not sent whole');
    const text = await res.text();
    assert.ok(text.endsWith('\n'));
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 58);
    assert.deepEqual(new Set(lines.map((l) => l.id)), new Set(made.body.conversation_ids));
    assert.ok(lines.every((l) => l.format === 'parley' && l.title !== 'Bob only'));
    const branched = lines.find((l) => l.title === 'Branches of Rome');
    assert.deepEqual(comparable(branched), comparable(branchedDocument()));

    const other = await registerUser(api);
    const back = await api.request('POST', '/api/v1/import', { token: other.token, raw: fileForm(text, 'export.jsonl') });
    assert.equal(back.status, 201, back.text);
    assert.equal(back.body.imported, 58);
    const list = await api.get('/api/v1/conversations?limit=100', { token: other.token });
    assert.equal(list.body.total, 58);
  });

  it('imports ChatGPT’s conversations.json as a multipart file: branches, active leaf, dropped nodes re-linked', async () => {
    const user = await registerUser(api);
    const res = await api.request('POST', '/api/v1/import', { token: user.token, raw: fileForm(chatgptExport) });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body.formats, ['chatgpt', 'chatgpt']);
    const [lisbonId, breadId] = res.body.conversation_ids;

    const lisbon = await exportJson(user.token, lisbonId);
    assert.equal(lisbon.title, 'Trip to Lisbon');
    assert.equal(lisbon.created_at, new Date(1717000000123).toISOString());
    const byContent = new Map<string, any>(lisbon.messages.map((m: any) => [m.content, m]));
    // System, tool and empty nodes are gone; six messages remain.
    assert.equal(lisbon.messages.length, 6);
    assert.ok(!lisbon.messages.some((m: any) => /Search results|Sintra"\)/.test(m.content)));
    const q = byContent.get('What should I see in Lisbon?');
    const a1 = byContent.get('Belém Tower and the Alfama district.');
    const a1b = byContent.get('Ride tram 28 through the old town.');
    const a2b = byContent.get('Also take a day trip to Sintra.');
    assert.equal(q.parent_id, null, 'the dropped system root leaves the question first');
    assert.equal(a1.parent_id, q.id);
    assert.equal(a1b.parent_id, q.id, 'the regenerated reply is a sibling');
    assert.equal(a2b.parent_id, a1b.id, 'tool nodes are skipped and their child re-linked');
    assert.equal(byContent.get('How many days do I need?').parent_id, a1.id);
    assert.equal(lisbon.active_leaf_id, a2b.id, 'current_node is the active leaf');
    assert.equal(a1.model, 'gpt-4o');
    assert.equal(a1.created_at, new Date(1717000020000).toISOString());

    const md = await api.get(`/api/v1/conversations/${lisbonId}/export?format=markdown`, { token: user.token });
    assert.ok(md.text.includes('Ride tram 28') && !md.text.includes('Three days are enough'));

    const bread = await exportJson(user.token, breadId);
    assert.deepEqual(
      bread.messages.map((m: any) => [m.role, m.content]),
      [
        ['user', 'How long should dough rise?'],
        ['assistant', 'About two hours, until doubled.'],
      ],
    );
    assert.equal(bread.active_leaf_id, bread.messages[1].id);
    assert.equal(bread.model, 'echo', 'a model no provider offers here falls back to the default');
  });

  it('imports a plain message list from a JSON body as one path', async () => {
    const res = await api.post(
      '/api/v1/import',
      { title: 'Plain', messages: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi there' }, { role: 'user', content: 'bye' }] },
      { token: alice.token },
    );
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body.formats, ['plain']);
    const doc = await exportJson(alice.token, res.body.conversation_ids[0]);
    assert.equal(doc.title, 'Plain');
    assert.deepEqual(doc.messages.map((m: any) => m.content), ['hello', 'hi there', 'bye']);
    assert.equal(doc.messages[0].parent_id, null);
    assert.equal(doc.messages[1].parent_id, doc.messages[0].id);
    assert.equal(doc.messages[2].parent_id, doc.messages[1].id);
    assert.equal(doc.active_leaf_id, doc.messages[2].id);
    const listed = await api.get(`/api/v1/conversations/${res.body.conversation_ids[0]}/messages`, { token: alice.token });
    assert.deepEqual(listed.body.map((m: any) => m.content), ['hello', 'hi there', 'bye']);
  });

  it('is all or nothing: a bad second conversation leaves nothing, and the 422 says where', async () => {
    const user = await registerUser(api);
    const good = { title: 'Good', messages: [{ role: 'user', content: 'fine' }] };
    const bad = { title: 'Bad', messages: [{ role: 'user', content: 'ok' }, { role: 'robot', content: 'beep' }] };
    const res = await api.post('/api/v1/import', [good, bad], { token: user.token });
    assert.equal(res.status, 422, res.text);
    assert.deepEqual(res.body.detail[0].loc, ['body', 1, 'messages', 1, 'role']);

    const broken = branchedDocument();
    broken.messages[4].parent_id = 'nowhere';
    const tree = await api.post('/api/v1/import', [branchedDocument(), broken], { token: user.token });
    assert.equal(tree.status, 422, tree.text);
    assert.deepEqual(tree.body.detail[0].loc, ['body', 1, 'messages', 4, 'parent_id']);

    const cyclic = branchedDocument();
    cyclic.messages[0].parent_id = 'a2';
    const cycle = await api.post('/api/v1/import', cyclic, { token: user.token });
    assert.equal(cycle.status, 422, cycle.text);
    assert.match(JSON.stringify(cycle.body.detail), /cycle/);

    const file = await api.request('POST', '/api/v1/import', { token: user.token, raw: fileForm('{"title": "x", "messages": [') });
    assert.equal(file.status, 422, file.text);
    assert.deepEqual(file.body.detail[0].loc, ['body', 'file']);

    const unknown = await api.post('/api/v1/import', [good, { hello: 'world' }], { token: user.token });
    assert.equal(unknown.status, 422);
    assert.deepEqual(unknown.body.detail[0].loc, ['body', 1]);

    const list = await api.get('/api/v1/conversations?limit=100&archived=false', { token: user.token });
    assert.equal(list.body.total, 0, 'nothing was created');
  });

  it('never creates anything for another user, whatever the file says', async () => {
    const carol = await registerUser(api);
    const doc = { ...branchedDocument(), user_id: carol.id };
    const res = await api.post('/api/v1/import', doc, { token: bob.token });
    assert.equal(res.status, 201);
    assert.equal((await api.get(`/api/v1/conversations/${res.body.conversation_ids[0]}`, { token: bob.token })).body.user_id, bob.id);
    assert.equal((await api.get(`/api/v1/conversations/${res.body.conversation_ids[0]}`, { token: carol.token })).status, 403);
    assert.equal((await api.get('/api/v1/conversations', { token: carol.token })).body.total, 0);
  });

  it('answers 401, 403, 404 and 422', async () => {
    const id = await createConversation(api, alice.token, { title: 'Private' });
    assert.equal((await api.get(`/api/v1/conversations/${id}/export`)).status, 401);
    assert.equal((await api.get('/api/v1/export')).status, 401);
    assert.equal((await api.post('/api/v1/import', { messages: [] })).status, 401);
    assert.equal((await api.get(`/api/v1/conversations/${id}/export`, { token: 'nonsense' })).status, 401);

    const forbidden = await api.get(`/api/v1/conversations/${id}/export`, { token: bob.token });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.detail, 'Access denied');
    assert.equal((await api.get(`/api/v1/conversations/${id}/export?format=markdown`, { token: bob.token })).status, 403);
    assert.equal((await api.get(`/api/v1/conversations/${MISSING}/export`, { token: alice.token })).status, 404);
    await api.delete(`/api/v1/conversations/${id}`, { token: alice.token });
    assert.equal((await api.get(`/api/v1/conversations/${id}/export`, { token: alice.token })).status, 404);

    const badFormat = await api.get(`/api/v1/conversations/${MISSING}/export?format=pdf`, { token: alice.token });
    assert.equal(badFormat.status, 422);
    assert.deepEqual(badFormat.body.detail[0].loc, ['query', 'format']);
    assert.equal((await api.get('/api/v1/conversations/not-a-uuid/export', { token: alice.token })).status, 422);
    const empty = await api.post('/api/v1/import', [], { token: alice.token });
    assert.equal(empty.status, 422);
    const none = await api.request('POST', '/api/v1/import', { token: alice.token });
    assert.equal(none.status, 422);
    const noFile = new FormData();
    noFile.append('other', 'x');
    const missingFile = await api.request('POST', '/api/v1/import', { token: alice.token, raw: noFile });
    assert.equal(missingFile.status, 422);
    assert.deepEqual(missingFile.body.detail[0].loc, ['body', 'file']);
    const badJson = await api.request('POST', '/api/v1/import', { token: alice.token, raw: '{"messages": [', headers: { 'content-type': 'application/json' } });
    assert.equal(badJson.status, 422);
  });
});

describe('import limits', () => {
  let server: TestServer;
  let api: Client;
  let user: TestUser;
  before(async () => {
    server = await startTestServer({ env: { IMPORT_MAX_BYTES: '16384', IMPORT_MAX_MESSAGES: '5' } });
    api = client(server.url);
    user = await registerUser(api);
  });
  after(() => server.close());

  const messages = (n: number) => Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` }));

  it('refuses a body or file past IMPORT_MAX_BYTES with 413', async () => {
    const big = { title: 'big', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] };
    const body = await api.post('/api/v1/import', big, { token: user.token });
    assert.equal(body.status, 413, body.text);
    const file = await api.request('POST', '/api/v1/import', { token: user.token, raw: fileForm(JSON.stringify(big)) });
    assert.equal(file.status, 413, file.text);
    assert.equal((await api.get('/api/v1/conversations', { token: user.token })).body.total, 0);
  });

  it('refuses more than IMPORT_MAX_MESSAGES messages with 422, counted over the whole file', async () => {
    const one = await api.post('/api/v1/import', { messages: messages(6) }, { token: user.token });
    assert.equal(one.status, 422, one.text);
    assert.match(one.body.detail[0].msg, /at most 5/);
    const split = await api.post('/api/v1/import', [{ messages: messages(3) }, { messages: messages(3) }], { token: user.token });
    assert.equal(split.status, 422);
    const chatgpt = await api.request('POST', '/api/v1/import', { token: user.token, raw: fileForm(chatgptExport) });
    assert.equal(chatgpt.status, 422, 'eight kept ChatGPT messages are past five');
    const fits = await api.post('/api/v1/import', { messages: messages(5) }, { token: user.token });
    assert.equal(fits.status, 201, fits.text);
    assert.equal((await api.get('/api/v1/conversations', { token: user.token })).body.total, 1);
  });
});
