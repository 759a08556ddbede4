import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

describe('GET /api/v1/search', () => {
  let server: TestServer;
  let api: Client;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
  });
  after(() => server.close());

  /** Sends one turn (the echo model answers "Echo: <content>") and returns both message ids. */
  async function say(user: TestUser, conversationId: string, content: string) {
    const res = await api.post(`/api/v1/conversations/${conversationId}/messages`, { content }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    return { user: res.body.user_message.id as string, reply: res.body.assistant_message.id as string };
  }
  const search = (user: TestUser, params: Record<string, string | number>) =>
    api.get(`/api/v1/search?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`, { token: user.token });
  const messageIds = (body: any) => body.items.map((h: any) => h.message_id).sort();

  it('finds English words by their stem, with the match marked, and titles with no message id', async () => {
    const user = await registerUser(api);
    const id = await createConversation(api, user.token, { title: 'Morning routine' });
    const hit = await say(user, id, 'She runs along the river before work');
    await say(user, id, 'Nothing relevant in this one');
    const titled = await createConversation(api, user.token, { title: 'Running shoes' });

    const res = await search(user, { q: 'running' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['items', 'limit', 'skip', 'total']);
    assert.equal(res.body.total, 3);
    assert.deepEqual(messageIds(res.body), [hit.user, hit.reply, null].sort());
    const message = res.body.items.find((h: any) => h.message_id === hit.user);
    assert.deepEqual(Object.keys(message).sort(), ['conversation_id', 'created_at', 'message_id', 'rank', 'snippet', 'title']);
    assert.equal(message.conversation_id, id);
    assert.equal(message.title, 'Morning routine');
    assert.match(message.snippet, /<mark>runs<\/mark> along the river/);
    assert.ok(message.rank > 0);
    assert.ok(!Number.isNaN(Date.parse(message.created_at)));
    const title = res.body.items.find((h: any) => h.message_id === null);
    assert.equal(title.conversation_id, titled);
    assert.equal(title.snippet, '<mark>Running</mark> shoes');
  });

  it('matches a quoted phrase only in order', async () => {
    const user = await registerUser(api);
    const id = await createConversation(api, user.token, { title: 'Animals' });
    const inOrder = await say(user, id, 'the quick brown fox jumps');
    await say(user, id, 'brown and quick are both words here');

    const phrase = await search(user, { q: '"quick brown"' });
    assert.equal(phrase.status, 200);
    assert.deepEqual(messageIds(phrase.body), [inOrder.user, inOrder.reply].sort());
    assert.match(phrase.body.items[0].snippet, /<mark>quick<\/mark> <mark>brown<\/mark>/);

    const words = await search(user, { q: 'quick brown' });
    assert.equal(words.body.total, 4, 'without quotes the words may come in any order');
  });

  it('finds a Chinese substring of two and of four characters', async () => {
    const user = await registerUser(api);
    const id = await createConversation(api, user.token, { title: '周末' });
    const hit = await say(user, id, '今天天气很好，我们去公园散步吧');
    await say(user, id, '明天可能下雨');

    for (const q of ['天气', '去公园散']) {
      const res = await search(user, { q });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(messageIds(res.body), [hit.user, hit.reply].sort(), q);
      const own = res.body.items.find((h: any) => h.message_id === hit.user);
      assert.ok(own.snippet.includes(`<mark>${q}</mark>`), own.snippet);
    }
    // Both pairs occur, but not next to each other: no match.
    assert.equal((await search(user, { q: '天气散步很' })).body.total, 0);
    assert.equal((await search(user, { q: '公散' })).body.total, 0);
    // One character has no pair to look up, and is still found.
    assert.deepEqual(messageIds((await search(user, { q: '雨' })).body).length, 2);
    // Chinese and English together: both must match.
    const mixed = await createConversation(api, user.token, { title: 'Mixed' });
    const both = await say(user, mixed, 'Meeting notes: 天气 was discussed');
    const res = await search(user, { q: 'meeting 天气' });
    assert.deepEqual(messageIds(res.body), [both.user, both.reply].sort());
    assert.match(res.body.items[0].snippet, /<mark>Meeting<\/mark>.*<mark>天气<\/mark>/);
  });

  it('ranks the closer match first', async () => {
    const user = await registerUser(api);
    const weak = await createConversation(api, user.token, { title: 'Weak' });
    await say(
      user,
      weak,
      'This long message mentions an orange once among a great many other words about travel, weather, food, work and sleep',
    );
    const strong = await createConversation(api, user.token, { title: 'Strong' });
    await say(user, strong, 'orange orange orange');

    const res = await search(user, { q: 'orange' });
    assert.equal(res.body.total, 4);
    const ranks = res.body.items.map((h: any) => h.rank);
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => b - a),
    );
    assert.deepEqual(
      res.body.items.map((h: any) => h.conversation_id),
      [strong, strong, weak, weak],
    );
    assert.ok(ranks[1] > ranks[2]);
  });

  it('escapes the snippet around its marks', async () => {
    const user = await registerUser(api);
    const id = await createConversation(api, user.token, { title: 'Markup' });
    await say(user, id, '<b>owl</b> & "friends"');
    const res = await search(user, { q: 'owl' });
    assert.ok(res.body.items.length > 0);
    for (const hit of res.body.items) {
      assert.match(hit.snippet, /&lt;b&gt;<mark>owl<\/mark>&lt;\/b&gt; &amp; &quot;friends&quot;/);
      assert.doesNotMatch(hit.snippet.replace(/<\/?mark>/g, ''), /[<>"]/);
    }
  });

  it('never finds another user’s conversations', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const theirs = await createConversation(api, other.token, { title: 'Zebra crossing' });
    await say(other, theirs, 'zebra stripes and 斑马线');

    for (const q of ['zebra', '斑马']) {
      const mine = await search(user, { q });
      assert.equal(mine.status, 200);
      assert.deepEqual(mine.body.items, [], q);
      assert.equal(mine.body.total, 0);
      const own = await search(other, { q });
      assert.ok(own.body.total >= 2, `${q}: the owner finds it`);
    }
  });

  it('leaves out deleted conversations and deleted messages', async () => {
    const user = await registerUser(api);
    const gone = await createConversation(api, user.token, { title: 'Walrus facts' });
    await say(user, gone, 'a walrus has tusks 海象');
    const kept = await createConversation(api, user.token, { title: 'Kept' });
    const deleted = await say(user, kept, 'walrus again');
    assert.equal((await search(user, { q: 'walrus' })).body.total, 5);

    assert.equal((await api.delete(`/api/v1/conversations/${gone}`, { token: user.token })).status, 200);
    assert.equal((await api.delete(`/api/chat/messages/${deleted.reply}`, { token: user.token })).status, 200);
    const res = await search(user, { q: 'walrus' });
    assert.deepEqual(messageIds(res.body), [deleted.user]);
    assert.equal(res.body.total, 1);
    assert.equal((await search(user, { q: '海象' })).body.total, 0);
  });

  it('pages through the hits with skip and limit', async () => {
    const user = await registerUser(api);
    const id = await createConversation(api, user.token, { title: 'Giraffes' });
    for (let i = 0; i < 3; i++) await say(user, id, `giraffe number ${i}`);

    const first = await search(user, { q: 'giraffe', limit: 4 });
    assert.deepEqual([first.body.items.length, first.body.total, first.body.skip, first.body.limit], [4, 7, 0, 4]);
    const second = await search(user, { q: 'giraffe', limit: 4, skip: 4 });
    assert.deepEqual([second.body.items.length, second.body.total, second.body.skip], [3, 7, 4]);
    const all = [...first.body.items, ...second.body.items].map((h: any) => `${h.conversation_id}/${h.message_id}`);
    assert.equal(new Set(all).size, 7, 'no hit on two pages');
    const past = await search(user, { q: 'giraffe', skip: 20 });
    assert.deepEqual([past.body.items, past.body.total], [[], 7]);
  });

  it('answers nothing for a query of stop words alone', async () => {
    const user = await registerUser(api);
    const id = await createConversation(api, user.token, { title: 'Stop' });
    await say(user, id, 'the and of');
    const res = await search(user, { q: 'the' });
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.items, res.body.total], [[], 0]);
  });

  it('answers 401 without credentials and 422 for a bad query', async () => {
    const user = await registerUser(api);
    const anonymous = await api.get('/api/v1/search?q=hello');
    assert.equal(anonymous.status, 401);
    assert.ok(anonymous.body.detail);
    const bad = ['', 'q=', 'q=%20%20', `q=${'a'.repeat(201)}`, 'q=x&limit=0', 'q=x&limit=51', 'q=x&skip=-1', 'q=x&skip=abc', 'q=x&skip=10001'];
    for (const query of bad) {
      const res = await api.get(`/api/v1/search?${query}`, { token: user.token });
      assert.equal(res.status, 422, query);
      assert.ok(Array.isArray(res.body.detail), query);
    }
    assert.equal((await api.get(`/api/v1/search?q=${'a'.repeat(200)}`, { token: user.token })).status, 200);
  });
});
