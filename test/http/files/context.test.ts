import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import { createConversation, registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { type MockOpenAI, startMockOpenAI } from '../../support/mock-openai.ts';
import { makePdf } from '../../support/pdf.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { uploadFile } from '../../support/uploads.ts';

// Three pages on unrelated subjects: a question about one must bring that page and no other.
const GEOGRAPHY = [
  'Lighthouses guide ships along rocky coasts at night. Their lamps turn slowly and sweep the dark sea, warning sailors about reefs and shallow water near the harbour entrance.',
  'The capital of Zorbania is Quintar, a city famous for its copper bridges and its winter market. Travellers reach Quintar by the northern railway through the pine valleys.',
  'Tomatoes grow well on a sunny balcony when they are watered every morning. Pinch out the side shoots and feed the plants weekly once the first flowers appear on the stems.',
];

type PromptMessage = { role: string; content: string };

describe('documents as context', () => {
  let server: TestServer;
  let mock: MockOpenAI;
  let api: Client;
  let user: TestUser;
  before(async () => {
    mock = await startMockOpenAI();
    // Documents over 60 tokens count as large here, so three short pages exercise the search;
    // a turn gets at most 300 tokens of passages.
    server = await startTestServer({
      env: {
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: mock.url,
        DEFAULT_MODEL: 'gpt-4o-mini',
        FILE_CONTEXT_WHOLE_TOKENS: '60',
        FILE_CONTEXT_TOKENS: '300',
      },
    });
    api = client(server.url);
    user = await registerUser(api);
  });
  after(async () => {
    await server.close();
    await mock.close();
  });

  /** Sends a seed 000 message and returns the reply and the prompt the upstream received for it. */
  async function turn(sessionId: string, content: string) {
    const before = mock.chatRequests().length;
    const res = await api.post(`/api/v1/conversations/${sessionId}/messages`, { content, model: 'gpt-4o-mini' }, { token: user.token });
    assert.equal(res.status, 200, res.text);
    const requests = mock.chatRequests().slice(before);
    const chat = requests.find((r) => (r.body.messages as PromptMessage[]).some((m) => m.role === 'user' && m.content === content));
    assert.ok(chat, 'the upstream received the turn');
    return { reply: res.body.assistant_message, prompt: chat.body.messages as PromptMessage[] };
  }

  const contextOf = (prompt: PromptMessage[]) => prompt.filter((m) => m.role === 'system').map((m) => m.content).join('\n');

  it('puts the passage that answers the question into the prompt, and only that one, and cites it', async () => {
    const session = await createConversation(api, user.token, { model: 'gpt-4o-mini' });
    const upload = await uploadFile(api, `/api/chat/sessions/${session}/upload`, user.token, makePdf(GEOGRAPHY), { filename: 'atlas.pdf' });
    assert.equal(upload.status, 201, upload.text);
    const fileId = upload.body.file.id;

    const { reply, prompt } = await turn(session, 'What is the capital of Zorbania?');
    const context = contextOf(prompt);
    assert.match(context, /<passage file="atlas\.pdf" page="2">/);
    assert.ok(context.includes(GEOGRAPHY[1]), context);
    assert.ok(!context.includes('Tomatoes'), 'an unrelated page stays out of the prompt');
    assert.ok(!context.includes('Lighthouses'), 'an unrelated page stays out of the prompt');
    // The context comes before the conversation, the question last.
    assert.equal(prompt[0].role, 'system');
    assert.equal(prompt.at(-1)?.content, 'What is the capital of Zorbania?');

    assert.equal(reply.metadata.sources.length, 1);
    const [source] = reply.metadata.sources;
    assert.equal(source.file_id, fileId);
    assert.equal(source.filename, 'atlas.pdf');
    assert.equal(source.page, 2);
    assert.match(source.snippet, /Zorbania/);

    // Stored with the reply, so any later reader sees the citation.
    const messages = await api.get(`/api/v1/conversations/${session}/messages`, { token: user.token });
    const stored = messages.body.find((m: { id: string }) => m.id === reply.id);
    assert.deepEqual(stored.metadata.sources, reply.metadata.sources);
  });

  it('finds a passage from a question that shares only some of its words', async () => {
    const session = await createConversation(api, user.token, { model: 'gpt-4o-mini' });
    assert.equal((await uploadFile(api, `/api/chat/sessions/${session}/upload`, user.token, makePdf(GEOGRAPHY))).status, 201);
    const { reply, prompt } = await turn(session, 'How should I water my tomato plants in the summer heat?');
    const context = contextOf(prompt);
    assert.ok(context.includes(GEOGRAPHY[2]), context);
    assert.ok(!context.includes('Quintar'), 'a page sharing no word with the question stays out');
    // Page 1 shares only "water": it may come along, but after the page that matches best.
    assert.equal(reply.metadata.sources[0].page, 3);
    assert.ok(!reply.metadata.sources.some((s: { page: number }) => s.page === 2));
  });

  it('puts a small document in whole, citing the pages that match', async () => {
    const session = await createConversation(api, user.token, { model: 'gpt-4o-mini' });
    const fruit = ['Apples are red.', 'Bananas are yellow.'];
    const upload = await uploadFile(api, `/api/chat/sessions/${session}/upload`, user.token, makePdf(fruit), { filename: 'fruit.pdf' });
    assert.equal(upload.status, 201);
    const { reply, prompt } = await turn(session, 'Which colour are bananas?');
    const context = contextOf(prompt);
    assert.ok(context.includes('Apples are red.') && context.includes('Bananas are yellow.'), context);
    assert.match(context, /<passage file="fruit\.pdf" page="1">[\s\S]*<passage file="fruit\.pdf" page="2">/);
    assert.deepEqual(
      reply.metadata.sources.map((s: { page: number; filename: string }) => [s.filename, s.page]),
      [['fruit.pdf', 2]],
    );
  });

  it('sends no context for a session without files, nor once its file is deleted', async () => {
    const session = await createConversation(api, user.token, { model: 'gpt-4o-mini' });
    const plain = await turn(session, 'What is the capital of Zorbania?');
    assert.ok(!plain.prompt.some((m) => m.content.includes('<documents>')));
    assert.equal(plain.reply.metadata.sources, undefined);

    const upload = await uploadFile(api, `/api/chat/sessions/${session}/upload`, user.token, makePdf(GEOGRAPHY));
    const withFile = await turn(session, 'Tell me about Quintar and Zorbania.');
    assert.ok(contextOf(withFile.prompt).includes('Quintar, a city famous'));

    const removed = await api.delete(`/api/chat/sessions/${session}/files/${upload.body.file.id}`, { token: user.token });
    assert.equal(removed.status, 200);
    const afterDelete = await turn(session, 'And the capital of Zorbania again?');
    assert.ok(!afterDelete.prompt.some((m) => m.content.includes('<documents>')));
    assert.equal(afterDelete.reply.metadata.sources, undefined);
  });

  it('keeps the passages within the token budget, the best matches first', async () => {
    const session = await createConversation(api, user.token, { model: 'gpt-4o-mini' });
    // Forty pages that all mention the river; page 17 is the one about its source.
    const pages = Array.from({ length: 40 }, (_, i) =>
      i === 16
        ? 'The source of the river Velmar is a spring high on Mount Orrin, where the river Velmar begins as a trickle.'
        : `Page ${i + 1} of the chronicle mentions the river Velmar in passing, among harvests, fairs and weather records number ${i}.`,
    );
    const upload = await uploadFile(api, `/api/chat/sessions/${session}/upload`, user.token, makePdf(pages), { filename: 'chronicle.pdf' });
    assert.equal(upload.status, 201, upload.text);

    const { reply, prompt } = await turn(session, 'Where is the source of the river Velmar?');
    const context = contextOf(prompt);
    const passages = context.match(/<passage /g) ?? [];
    assert.ok(passages.length >= 2 && passages.length < 40, `${passages.length} passages`);
    // The budget covers the passages and their labels; the fixed instructions come on top.
    assert.ok(countTokens(context) <= 300 + 60, `${countTokens(context)} tokens`);
    assert.ok(context.includes(pages[16]));
    assert.equal(reply.metadata.sources[0].page, 17);
    assert.equal(reply.metadata.sources[0].filename, 'chronicle.pdf');

    // A message with no searchable word still gets the document's opening, and cites it.
    const vague = await turn(session, 'What is this about?');
    const opening = contextOf(vague.prompt);
    assert.ok(opening.includes(pages[0]), opening);
    assert.ok(!opening.includes(pages[39]));
    assert.equal(vague.reply.metadata.sources[0].page, 1);
  });

  it('gives an assistant’s knowledge files to every conversation with it, owner only', async () => {
    const created = await api.post('/api/v1/assistants', { name: 'Atlas guide', model: 'gpt-4o-mini' }, { token: user.token });
    assert.equal(created.status, 201, created.text);
    const assistantId = created.body.id;
    const filesPath = `/api/v1/assistants/${assistantId}/files`;

    const stranger = await registerUser(api);
    assert.equal((await uploadFile(api, filesPath, stranger.token, makePdf(GEOGRAPHY))).status, 403);
    assert.equal((await api.get(filesPath, { token: stranger.token })).status, 403);
    assert.equal((await uploadFile(api, `/api/v1/assistants/${crypto.randomUUID()}/files`, user.token, makePdf(GEOGRAPHY))).status, 404);
    assert.equal((await uploadFile(api, filesPath, undefined, makePdf(GEOGRAPHY))).status, 401);

    const upload = await uploadFile(api, filesPath, user.token, makePdf(GEOGRAPHY), { filename: 'atlas.pdf' });
    assert.equal(upload.status, 201, upload.text);
    assert.equal(upload.body.file.metadata.page_count, 3);
    const again = await uploadFile(api, filesPath, user.token, makePdf(GEOGRAPHY.slice(0, 1)), { filename: 'lights.pdf' });
    assert.equal(again.status, 201);
    const list = await api.get(filesPath, { token: user.token });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((f: { filename: string }) => f.filename),
      ['atlas.pdf', 'lights.pdf'],
    );

    // A conversation started with the assistant (seed 001) gets its knowledge.
    const before = mock.chatRequests().length;
    const stream = await fetch(`${server.url}/api/v1/chat/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ assistant_id: assistantId, message: 'What is the capital of Zorbania?' }),
    });
    const text = await stream.text();
    assert.equal(stream.status, 200, text);
    const events = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const sources = events.find((e) => e.type === 'sources');
    assert.ok(sources, text);
    assert.equal(sources.sources[0].file_id, upload.body.file.id);
    assert.equal(sources.sources[0].page, 2);
    const prompt = mock.chatRequests()[before].body.messages as PromptMessage[];
    assert.ok(contextOf(prompt).includes(GEOGRAPHY[1]));
    assert.ok(!contextOf(prompt).includes('Tomatoes'));

    // The same conversation through seed 000 keeps drawing on the assistant's files.
    const sessionId = events.find((e) => e.type === 'start').session_id;
    const followUp = await turn(sessionId, 'How do tomatoes grow on a balcony?');
    assert.ok(contextOf(followUp.prompt).includes(GEOGRAPHY[2]));

    // Removed knowledge is no longer used.
    for (const f of list.body.items) {
      const del = await api.delete(`${filesPath}/${f.id}`, { token: user.token });
      assert.equal(del.status, 200);
    }
    assert.equal((await api.delete(`${filesPath}/${upload.body.file.id}`, { token: user.token })).status, 404);
    const without = await turn(sessionId, 'What is the capital of Zorbania, once more?');
    assert.ok(!without.prompt.some((m) => m.content.includes('<documents>')));
  });
});
