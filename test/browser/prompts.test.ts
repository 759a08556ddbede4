import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { registerUser, type TestUser } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';
import { PHONE, screenshot, seriousAxeViolations, useBrowser } from './support/browser.ts';
import { openSignedIn } from './support/sign-in.ts';

const fx = useTestServer({ upstream: 'openai', env: { DEFAULT_MODEL: 'gpt-4o-mini' } });
const b = useBrowser();

const ownPrompts = (user: TestUser) => fx.api.get('/api/chat/prompts?include_templates=false', { token: user.token });
const card = (page: Page, title: string) => page.getByRole('article', { name: title, exact: true });

describe('prompt library', { skip: b.skip }, () => {
  let user: TestUser;
  before(async () => {
    user = await registerUser(fx.api);
  });

  it('creates a prompt with a variable, previews, edits and deletes it', async (t) => {
    const { page, errors } = await openSignedIn(t, b.browser, user, `${fx.server.url}/prompts`);
    await page.getByRole('heading', { name: 'Prompts', level: 1 }).waitFor();
    await page.getByText('You have no prompts yet.').waitFor();
    // The system templates every user may use are listed under their own heading.
    await page.getByRole('heading', { name: 'Templates' }).waitFor();
    await screenshot(t, page, 'empty');

    await page.getByRole('button', { name: 'New prompt' }).click();
    const editor = page.getByRole('dialog', { name: 'New prompt' });
    await editor.getByLabel('Title').fill('Haiku maker');
    await editor.getByLabel('Category').fill('writing');
    await editor.getByLabel('Description').fill('Short poems on demand');
    await editor.getByLabel('Content').fill('Write a haiku about {topic} in {language}. Keep {{braces}}.');
    await editor.getByText('topic', { exact: true }).waitFor();
    await screenshot(t, page, 'editor');
    const editorViolations = await seriousAxeViolations(page);
    assert.deepEqual(editorViolations, [], JSON.stringify(editorViolations, null, 2));
    await editor.getByRole('button', { name: 'Create prompt' }).click();
    await editor.waitFor({ state: 'detached' });

    await card(page, 'Haiku maker').waitFor();
    let stored = await ownPrompts(user);
    assert.equal(stored.body.total, 1);
    const created = stored.body.items[0];
    assert.deepEqual(
      [created.title, created.content, created.scenario, created.description],
      ['Haiku maker', 'Write a haiku about {topic} in {language}. Keep {{braces}}.', 'writing', 'Short poems on demand'],
    );
    assert.match((await card(page, 'Haiku maker').textContent()) ?? '', /2 variables/);

    // Preview: the server fills in the variables and runs the prompt through the model once.
    fx.mock.setDefault({ tokens: ['Autumn', ' leaves'], usage: { prompt_tokens: 12, completion_tokens: 2 } });
    const before = fx.mock.requests.length;
    await page.getByRole('button', { name: 'Preview Haiku maker' }).click();
    const preview = page.getByRole('dialog', { name: 'Preview: Haiku maker' });
    await preview.getByLabel('topic').fill('autumn');
    await preview.getByLabel('language').fill('English');
    await preview.getByText('Write a haiku about autumn in English. Keep {braces}.').waitFor();
    await preview.getByRole('button', { name: 'Run preview' }).click();
    await preview.getByRole('region', { name: 'Model reply' }).getByText('Autumn leaves').waitFor();
    assert.equal(fx.mock.requests.length, before + 1);
    const sent = fx.mock.requests.at(-1)!.body.messages.at(-1).content;
    assert.equal(sent, 'Write a haiku about autumn in English. Keep {braces}.');
    await screenshot(t, page, 'preview');
    await page.keyboard.press('Escape');
    await preview.waitFor({ state: 'detached' });
    await card(page, 'Haiku maker').getByText('Used 1 time').waitFor();

    await page.getByRole('button', { name: 'Edit Haiku maker' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit prompt' });
    assert.equal(await edit.getByLabel('Title').inputValue(), 'Haiku maker');
    await edit.getByLabel('Title').fill('Haiku studio');
    await edit.getByLabel('Content').fill('Write a haiku about {topic}.');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    await card(page, 'Haiku studio').waitFor();
    assert.equal(await card(page, 'Haiku maker').count(), 0);
    stored = await ownPrompts(user);
    assert.deepEqual([stored.body.items[0].title, stored.body.items[0].content], ['Haiku studio', 'Write a haiku about {topic}.']);

    const violations = await seriousAxeViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));

    // Delete asks first; Cancel keeps the prompt.
    await page.getByRole('button', { name: 'Delete Haiku studio' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete prompt?' });
    await confirm.getByText('“Haiku studio” will be deleted for good.').waitFor();
    await screenshot(t, page, 'confirm-delete');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal((await ownPrompts(user)).body.total, 1);

    await page.getByRole('button', { name: 'Delete Haiku studio' }).click();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByText('You have no prompts yet.').waitFor();
    assert.equal((await ownPrompts(user)).body.total, 0);
    assert.equal((await fx.api.get(`/api/chat/prompts/${created.id}`, { token: user.token })).status, 404);
    assert.deepEqual(errors, []);
  });

  it('shows the server’s refusal in the editor and searches the library (phone, dark)', async (t) => {
    const other = await registerUser(fx.api);
    for (const title of ['Release notes', 'Bug report']) {
      const res = await fx.api.post('/api/chat/prompts', { title, content: `${title} for {project}` }, { token: other.token });
      assert.equal(res.status, 201, res.text);
    }
    const { page } = await openSignedIn(t, b.browser, other, `${fx.server.url}/prompts`, { viewport: PHONE, colorScheme: 'dark' });
    await card(page, 'Release notes').waitFor();
    await screenshot(t, page, 'list');
    const violations = await seriousAxeViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
    await page.getByRole('searchbox', { name: 'Search prompts' }).fill('release');
    await page.waitForResponse((r) => r.url().includes('/api/chat/prompts?') && r.url().includes('search=release'));
    await card(page, 'Bug report').waitFor({ state: 'detached' });
    await card(page, 'Release notes').waitFor();

    await page.getByRole('button', { name: 'New prompt' }).click();
    const editor = page.getByRole('dialog', { name: 'New prompt' });
    // Past the server's 200 characters, as a client without the field's own limit would send it.
    await editor.getByLabel('Title').evaluate((el) => {
      (el as unknown as { maxLength: number }).maxLength = 1000;
    });
    await editor.getByLabel('Title').fill('x'.repeat(201));
    await editor.getByLabel('Content').fill('Some content');
    await editor.getByRole('button', { name: 'Create prompt' }).click();
    await editor.getByRole('alert').filter({ hasText: /title/ }).waitFor();
    await screenshot(t, page, 'refused');
    assert.equal((await ownPrompts(other)).body.total, 2);
  });
});

describe('inserting a prompt into the chat composer', { skip: b.skip }, () => {
  let user: TestUser;
  before(async () => {
    user = await registerUser(fx.api);
    const res = await fx.api.post(
      '/api/chat/prompts',
      { title: 'Translate', content: 'Translate {text} into {language}; keep {{tags}} as they are.', description: 'Any language' },
      { token: user.token },
    );
    assert.equal(res.status, 201, res.text);
  });

  it('fills in the variables and puts the text in the message box, without calling a model', async (t) => {
    const { page } = await openSignedIn(t, b.browser, user, `${fx.server.url}/`);
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.fill('Please: ');
    const insert = page.getByRole('button', { name: 'Insert prompt' });

    // Esc closes the dialog and gives focus back to the button.
    await insert.click();
    const dialog = page.getByRole('dialog', { name: 'Insert a prompt' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await insert.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement), true);

    // Keyboard only: open, search, pick, fill, insert.
    const calls = fx.mock.requests.length;
    await insert.press('Enter');
    await dialog.waitFor();
    const search = dialog.getByRole('searchbox', { name: 'Search prompts' });
    assert.equal(await search.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement), true);
    await page.keyboard.type('transl');
    const choice = dialog.getByRole('button', { name: 'Translate Any language' });
    await choice.waitFor();
    await screenshot(t, page, 'picker');
    const violations = await seriousAxeViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
    await choice.focus();
    await page.keyboard.press('Enter');

    const form = page.getByRole('dialog', { name: 'Translate' });
    // The first variable's field takes focus once the form is drawn: typing waits for it.
    await form.getByLabel('text', { exact: true }).and(page.locator(':focus')).waitFor();
    await page.keyboard.type('good morning');
    await form.getByLabel('language', { exact: true }).fill('French');
    await form.getByText('Translate good morning into French; keep {tags} as they are.').waitFor();
    await screenshot(t, page, 'fill');
    await form.getByRole('button', { name: 'Insert' }).click();
    await form.waitFor({ state: 'detached' });

    assert.equal(await message.inputValue(), 'Please: Translate good morning into French; keep {tags} as they are.');
    assert.equal(fx.mock.requests.length, calls, 'inserting runs no model');
    await screenshot(t, page, 'inserted');
  });
});
