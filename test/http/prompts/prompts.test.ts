import { randomBytes, randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

const PROMPT_KEYS = [
  'content',
  'created_at',
  'description',
  'id',
  'is_template',
  'metadata',
  'scenario',
  'title',
  'updated_at',
  'usage_count',
];
const SUMMARIZE_TEMPLATE = '00000000-0000-7000-8000-000000000001';
const tag = () => randomBytes(4).toString('hex');

describe('seed 002 prompt library', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;

  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    admin = await registerUser(api);
    assert.equal(admin.role, 'admin');
  });
  after(() => server.close());

  async function createPrompt(user: TestUser, body: Record<string, unknown> = {}) {
    const res = await api.post(
      '/api/chat/prompts',
      { title: `Prompt ${tag()}`, content: 'Summarize the following text: {text}', ...body },
      { token: user.token },
    );
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  it('creates a prompt and answers it in the documented shape', async () => {
    const user = await registerUser(api);
    const res = await api.post(
      '/api/chat/prompts',
      {
        title: 'Text Summarizer',
        content: 'Summarize the following text: {text}',
        scenario: 'summarization',
        description: 'Generates concise summaries',
        metadata: { tags: ['summary', 'concise'] },
      },
      { token: user.token },
    );
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), PROMPT_KEYS);
    assert.match(res.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(res.body.title, 'Text Summarizer');
    assert.equal(res.body.scenario, 'summarization');
    assert.equal(res.body.description, 'Generates concise summaries');
    assert.deepEqual(res.body.metadata, { tags: ['summary', 'concise'] });
    assert.equal(res.body.is_template, false);
    assert.equal(res.body.usage_count, 0);
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));

    const got = await api.get(`/api/chat/prompts/${res.body.id}`, { token: user.token });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, res.body);
  });

  it('defaults optional fields and refuses bad input: 422, or 400 for text with NUL', async () => {
    const user = await registerUser(api);
    const minimal = await api.post('/api/chat/prompts', { title: 'T', content: 'C' }, { token: user.token });
    assert.equal(minimal.status, 201);
    assert.equal(minimal.body.scenario, null);
    assert.equal(minimal.body.description, null);
    assert.deepEqual(minimal.body.metadata, {});

    for (const body of [{ content: 'no title' }, { title: 'no content' }, { title: '', content: 'x' }, { title: 'x', content: 5 }]) {
      const res = await api.post('/api/chat/prompts', body, { token: user.token });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(Array.isArray(res.body.detail));
      assert.equal(res.body.detail[0].loc[0], 'body');
    }
    // Text the database cannot store (NUL), in a field, in metadata, in a filter: 400, never a 500.
    const prompt = minimal.body.id;
    for (const res of [
      await api.post('/api/chat/prompts', { title: 'T\u0000', content: 'C' }, { token: user.token }),
      await api.post('/api/chat/prompts', { title: 'T', content: 'C', metadata: { note: '\u0000' } }, { token: user.token }),
      await api.put(`/api/chat/prompts/${prompt}`, { description: 'd\u0000' }, { token: user.token }),
      await api.get(`/api/chat/prompts?search=${encodeURIComponent('a\u0000')}`, { token: user.token }),
      await api.get(`/api/chat/prompts?scenario=${encodeURIComponent('a\u0000')}`, { token: user.token }),
    ]) {
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.detail, /NUL/);
    }
    assert.equal((await api.get(`/api/chat/prompts/${prompt}`, { token: user.token })).body.description, null);

    const anonymous = await api.post('/api/chat/prompts', { title: 'T', content: 'C' });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.detail, 'Not authenticated');
  });

  it('lists the caller’s prompts first, then the system templates by title', async () => {
    const user = await registerUser(api);
    const first = await createPrompt(user);
    const second = await createPrompt(user);
    const other = await createPrompt(await registerUser(api));

    const res = await api.get('/api/chat/prompts?page_size=100', { token: user.token });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['items', 'page', 'page_size', 'total']);
    assert.equal(res.body.page, 1);
    assert.equal(res.body.page_size, 100);
    const ids = res.body.items.map((p: any) => p.id);
    assert.deepEqual(ids.slice(0, 2), [second.id, first.id]);
    assert.ok(!ids.includes(other.id), 'another user’s prompt is not listed');
    const templates = res.body.items.slice(2);
    assert.ok(templates.length >= 5);
    assert.ok(templates.every((p: any) => p.is_template));
    const titles = templates.map((p: any) => p.title);
    assert.deepEqual(titles, [...titles].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
    assert.ok(ids.includes(SUMMARIZE_TEMPLATE));
    assert.equal(res.body.total, res.body.items.length);

    const ownOnly = await api.get('/api/chat/prompts?include_templates=false', { token: user.token });
    assert.equal(ownOnly.status, 200);
    assert.deepEqual(
      ownOnly.body.items.map((p: any) => p.id),
      [second.id, first.id],
    );
    assert.equal(ownOnly.body.total, 2);
  });

  it('filters by scenario', async () => {
    const user = await registerUser(api);
    const scenario = `scenario-${tag()}`;
    const match = await createPrompt(user, { scenario });
    await createPrompt(user, { scenario: `${scenario}-other` });
    await createPrompt(user);
    const res = await api.get(`/api/chat/prompts?scenario=${scenario}`, { token: user.token });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.items.map((p: any) => p.id),
      [match.id],
    );
    assert.equal(res.body.total, 1);

    const templates = await api.get('/api/chat/prompts?scenario=translation', { token: user.token });
    assert.ok(templates.body.items.length >= 1);
    assert.ok(templates.body.items.every((p: any) => p.scenario === 'translation' && p.is_template));
  });

  it('searches title, content and description case-insensitively', async () => {
    const user = await registerUser(api);
    const word = `Needle${tag()}`;
    const inTitle = await createPrompt(user, { title: `A ${word} title` });
    const inContent = await createPrompt(user, { content: `Look for ${word.toUpperCase()} here: {x}` });
    const inDescription = await createPrompt(user, { description: `about ${word.toLowerCase()}` });
    await createPrompt(user, { title: 'unrelated' });
    const res = await api.get(`/api/chat/prompts?search=${word.toLowerCase()}&include_templates=false`, { token: user.token });
    assert.equal(res.status, 200);
    assert.deepEqual(new Set(res.body.items.map((p: any) => p.id)), new Set([inTitle.id, inContent.id, inDescription.id]));
    assert.equal(res.body.total, 3);

    const templates = await api.get('/api/chat/prompts?search=TRANSLATE', { token: user.token });
    assert.ok(templates.body.items.some((p: any) => p.title === 'Translate'));
  });

  it('treats % and _ in a search as literal characters', async () => {
    const user = await registerUser(api);
    const id = tag();
    const percent = await createPrompt(user, { title: `${id} 100% sure` });
    await createPrompt(user, { title: `${id} 100 sure` });
    const underscore = await createPrompt(user, { title: `${id} snake_case` });
    await createPrompt(user, { title: `${id} snakeXcase` });
    const q = (s: string) => api.get(`/api/chat/prompts?include_templates=false&search=${encodeURIComponent(s)}`, { token: user.token });
    assert.deepEqual(
      (await q('100%')).body.items.map((p: any) => p.id),
      [percent.id],
    );
    assert.deepEqual(
      (await q('e_c')).body.items.map((p: any) => p.id),
      [underscore.id],
    );
  });

  it('pages with page and page_size, capped at 100', async () => {
    const user = await registerUser(api);
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createPrompt(user));
    const newestFirst = created.map((p) => p.id).reverse();
    const page = (n: number) => api.get(`/api/chat/prompts?include_templates=false&page=${n}&page_size=2`, { token: user.token });
    const [p1, p2, p3, p4] = await Promise.all([page(1), page(2), page(3), page(4)]);
    assert.deepEqual(
      p1.body.items.map((p: any) => p.id),
      newestFirst.slice(0, 2),
    );
    assert.deepEqual(
      p2.body.items.map((p: any) => p.id),
      newestFirst.slice(2, 4),
    );
    assert.deepEqual(
      p3.body.items.map((p: any) => p.id),
      newestFirst.slice(4),
    );
    assert.deepEqual(p4.body.items, []);
    assert.equal(p3.body.total, 5);
    assert.equal(p3.body.page, 3);
    assert.equal(p3.body.page_size, 2);

    const defaults = await api.get('/api/chat/prompts', { token: user.token });
    assert.equal(defaults.body.page, 1);
    assert.equal(defaults.body.page_size, 20);

    for (const query of ['page_size=101', 'page_size=0', 'page=0', 'page=x', 'include_templates=maybe']) {
      const res = await api.get(`/api/chat/prompts?${query}`, { token: user.token });
      assert.equal(res.status, 422, query);
      assert.equal(res.body.detail[0].loc[0], 'query');
    }
  });

  it('updates only the fields sent', async () => {
    const user = await registerUser(api);
    const prompt = await createPrompt(user, { scenario: 'old', description: 'old description', metadata: { a: 1 } });
    const res = await api.put(`/api/chat/prompts/${prompt.id}`, { title: 'Updated Title' }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), PROMPT_KEYS);
    assert.equal(res.body.title, 'Updated Title');
    assert.equal(res.body.content, prompt.content);
    assert.equal(res.body.scenario, 'old');
    assert.equal(res.body.description, 'old description');
    assert.deepEqual(res.body.metadata, { a: 1 });
    assert.ok(Date.parse(res.body.updated_at) >= Date.parse(prompt.updated_at));
    assert.equal(res.body.created_at, prompt.created_at);

    const more = await api.put(
      `/api/chat/prompts/${prompt.id}`,
      { content: 'Updated content with {variable}', scenario: 'new_scenario', description: null, metadata: { b: 2 } },
      { token: user.token },
    );
    assert.equal(more.status, 200);
    assert.equal(more.body.content, 'Updated content with {variable}');
    assert.equal(more.body.scenario, 'new_scenario');
    assert.equal(more.body.description, null);
    assert.deepEqual(more.body.metadata, { b: 2 });
    assert.equal(more.body.title, 'Updated Title');

    const stored = await api.get(`/api/chat/prompts/${prompt.id}`, { token: user.token });
    assert.deepEqual(stored.body, more.body);
    const bad = await api.put(`/api/chat/prompts/${prompt.id}`, { title: '' }, { token: user.token });
    assert.equal(bad.status, 422);
  });

  it('deletes a prompt', async () => {
    const user = await registerUser(api);
    const prompt = await createPrompt(user);
    const res = await api.delete(`/api/chat/prompts/${prompt.id}`, { token: user.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { message: 'Prompt deleted successfully' });
    const gone = await api.get(`/api/chat/prompts/${prompt.id}`, { token: user.token });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.detail, 'Prompt not found');
    assert.equal((await api.delete(`/api/chat/prompts/${prompt.id}`, { token: user.token })).status, 404);
  });

  it('answers 404 for a missing prompt and 422 for an id that is not a UUID', async () => {
    const user = await registerUser(api);
    const missing = randomUUID();
    assert.equal((await api.get(`/api/chat/prompts/${missing}`, { token: user.token })).status, 404);
    assert.equal((await api.put(`/api/chat/prompts/${missing}`, { title: 'x' }, { token: user.token })).status, 404);
    assert.equal((await api.delete(`/api/chat/prompts/${missing}`, { token: user.token })).status, 404);
    for (const res of [
      await api.get('/api/chat/prompts/123', { token: user.token }),
      await api.put('/api/chat/prompts/not-a-uuid', { title: 'x' }, { token: user.token }),
      await api.delete('/api/chat/prompts/123', { token: user.token }),
    ]) {
      assert.equal(res.status, 422);
      assert.deepEqual(res.body.detail[0].loc, ['path', 'prompt_id']);
    }
  });

  it('refuses another user’s prompt with 403 on get, update and delete', async () => {
    const owner = await registerUser(api);
    const intruder = await registerUser(api);
    const prompt = await createPrompt(owner);
    const get = await api.get(`/api/chat/prompts/${prompt.id}`, { token: intruder.token });
    const put = await api.put(`/api/chat/prompts/${prompt.id}`, { title: 'mine now' }, { token: intruder.token });
    const del = await api.delete(`/api/chat/prompts/${prompt.id}`, { token: intruder.token });
    for (const res of [get, put, del]) {
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { detail: 'Access denied' });
    }
    const intact = await api.get(`/api/chat/prompts/${prompt.id}`, { token: owner.token });
    assert.equal(intact.status, 200);
    assert.equal(intact.body.title, prompt.title);
  });

  it('lets users read system templates but not change them', async () => {
    const user = await registerUser(api);
    const template = await api.get(`/api/chat/prompts/${SUMMARIZE_TEMPLATE}`, { token: user.token });
    assert.equal(template.status, 200);
    assert.equal(template.body.is_template, true);
    assert.equal(template.body.title, 'Summarize');
    assert.match(template.body.content, /\{text\}/);

    const put = await api.put(`/api/chat/prompts/${SUMMARIZE_TEMPLATE}`, { title: 'Hijacked' }, { token: user.token });
    const del = await api.delete(`/api/chat/prompts/${SUMMARIZE_TEMPLATE}`, { token: user.token });
    for (const res of [put, del]) {
      assert.equal(res.status, 403);
      assert.equal(res.body.detail, 'System templates are read-only');
    }
    const createTemplate = await api.post('/api/chat/prompts', { title: 'T', content: 'C', is_template: true }, { token: user.token });
    assert.equal(createTemplate.status, 403);
    const after = await api.get(`/api/chat/prompts/${SUMMARIZE_TEMPLATE}`, { token: user.token });
    assert.equal(after.body.title, 'Summarize');
  });

  it('lets admins create, change and delete system templates, and read any prompt', async () => {
    const user = await registerUser(api);
    const own = await createPrompt(user);
    assert.equal((await api.get(`/api/chat/prompts/${own.id}`, { token: admin.token })).status, 200);

    const created = await api.post(
      '/api/chat/prompts',
      { title: `Admin template ${tag()}`, content: 'Do {thing}', is_template: true },
      { token: admin.token },
    );
    assert.equal(created.status, 201);
    assert.equal(created.body.is_template, true);
    const seen = await api.get(`/api/chat/prompts/${created.body.id}`, { token: user.token });
    assert.equal(seen.status, 200);
    const listed = await api.get('/api/chat/prompts?page_size=100', { token: user.token });
    assert.ok(listed.body.items.some((p: any) => p.id === created.body.id));

    const renamed = await api.put(`/api/chat/prompts/${created.body.id}`, { title: 'Renamed template' }, { token: admin.token });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.title, 'Renamed template');
    assert.equal((await api.delete(`/api/chat/prompts/${created.body.id}`, { token: admin.token })).status, 200);
    assert.equal((await api.get(`/api/chat/prompts/${created.body.id}`, { token: user.token })).status, 404);
  });
});
