import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';
import { makePdf } from '../support/pdf.ts';
import { eventually } from '../support/stream-reader.ts';
import { openPage, PHONE, registerInApp, screenshot, seriousAxeViolations, useBrowser } from './support/browser.ts';

const fx = useTestServer({ upstream: 'openai' });
const b = useBrowser();

const GEOGRAPHY = [
  'Lighthouses guide ships along rocky coasts at night. Their lamps turn slowly and sweep the dark sea, warning sailors about reefs.',
  'The capital of Zorbania is Quintar, a city famous for its copper bridges and its winter market.',
  'Tomatoes grow well on a sunny balcony when they are watered every morning.',
];

type Ctx = TestContext;
const email = () => `chat-${crypto.randomUUID().slice(0, 8)}@example.test`;

/** Opens `path` signed in as `user` (the app keeps its tokens in localStorage). */
async function openSignedIn(t: Ctx, user: TestUser, path: string, opts: Parameters<typeof openPage>[3] = {}) {
  const opened = await openPage(t, b.browser, `${fx.server.url}/login`, opts);
  await opened.page.evaluate(
    (session) => (globalThis as any).localStorage.setItem('parley.session', session),
    JSON.stringify({ accessToken: user.token, refreshToken: user.refreshToken, expiresAt: Date.now() + 10 * 60_000 }),
  );
  await opened.page.goto(`${fx.server.url}${path}`);
  await opened.page.getByRole('textbox', { name: 'Message' }).waitFor();
  return opened;
}

/** A titled conversation (no title request reaches the mock) with one finished turn per pair. */
async function conversationWith(user: TestUser, turns: [string, string][]): Promise<string> {
  const id = await createConversation(fx.api, user.token, { title: 'Fixture', model: 'gpt-4o-mini' });
  for (const [question, answer] of turns) {
    fx.mock.enqueue({ tokens: [answer] });
    const res = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: question }, { token: user.token });
    assert.equal(res.status, 200, res.text);
  }
  return id;
}

const reply = (page: Page) => page.locator('.msg-assistant').last();
const typeAndSend = async (page: Page, text: string) => {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
};

describe('chat screen', { skip: b.skip }, () => {
  it('sends a first message: the conversation is created, the reply streams in, the sidebar lists it', async (t) => {
    const { page, errors } = await openPage(t, b.browser, `${fx.server.url}/login`);
    await registerInApp(page, fx.server.url, email());
    assert.equal(await page.getByRole('combobox', { name: 'Model' }).isVisible(), true);
    await screenshot(t, page, 'empty');

    const titleCallsBefore = fx.mock.requests.length;
    fx.mock.enqueue({ tokens: ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog.'], delayMs: 120 });
    await typeAndSend(page, 'Tell me about foxes');
    await page.getByText('Tell me about foxes').waitFor();
    // Partial text before the end.
    await reply(page).getByText(/The quick brown/).waitFor();
    assert.doesNotMatch((await reply(page).textContent()) ?? '', /lazy dog\./, 'the reply is still being written');
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await screenshot(t, page, 'streaming');
    await reply(page).getByText('The quick brown fox jumps over the lazy dog.').waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/c\/[0-9a-f-]{36}$/, 'the page moved to the new conversation');

    // The title arrives after the turn (here the mock's default reply) and the sidebar shows it.
    await eventually(() => fx.mock.requests.slice(titleCallsBefore).some((r) => r.body?.max_tokens === 24));
    await page.getByRole('list', { name: 'Conversations' }).getByRole('link', { name: 'Hello from the mock' }).waitFor();
    await screenshot(t, page, 'done');
    assert.deepEqual(errors, []);
  });

  it('stops a reply mid-way: the upstream request is aborted and the reply marked stopped', async (t) => {
    const user = await registerUser(fx.api);
    const id = await conversationWith(user, []);
    const { page } = await openSignedIn(t, user, `/c/${id}`);
    // Long enough (20 s) that a slow machine still finds the reply streaming when it clicks Stop.
    const tokens = Array.from({ length: 200 }, (_, i) => ` word${i}`);
    fx.mock.enqueue({ tokens, delayMs: 100 });
    await typeAndSend(page, 'Count slowly');
    await reply(page).getByText(/word2/).waitFor();
    const upstream = fx.mock.requests.at(-1)!;
    await page.getByRole('button', { name: 'Stop' }).click();
    await reply(page).getByText('Stopped').waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await eventually(() => upstream.aborted);
    assert.doesNotMatch((await reply(page).textContent()) ?? '', /word199/);
    const stored = await fx.api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(stored.body.at(-1).status, 'incomplete');
    await screenshot(t, page, 'stopped');
  });

  it('regenerates a reply and switches between its versions', async (t) => {
    const user = await registerUser(fx.api);
    const id = await conversationWith(user, [['Pick a colour', 'Blue, first version.']]);
    const { page } = await openSignedIn(t, user, `/c/${id}`);
    await reply(page).getByText('Blue, first version.').waitFor();

    fx.mock.enqueue({ tokens: ['Green,', ' second', ' version.'], delayMs: 30 });
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await reply(page).getByText('Green, second version.').waitFor();
    const switcher = reply(page).locator('.branch-switcher');
    await switcher.getByText('2 / 2').waitFor();
    await screenshot(t, page, 'regenerated');

    await switcher.getByRole('button', { name: 'Previous version' }).click();
    await reply(page).getByText('Blue, first version.').waitFor();
    await reply(page).getByText('1 / 2').waitFor();
    assert.equal(await reply(page).getByText('Green, second version.').count(), 0);
    await reply(page).getByRole('button', { name: 'Next version' }).click();
    await reply(page).getByText('Green, second version.').waitFor();
    await reply(page).getByText('2 / 2').waitFor();
    await screenshot(t, page, 'switched-back');
  });

  it('edits a sent message into a new branch the model reads', async (t) => {
    const user = await registerUser(fx.api);
    const id = await conversationWith(user, [
      ['What is 2 + 2?', 'It is 4.'],
      ['And 3 + 3?', 'It is 6.'],
    ]);
    const { page } = await openSignedIn(t, user, `/c/${id}`);
    const second = page.locator('.msg-user').filter({ hasText: 'And 3 + 3?' });
    await second.hover();
    await second.getByRole('button', { name: 'Edit message' }).click();
    const editor = page.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('And 5 + 5?');
    await screenshot(t, page, 'editing');
    fx.mock.enqueue({ tokens: ['It is', ' 10.'], delayMs: 30 });
    await page.getByRole('button', { name: 'Save' }).click();
    await reply(page).getByText('It is 10.').waitFor();
    const edited = page.locator('.msg-user').filter({ hasText: 'And 5 + 5?' });
    await edited.getByText('2 / 2').waitFor();
    // The thread is read again once the turn has ended: the old branch leaves it then.
    await page.locator('.thread').getByText('And 3 + 3?').waitFor({ state: 'detached' });
    assert.equal(await page.locator('.thread').getByText('And 3 + 3?').count(), 0, 'the old branch is not shown');
    const context = fx.mock.chatRequests().at(-1)!.body.messages.map((m: { role: string; content: string }) => `${m.role}: ${m.content}`);
    assert.deepEqual(context.slice(-3), ['user: What is 2 + 2?', 'assistant: It is 4.', 'user: And 5 + 5?']);
    await screenshot(t, page, 'edited');
  });

  it('shows a failed reply and a refused message inline, each with Retry', async (t) => {
    const user = await registerUser(fx.api);
    const id = await conversationWith(user, []);
    const { page } = await openSignedIn(t, user, `/c/${id}`);
    fx.mock.enqueue({ status: 503, errorMessage: 'upstream overloaded' });
    await typeAndSend(page, 'Will this work?');
    const failure = reply(page).getByRole('alert');
    await failure.getByText('The openai provider failed with 503: upstream overloaded').waitFor();
    await screenshot(t, page, 'failed-reply');
    fx.mock.enqueue({ tokens: ['Recovered.'] });
    await failure.getByRole('button', { name: 'Retry' }).click();
    await reply(page).getByText('Recovered.').waitFor();
    await reply(page).getByText('2 / 2').waitFor();

    // Refused before anything is stored: the message stays on screen with the reason.
    await page.getByRole('textbox', { name: 'Message' }).fill('x'.repeat(100_001));
    await page.getByRole('button', { name: 'Send' }).click();
    const refused = page.locator('.bubble-failed + .reply-error');
    await refused.getByText(/100000/).waitFor();
    await refused.getByRole('button', { name: 'Retry' }).waitFor();
    const stored = await fx.api.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
    assert.equal(stored.body.length, 2, 'nothing more was stored');
    await screenshot(t, page, 'refused-message');
  });

  it('continues a reply after a reload in the middle of it', async (t) => {
    const user = await registerUser(fx.api);
    const id = await conversationWith(user, []);
    const { page } = await openSignedIn(t, user, `/c/${id}`);
    const tokens = Array.from({ length: 16 }, (_, i) => ` part${i}`);
    fx.mock.enqueue({ tokens, delayMs: 120 });
    await typeAndSend(page, 'Write sixteen parts');
    await reply(page).getByText(/part2/).waitFor();
    await page.reload();
    await page.getByText('Write sixteen parts').waitFor();
    await reply(page).getByText(/part15/).waitFor({ timeout: 8000 });
    await page.getByRole('button', { name: 'Send' }).waitFor();
    assert.equal((await reply(page).locator('.md').textContent())?.trim(), tokens.join('').trim(), 'the whole reply, once');
    await screenshot(t, page, 'continued');
  });

  it('attaches PDFs (button and drop) and shows the cited source under the reply', async (t) => {
    const user = await registerUser(fx.api);
    const id = await conversationWith(user, []);
    const { page } = await openSignedIn(t, user, `/c/${id}`);
    await page.getByRole('region', { name: 'Chat' }).locator('input[type="file"]').setInputFiles({ name: 'atlas.pdf', mimeType: 'application/pdf', buffer: makePdf(GEOGRAPHY) });
    const chips = page.getByRole('list', { name: 'Attached documents' });
    await chips.getByText('atlas.pdf').waitFor();
    await chips.getByText('3 pages').waitFor();

    // Dropped onto the chat area.
    const pdf = makePdf(['A second document about nothing in particular.']).toString('base64');
    await page.evaluate((data) => {
      // Runs in the page; the test process has no DOM types.
      const g = globalThis as any;
      const bytes = Uint8Array.from(g.atob(data) as string, (c) => c.charCodeAt(0));
      const transfer = new g.DataTransfer();
      transfer.items.add(new File([bytes], 'notes.pdf', { type: 'application/pdf' }));
      const target = g.document.querySelector('.chat-scroll');
      target.dispatchEvent(new g.DragEvent('dragenter', { bubbles: true, dataTransfer: transfer }));
      target.dispatchEvent(new g.DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }, pdf);
    await chips.getByText('notes.pdf').waitFor();
    await chips.getByText('1 page').waitFor();
    await page.getByRole('button', { name: 'Remove notes.pdf' }).click();
    await eventually(async () => (await chips.getByText('notes.pdf').count()) === 0);
    const listed = await fx.api.get(`/api/chat/sessions/${id}/files`, { token: user.token });
    assert.deepEqual(
      listed.body.items.map((f: { filename: string }) => f.filename),
      ['atlas.pdf'],
    );

    fx.mock.enqueue({ tokens: ['Quintar', ' (atlas.pdf, page 2).'], delayMs: 30 });
    await typeAndSend(page, 'What is the capital of Zorbania?');
    await reply(page).getByText('Quintar (atlas.pdf, page 2).').waitFor();
    const sources = reply(page).getByRole('list', { name: 'Sources' });
    await sources.getByText('atlas.pdf').waitFor();
    await sources.getByText('page 2').waitFor();
    await sources.getByText(/capital of Zorbania is Quintar/).waitFor();
    await screenshot(t, page, 'sources');
  });

  it('renders Markdown: highlighted code with Copy, tables, math, and inert HTML; no serious axe violations', async (t) => {
    const user = await registerUser(fx.api);
    const id = await conversationWith(user, []);
    const { page, context, errors } = await openSignedIn(t, user, `/c/${id}`);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fx.server.url });
    const markdown = [
      'Here is code:',
      '',
      '```python',
      'def greet(name):',
      '    return f"Hello {name}"',
      '```',
      '',
      '| Planet | Moons |',
      '|---|---|',
      '| Earth | 1 |',
      '| Mars | 2 |',
      '',
      'Energy: $E = mc^2$ and [a link](https://example.com).',
      '',
      '<script>globalThis.pwned = 1</script><img src="x" onerror="globalThis.pwned = 2">',
    ].join('\n');
    // Split mid-construct, as a provider's tokens fall.
    const tokens = markdown.match(/[\s\S]{1,7}/g)!;
    fx.mock.enqueue({ tokens, delayMs: 5 });
    await typeAndSend(page, 'Show me Markdown');
    const answer = reply(page);
    await answer.getByRole('table').getByRole('cell', { name: 'Mars' }).waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await answer.locator('code.hljs .hljs-keyword').first().waitFor();
    await answer.locator('.katex').first().waitFor();
    const link = answer.getByRole('link', { name: 'a link' });
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    // The HTML is shown as text and never runs.
    await answer.getByText('<script>globalThis.pwned = 1</script>', { exact: false }).waitFor();
    assert.equal(await answer.locator('script, img').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned), undefined);

    await answer.getByRole('button', { name: 'Copy code' }).click();
    await page.getByText('Copied').waitFor();
    const copied = await page.evaluate(() => (globalThis as any).navigator.clipboard.readText() as Promise<string>);
    assert.equal(copied, 'def greet(name):\n    return f"Hello {name}"');
    await screenshot(t, page, 'markdown');

    assert.deepEqual(await seriousAxeViolations(page), [], 'no serious axe violations with a reply showing');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await seriousAxeViolations(page), [], 'none in the dark theme either');
    await screenshot(t, page, 'markdown-dark');
    assert.deepEqual(errors, []);
  });

  it('shows what another tab of the same user sends, as it streams', async (t) => {
    const user = await registerUser(fx.api);
    const id = await conversationWith(user, [['First question', 'First answer.']]);
    const first = await openSignedIn(t, user, `/c/${id}`);
    const second = await openSignedIn(t, user, `/c/${id}`);
    await reply(first.page).getByText('First answer.').waitFor();

    fx.mock.enqueue({ tokens: ['Second', ' answer', ' from', ' the', ' other', ' tab.'], delayMs: 100 });
    await typeAndSend(second.page, 'Second question');
    await first.page.getByText('Second question').waitFor();
    await reply(first.page).getByText('Second answer from the other tab.').waitFor();
    await reply(second.page).getByText('Second answer from the other tab.').waitFor();
    await screenshot(t, first.page, 'first-tab');
  });

  it('opens a long conversation at its end, then adds older messages as the reader scrolls up without moving what is on screen', async (t) => {
    const user = await registerUser(fx.api);
    const messages = [];
    for (let i = 0; i < 60; i++) {
      messages.push({ role: 'user', content: `Question ${i}: what is ${i} squared?` });
      messages.push({ role: 'assistant', content: `Answer ${i}: it is ${i * i}.\n\n\`\`\`python\ndef square(n):\n    return n * n  # ${i}\n\`\`\`` });
    }
    const imported = await fx.api.post('/api/v1/import', { title: 'Squares', messages }, { token: user.token });
    assert.equal(imported.status, 201, imported.text);
    const [id] = imported.body.conversation_ids as string[];
    const { page, errors } = await openSignedIn(t, user, `/c/${id}`);
    const thread = page.locator('.thread');
    await thread.getByText('Answer 59:').waitFor();

    // Only the newest messages are in the page, and it opens at its end.
    const rows = thread.locator('.msg-row');
    const first = await rows.count();
    assert.ok(first >= 40 && first < 60, `${first} messages at first`);
    assert.equal(await thread.getByText('Question 0:').count(), 0);
    const scroller = page.locator('.chat-scroll');
    const gap = await scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    assert.ok(gap < 2, `${gap} px from the end`);
    await reply(page).locator('code.hljs .hljs-keyword').first().waitFor();

    // Keyboards and screen readers get older messages with a button.
    const earlier = page.getByRole('button', { name: 'Show earlier messages' });
    await earlier.focus();
    await page.keyboard.press('Enter');
    await eventually(async () => (await rows.count()) >= first + 20);

    // Straight to the top (Home, or the scrollbar dragged up): the next chunk is added above
    // what the reader sees there, which stays in place.
    const atTop = await scroller.evaluate(
      (el) =>
        new Promise<{ before: number; after: number; added: number }>((resolve) => {
          el.scrollTop = 0;
          const top = el.getBoundingClientRect().top;
          const count = () => el.querySelectorAll('.msg-row').length;
          const shown = count();
          const row = [...el.querySelectorAll('.msg-row')].find((r) => r.getBoundingClientRect().top >= top) as Element;
          const before = row.getBoundingClientRect().top;
          const wait = () => {
            if (count() === shown) return requestAnimationFrame(wait);
            requestAnimationFrame(() =>
              requestAnimationFrame(() => resolve({ before, after: row.getBoundingClientRect().top, added: count() - shown })),
            );
          };
          requestAnimationFrame(wait);
        }),
    );
    assert.ok(atTop.added >= 20, `${atTop.added} added`);
    assert.ok(Math.abs(atTop.after - atTop.before) <= 1, `moved from ${atTop.before} to ${atTop.after}`);

    // Scrolling up, frame by frame, to the top: whatever is on screen moves by exactly the
    // distance scrolled, chunks added above or not, until every message is there.
    const moves = await scroller.evaluate(
      (el, step) =>
        new Promise<{ expected: number; actual: number }[]>((resolve) => {
          const moves: { expected: number; actual: number }[] = [];
          const onScreen = () => {
            const top = el.getBoundingClientRect().top;
            return [...el.querySelectorAll('.msg-row')].find((row) => row.getBoundingClientRect().top >= top) as Element;
          };
          let frames = 0;
          const tick = () => {
            const more = el.querySelector('.thread-more');
            if ((el.scrollTop <= 0 && !more) || frames++ > 500) return resolve(moves);
            const row = onScreen();
            const before = row.getBoundingClientRect().top;
            const expected = Math.min(step, el.scrollTop);
            el.scrollTop -= step;
            // Two frames: the one that scrolls (and may add a chunk), and the next.
            requestAnimationFrame(() =>
              requestAnimationFrame(() => {
                moves.push({ expected, actual: Math.round(row.getBoundingClientRect().top - before) });
                tick();
              }),
            );
          };
          tick();
        }),
      400,
    );
    assert.equal(await rows.count(), 120, 'every message is in the page');
    await thread.getByText('Question 0:').waitFor();
    const jumps = moves.filter((m) => Math.abs(m.actual - m.expected) > 1);
    assert.deepEqual(jumps, [], `${moves.length} steps`);

    // The oldest reply is finished like the newest: highlighted, with its Copy button.
    const oldest = page.locator('.msg-assistant').filter({ hasText: 'Answer 0:' });
    await oldest.locator('code.hljs .hljs-keyword').first().waitFor();
    assert.equal(await oldest.getByRole('button', { name: 'Copy code' }).count(), 1);
    await screenshot(t, page, 'oldest');
    assert.deepEqual(await seriousAxeViolations(page), []);
    assert.deepEqual(errors, []);
  });

  it('works on a phone', async (t) => {
    const user = await registerUser(fx.api);
    const id = await conversationWith(user, [['A phone question', 'A phone answer with `code` and a long line that wraps on a narrow screen.']]);
    const { page } = await openSignedIn(t, user, `/c/${id}`, { viewport: PHONE });
    await reply(page).getByText(/A phone answer/).waitFor();
    fx.mock.enqueue({ tokens: ['Short', ' reply.'] });
    await typeAndSend(page, 'Another one');
    await reply(page).getByText('Short reply.').waitFor();
    const overflow = await page.evaluate(() => {
      const doc = (globalThis as any).document.documentElement as { scrollWidth: number; clientWidth: number };
      return doc.scrollWidth - doc.clientWidth;
    });
    assert.equal(overflow, 0, 'nothing is wider than the screen');
    // The reply's text shows before its turn has ended; Send replaces Stop once it has.
    await page.getByRole('button', { name: 'Send' }).waitFor();
    for (const name of ['Send', 'Attach PDF']) assert.equal(await page.getByRole('button', { name }).isVisible(), true, name);
    await screenshot(t, page, 'phone');
    await page.goto(`${fx.server.url}/`);
    await page.getByText('What can I help with?').waitFor();
    await screenshot(t, page, 'phone-empty');
  });
});
