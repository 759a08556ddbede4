import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { makePdf } from '../../support/pdf.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { uploadFile } from '../../support/uploads.ts';

const MISSING = '00000000-0000-7000-8000-000000000000';
const SECRET_PROMPT = 'SYSTEM-PROMPT-never-shared-7f3a';

describe('share links', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    // Documents over 60 tokens are searched, so a question cites only the page that answers it.
    server = await startTestServer({ env: { FILE_CONTEXT_WHOLE_TOKENS: '60' } });
    api = client(server.url);
    // The first account of a fresh server is the admin.
    admin = await registerUser(api);
    alice = await registerUser(api);
    bob = await registerUser(api);
  });
  after(() => server.close());

  async function say(token: string, id: string, content: string) {
    const res = await api.post(`/api/v1/conversations/${id}/messages`, { content }, { token });
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  async function share(token: string, id: string) {
    const res = await api.post(`/api/v1/conversations/${id}/share`, undefined, { token });
    assert.equal(res.status, 201, res.text);
    return res.body as { share_id: string; url: string; created_at: string };
  }

  it('shares a snapshot readable without auth, with no owner, system prompt or usage', async () => {
    const id = await createConversation(api, alice.token, { title: 'Trip plans', system_prompt: SECRET_PROMPT });
    await say(alice.token, id, 'Where should we go in spring?');
    await say(alice.token, id, 'And what should we pack?');

    const link = await share(alice.token, id);
    assert.match(link.share_id, /^[A-Za-z0-9_-]{22}$/, '128 random bits, base64url');
    assert.equal(link.url, `${server.url}/s/${link.share_id}`);

    const res = await api.get(`/api/v1/shares/${link.share_id}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.body.share_id, link.share_id);
    assert.equal(res.body.title, 'Trip plans');
    assert.deepEqual(
      res.body.messages.map((m: { role: string }) => m.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
    assert.equal(res.body.messages[0].content, 'Where should we go in spring?');
    assert.equal(res.body.messages[2].content, 'And what should we pack?');
    assert.ok(res.body.messages[1].content.length > 0);
    for (const m of res.body.messages) assert.deepEqual(Object.keys(m).sort(), ['content', 'created_at', 'role', 'sources']);
    assert.deepEqual(Object.keys(res.body).sort(), ['created_at', 'messages', 'share_id', 'title']);
    for (const secret of [SECRET_PROMPT, alice.id, alice.email, id, 'prompt_tokens', 'cost_usd', 'user_id']) {
      assert.ok(!res.text.includes(secret), `the share does not reveal ${secret}`);
    }

    // The owner sees the live link.
    const current = await api.get(`/api/v1/conversations/${id}/share`, { token: alice.token });
    assert.equal(current.status, 200);
    assert.equal(current.body.share_id, link.share_id);
  });

  it('counts anonymous reads against the per-address API limit', async () => {
    const id = await createConversation(api, alice.token);
    const link = await share(alice.token, id);
    const first = await api.get(`/api/v1/shares/${link.share_id}`);
    const second = await api.get(`/api/v1/shares/${link.share_id}`);
    assert.equal(first.headers.get('x-ratelimit-limit'), '1000000');
    assert.equal(Number(first.headers.get('x-ratelimit-remaining')) - 1, Number(second.headers.get('x-ratelimit-remaining')));
    const page = await api.get(`/s/${link.share_id}`);
    assert.equal(Number(page.headers.get('x-ratelimit-remaining')), Number(second.headers.get('x-ratelimit-remaining')) - 1);
    // A credential, when sent, must be valid.
    assert.equal((await api.get(`/api/v1/shares/${link.share_id}`, { token: 'not-a-token' })).status, 401);
  });

  it('keeps the snapshot unchanged after later messages, and sharing again replaces the link', async () => {
    const id = await createConversation(api, alice.token, { title: 'Before' });
    await say(alice.token, id, 'first question');
    const link = await share(alice.token, id);

    await say(alice.token, id, 'a later question');
    assert.equal((await api.put(`/api/v1/conversations/${id}`, { title: 'After' }, { token: alice.token })).status, 200);
    const frozen = await api.get(`/api/v1/shares/${link.share_id}`);
    assert.equal(frozen.status, 200);
    assert.equal(frozen.body.title, 'Before');
    assert.equal(frozen.body.messages.length, 2);
    assert.ok(!frozen.text.includes('a later question'));

    const again = await share(alice.token, id);
    assert.notEqual(again.share_id, link.share_id);
    assert.equal((await api.get(`/api/v1/shares/${link.share_id}`)).status, 404, 'the old link stops working');
    const fresh = await api.get(`/api/v1/shares/${again.share_id}`);
    assert.equal(fresh.body.title, 'After');
    assert.equal(fresh.body.messages.length, 4);
  });

  it('revokes at once, and a deleted conversation’s share is gone', async () => {
    const id = await createConversation(api, alice.token);
    await say(alice.token, id, 'hello');
    const link = await share(alice.token, id);

    assert.equal((await api.delete(`/api/v1/conversations/${id}/share`, { token: bob.token })).status, 403);
    const revoked = await api.delete(`/api/v1/conversations/${id}/share`, { token: alice.token });
    assert.equal(revoked.status, 200, revoked.text);
    const gone = await api.get(`/api/v1/shares/${link.share_id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.detail, 'Share not found');
    const page = await api.get(`/s/${link.share_id}`);
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal((await api.delete(`/api/v1/conversations/${id}/share`, { token: alice.token })).status, 404);
    assert.equal((await api.get(`/api/v1/conversations/${id}/share`, { token: alice.token })).status, 404);

    const other = await createConversation(api, alice.token);
    const otherLink = await share(alice.token, other);
    assert.equal((await api.get(`/api/v1/shares/${otherLink.share_id}`)).status, 200);
    assert.equal((await api.delete(`/api/v1/conversations/${other}`, { token: alice.token })).status, 200);
    assert.equal((await api.get(`/api/v1/shares/${otherLink.share_id}`)).status, 404);
    assert.equal((await api.get(`/s/${otherLink.share_id}`)).status, 404);
  });

  it('renders an escaped HTML page with a strict policy', async () => {
    const id = await createConversation(api, alice.token, { title: '<b>bold</b> & "quoted"', system_prompt: SECRET_PROMPT });
    await say(alice.token, id, '<script>alert(1)</script>\nsecond line <img src=x onerror=alert(2)>');
    const link = await share(alice.token, id);

    const res = await api.get(`/s/${link.share_id}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.ok(!/<script/i.test(res.text), 'no script element');
    assert.ok(!/<img/i.test(res.text), 'no image element');
    assert.ok(!res.text.includes('<b>'), 'the title is escaped');
    assert.ok(res.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;\nsecond line &lt;img src=x onerror=alert(2)&gt;'), 'text kept with its line break');
    assert.ok(res.text.includes('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;'));
    for (const secret of [SECRET_PROMPT, alice.id, alice.email]) assert.ok(!res.text.includes(secret), `the page does not reveal ${secret}`);

    const unknown = await api.get('/s/AAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
  });

  it('shares cited passages as file name, page and snippet only', async () => {
    const pages = [
      'Lighthouses guide ships along rocky coasts at night. Their lamps turn slowly and sweep the dark sea, warning sailors about reefs and shallow water near the harbour.',
      'The capital of Zorbania is Quintar, a city famous for its copper bridges and its winter market. Travellers reach Quintar by the northern railway through the pine valleys.',
      'Tomatoes grow well on a sunny balcony when they are watered every morning. Pinch out the side shoots and feed the plants weekly once the first flowers appear on the stems.',
    ];
    const id = await createConversation(api, alice.token);
    const upload = await uploadFile(api, `/api/chat/sessions/${id}/upload`, alice.token, makePdf(pages), { filename: 'atlas.pdf' });
    assert.equal(upload.status, 201, upload.text);
    const turn = await say(alice.token, id, 'What is the capital of Zorbania?');
    const cited = turn.assistant_message.metadata.sources as Array<{ file_id: string; filename: string; page: number; snippet: string }>;
    assert.ok(cited.length > 0, 'the reply cites the document');

    const link = await share(alice.token, id);
    const res = await api.get(`/api/v1/shares/${link.share_id}`);
    assert.deepEqual(
      res.body.messages[1].sources,
      cited.map(({ filename, page, snippet }) => ({ filename, page, snippet })),
    );
    assert.ok(!res.text.includes(upload.body.file.id), 'no file id');
    assert.ok(!res.text.includes('Tomatoes'), 'no document text beyond the cited snippet');
    const page = await api.get(`/s/${link.share_id}`);
    assert.ok(page.text.includes('atlas.pdf, p. 2'));
  });

  it('answers 401, 403, 404 and 422 on the owner’s routes', async () => {
    const id = await createConversation(api, alice.token);
    for (const method of ['POST', 'GET', 'DELETE']) {
      const path = `/api/v1/conversations/${id}/share`;
      assert.equal((await api.request(method, path)).status, 401, `${method} without a token`);
      assert.equal((await api.request(method, path, { token: bob.token })).status, 403, `${method} by another user`);
      assert.equal((await api.request(method, `/api/v1/conversations/${MISSING}/share`, { token: alice.token })).status, 404);
      assert.equal((await api.request(method, '/api/v1/conversations/not-a-uuid/share', { token: alice.token })).status, 422);
    }
    const forbidden = await api.post(`/api/v1/conversations/${id}/share`, undefined, { token: bob.token });
    assert.equal(forbidden.body.detail, 'Access denied');
    assert.equal((await api.get('/api/v1/shares/not-a-share')).status, 404);
    assert.equal((await api.get('/s/not-a-share')).status, 404);
  });

  it('lets an admin revoke a user’s link but not publish a user’s conversation', async () => {
    const id = await createConversation(api, alice.token);
    const denied = await api.post(`/api/v1/conversations/${id}/share`, undefined, { token: admin.token });
    assert.equal(denied.status, 403);
    const link = await share(alice.token, id);
    assert.equal((await api.delete(`/api/v1/conversations/${id}/share`, { token: admin.token })).status, 200);
    assert.equal((await api.get(`/api/v1/shares/${link.share_id}`)).status, 404);
  });
});
