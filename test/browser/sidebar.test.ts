import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { useTestServer } from '../support/fixture.ts';
import { DESKTOP, openPage, PHONE, screenshot, seriousAxeViolations, useBrowser } from './support/browser.ts';
import { clipboardText, focusedText, hasFocus, waitForFirstText, waitForCount as waitForRows } from './support/page-reads.ts';
import { importPlain, loginOverHttp, randomEmail, signUpInApp } from './support/sign-in.ts';

const b = useBrowser();
const fx = useTestServer({ upstream: 'openai' });

type Plain = Parameters<typeof importPlain>[2];

/**
 * A new account registered through the form, with `conversations` made over HTTP by the same
 * account; the page is reloaded so the sidebar lists them.
 */
async function signedInWith(t: TestContext, conversations: Plain, viewport = DESKTOP, colorScheme: 'light' | 'dark' = 'light') {
  const email = randomEmail('side');
  const opened = await openPage(t, b.browser, `${fx.server.url}/register`, { viewport, colorScheme });
  await signUpInApp(opened.page, fx.server.url, email);
  const token = await loginOverHttp(fx.api, email);
  const ids = conversations.length > 0 ? await importPlain(fx.api, token, conversations) : [];
  await opened.page.reload();
  await opened.page.getByRole('button', { name: 'New chat' }).waitFor();
  return { ...opened, token, ids };
}

const list = (page: Page) => page.getByRole('list', { name: 'Conversations' });
const link = (page: Page, title: string) => list(page).getByRole('link', { name: title, exact: true });
const titles = (page: Page) => list(page).getByRole('link').allTextContents();
const row = (page: Page, title: string) =>
  list(page)
    .getByRole('listitem')
    .filter({ has: page.getByRole('link', { name: title, exact: true }) });

async function menuAction(page: Page, title: string, action: string) {
  await row(page, title).getByRole('button', { name: 'Conversation actions' }).click();
  await page.getByRole('menuitem', { name: action, exact: true }).click();
}

const waitForCount = (page: Page, count: number) => waitForRows(page, 'ul[aria-label="Conversations"] > li', count);

const toast = (page: Page, text: string) => page.locator('.toast').filter({ hasText: text });

describe('the conversation sidebar', { skip: b.skip }, () => {
  it('lists pinned conversations first and loads the next page as the list scrolls', async (t) => {
    const topics = Array.from({ length: 45 }, (_, i) => ({ title: `Topic ${String(i + 1).padStart(2, '0')}` }));
    const email = randomEmail('many');
    const { page, errors } = await openPage(t, b.browser, `${fx.server.url}/register`);
    await signUpInApp(page, fx.server.url, email);
    const token = await loginOverHttp(fx.api, email);
    const ids = await importPlain(fx.api, token, topics);
    const pin = await fx.api.patch(`/api/v1/conversations/${ids[6]}`, { pinned: true }, { token });
    assert.equal(pin.status, 200, pin.text);
    await page.reload();

    await link(page, 'Topic 07').waitFor();
    assert.equal((await titles(page))[0], 'Topic 07', 'the pinned one comes first');
    assert.equal(await list(page).getByRole('listitem').count(), 30, 'one page at first');

    await list(page).getByRole('link').last().scrollIntoViewIfNeeded();
    await waitForCount(page, 45);
    const server = await fx.api.get('/api/v1/conversations?limit=100', { token });
    assert.deepEqual(
      await titles(page),
      server.body.items.map((c: { title: string }) => c.title),
      'the server’s order: pinned first, then the most recent activity',
    );

    await link(page, 'Topic 20').click();
    await page.waitForURL(`**/c/${ids[19]}`);
    assert.equal(await link(page, 'Topic 20').getAttribute('aria-current'), 'page');
    assert.equal(await link(page, 'Topic 21').getAttribute('aria-current'), null);
    assert.deepEqual(await seriousAxeViolations(page), [], 'the sidebar with conversations has no serious axe violations');
    await screenshot(t, page, 'list');
    assert.deepEqual(errors, []);
  });

  it('finds conversations by an English word and a Chinese substring, with the match marked as text', async (t) => {
    const { page, ids } = await signedInWith(t, [
      {
        title: 'Bird notes',
        messages: [
          { role: 'user', content: 'Where do flamingos spend the winter?' },
          { role: 'assistant', content: 'Many flamingos fly to warmer lakes.' },
        ],
      },
      { title: 'Travel', messages: [{ role: 'user', content: '我们明天去北京看长城' }] },
      { title: 'Markup', messages: [{ role: 'user', content: '<img src=x onerror="document.title=1"> a zebra crossing' }] },
      { title: 'Groceries', messages: [{ role: 'user', content: 'milk and bread' }] },
    ]);
    const search = page.getByRole('searchbox', { name: 'Search conversations' });
    const results = page.getByRole('list', { name: 'Search results' });

    await search.fill('flamingo');
    await results.getByRole('link', { name: /Bird notes/ }).first().waitFor();
    assert.equal(await results.getByRole('link').filter({ hasText: 'Groceries' }).count(), 0);
    const marks = await results.locator('mark').allTextContents();
    assert.ok(marks.length > 0 && marks.every((m) => m.toLowerCase().startsWith('flamingo')), `marked: ${marks}`);
    await screenshot(t, page, 'english');

    await search.fill('zebra');
    await results.getByRole('link', { name: /Markup/ }).waitFor();
    const hit = results.getByRole('link', { name: /Markup/ });
    assert.match((await hit.textContent()) ?? '', /<img src=x onerror="document.title=1">/, 'markup shows as text');
    assert.equal(await page.locator('aside img').count(), 0, 'no element was made from it');

    await search.fill('北京');
    const travel = results.getByRole('link', { name: /Travel/ });
    await travel.waitFor();
    assert.deepEqual(await travel.locator('mark').allTextContents(), ['北京']);
    await screenshot(t, page, 'chinese');
    await travel.click();
    await page.waitForURL(`**/c/${ids[1]}`);
    await page.getByRole('main').getByText('我们明天去北京看长城').waitFor();

    // Esc empties the search and the list comes back.
    await search.press('Escape');
    await link(page, 'Groceries').waitFor();
  });

  it('renames, tags and filters, pins, archives and deletes through the menu', async (t) => {
    const { page, ids, token } = await signedInWith(t, [{ title: 'Alpha plan' }, { title: 'Beta plan' }, { title: 'Gamma plan' }]);
    await link(page, 'Alpha plan').waitFor();

    // The menu by keyboard: the first item takes focus, arrows move, Esc closes back to the button.
    const more = row(page, 'Beta plan').getByRole('button', { name: 'Conversation actions' });
    await more.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu');
    await menu.waitFor();
    assert.equal(await more.getAttribute('aria-expanded'), 'true');
    assert.equal(await focusedText(page), 'Rename');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedText(page), 'Pin');
    await screenshot(t, page, 'menu');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    assert.equal(await hasFocus(more), true);

    // Rename in place.
    await menuAction(page, 'Alpha plan', 'Rename');
    const input = page.getByRole('textbox', { name: 'Conversation title' });
    await input.fill('Alpha renamed');
    await input.press('Enter');
    await link(page, 'Alpha renamed').waitFor();
    assert.equal((await fx.api.get(`/api/v1/conversations/${ids[0]}`, { token })).body.title, 'Alpha renamed');

    // Tags, then the tag filter.
    await menuAction(page, 'Beta plan', 'Edit tags');
    const dialog = page.getByRole('dialog', { name: 'Edit tags' });
    await dialog.getByLabel('Add a tag').fill('work');
    await dialog.getByLabel('Add a tag').press('Enter');
    await dialog.getByRole('button', { name: 'Remove tag work' }).waitFor();
    await screenshot(t, page, 'tags');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual((await fx.api.get(`/api/v1/conversations/${ids[1]}`, { token })).body.tags, ['work']);
    const chip = page.getByRole('button', { name: 'work', exact: true });
    await chip.click();
    assert.equal(await chip.getAttribute('aria-pressed'), 'true');
    await waitForCount(page, 1);
    assert.deepEqual(await titles(page), ['Beta plan']);
    await chip.click();
    await waitForCount(page, 3);

    // Pin: first in the list.
    await menuAction(page, 'Gamma plan', 'Pin');
    await waitForFirstText(page, 'ul[aria-label="Conversations"] a', 'Gamma plan');

    // Archive: gone from the list, in the archive.
    await menuAction(page, 'Gamma plan', 'Archive');
    await waitForCount(page, 2);
    const archived = page.getByRole('button', { name: 'Archived' });
    await archived.click();
    await link(page, 'Gamma plan').waitFor();
    await waitForCount(page, 1);
    await menuAction(page, 'Gamma plan', 'Unarchive');
    await waitForCount(page, 0);
    await archived.click();
    await waitForCount(page, 3);

    // Delete the open one: confirmed in a dialog, then back to a new chat.
    await link(page, 'Alpha renamed').click();
    await page.waitForURL(`**/c/${ids[0]}`);
    await menuAction(page, 'Alpha renamed', 'Delete');
    const confirm = page.getByRole('dialog', { name: 'Delete conversation?' });
    await confirm.waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'the dialog has no serious axe violations');
    await screenshot(t, page, 'delete');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await link(page, 'Alpha renamed').waitFor({ state: 'detached' });
    await page.waitForURL(`${fx.server.url}/`);
    assert.equal((await fx.api.get(`/api/v1/conversations/${ids[0]}`, { token })).status, 404);
  });

  it('exports a conversation as Markdown and as JSON downloads', async (t) => {
    const { page } = await signedInWith(t, [
      { title: 'Export me', messages: [{ role: 'user', content: 'What is a haiku?' }, { role: 'assistant', content: 'A short poem.' }] },
    ]);
    await link(page, 'Export me').waitFor();

    const markdown = page.waitForEvent('download');
    await menuAction(page, 'Export me', 'Export as Markdown');
    const md = await markdown;
    assert.equal(md.suggestedFilename(), 'Export me.md');
    const mdText = readFileSync((await md.path())!, 'utf8');
    assert.match(mdText, /What is a haiku\?/);
    assert.match(mdText, /A short poem\./);

    const json = page.waitForEvent('download');
    await menuAction(page, 'Export me', 'Export as JSON');
    const js = await json;
    assert.equal(js.suggestedFilename(), 'Export me.json');
    const doc = JSON.parse(readFileSync((await js.path())!, 'utf8'));
    assert.equal(doc.format, 'parley');
    assert.equal(doc.messages.length, 2);
  });

  it('shares a conversation: the copied link opens it signed out, until sharing stops', async (t) => {
    const { page, context } = await signedInWith(t, [
      { title: 'Shared recipe', messages: [{ role: 'user', content: 'How long do I boil an egg?' }, { role: 'assistant', content: 'About nine minutes.' }] },
    ]);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fx.server.url });
    await link(page, 'Shared recipe').waitFor();
    await menuAction(page, 'Shared recipe', 'Share');
    await toast(page, 'Link copied').waitFor();
    const url = await clipboardText(page);
    assert.match(url, /\/s\/[\w-]+$/);

    const reader = await openPage(t, b.browser, url);
    await reader.page.getByText('About nine minutes.').waitFor();
    await screenshot(t, reader.page, 'shared-page');

    // Shared now: the menu offers to stop.
    await menuAction(page, 'Shared recipe', 'Stop sharing');
    await toast(page, 'Sharing stopped').waitFor();
    const gone = await fetch(url);
    assert.equal(gone.status, 404);
  });

  it('imports a plain JSON file and says how many, or why not', async (t) => {
    const { page } = await signedInWith(t, []);
    const dir = mkdtempSync(join(tmpdir(), 'parley-import-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const good = join(dir, 'notes.json');
    writeFileSync(good, JSON.stringify({ title: 'Imported notes', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ messages: [{ role: 'robot', content: 'beep' }] }));

    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Import' }).click();
    await (await chooser).setFiles(good);
    await toast(page, 'Imported 1 conversation (2 messages)').waitFor();
    await link(page, 'Imported notes').waitFor();

    const again = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Import' }).click();
    await (await again).setFiles(bad);
    const failure = page.locator('.toast-error');
    await failure.waitFor();
    assert.match((await failure.textContent()) ?? '', /^Import failed: /);
    await screenshot(t, page, 'import-failed');
    await waitForCount(page, 1);
  });

  it('opens from the menu button on a phone and a conversation can be opened', async (t) => {
    const { page, ids, token } = await signedInWith(t, [{ title: 'Pocket talk' }, { title: 'Another one' }], PHONE, 'dark');
    const tagged = await fx.api.patch(`/api/v1/conversations/${ids[1]}`, { tags: ['home'], pinned: true }, { token });
    assert.equal(tagged.status, 200, tagged.text);
    await page.reload();
    const toggle = page.getByRole('button', { name: 'Open conversations' });
    await link(page, 'Pocket talk').waitFor();
    const closed = (await link(page, 'Pocket talk').boundingBox())!;
    assert.ok(closed.x + closed.width <= 0, 'the drawer starts closed, off the screen');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await page.waitForTimeout(300); // the slide-in transition
    const open = (await link(page, 'Pocket talk').boundingBox())!;
    assert.ok(open.x >= 0 && open.x + open.width <= PHONE.width, 'the drawer is on the screen');
    await screenshot(t, page, 'drawer');
    assert.deepEqual(await seriousAxeViolations(page), [], 'the dark drawer has no serious axe violations');
    await link(page, 'Pocket talk').click();
    await page.waitForURL(`**/c/${ids[0]}`);
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false', 'opening a conversation closes the drawer');
    await screenshot(t, page, 'opened');
  });
});
