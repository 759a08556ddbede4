import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';
import { openPage, screenshot, seriousAxeViolations, useBrowser } from './support/browser.ts';
import { randomEmail, signInInApp, signUpInApp } from './support/sign-in.ts';

const b = useBrowser();
// The fixture's user is the first registered: the instance's admin.
const fx = useTestServer({ upstream: 'openai' });

const userRow = (page: Page, email: string) =>
  page
    .getByRole('table', { name: 'Users' })
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: email, exact: true }) });

async function asAdmin(t: Parameters<typeof openPage>[0]) {
  const opened = await openPage(t, b.browser, `${fx.server.url}/login`);
  await signInInApp(opened.page, fx.server.url, fx.user.email, fx.user.password);
  await opened.page.getByRole('link', { name: 'Admin' }).click();
  await opened.page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  return opened;
}

describe('the admin screen', { skip: b.skip }, () => {
  let worker: TestUser;
  const others: TestUser[] = [];

  before(async () => {
    assert.equal(fx.user.role, 'admin');
    worker = await registerUser(fx.api, { email: randomEmail('worker') });
    for (let i = 0; i < 21; i++) others.push(await registerUser(fx.api));
    // Usage for one user: one titled turn (no title call), 21 + 4 tokens from the mock.
    const id = await createConversation(fx.api, worker.token, { title: 'work', model: 'gpt-4o' });
    const sent = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content: 'hello' }, { token: worker.token });
    assert.equal(sent.status, 200, sent.text);
  });

  it('lists users a page at a time and finds them by email', async (t) => {
    const { page, errors } = await asAdmin(t);
    const table = page.getByRole('table', { name: 'Users' });
    await userRow(page, others[20].email).waitFor();
    // 23 users, newest first: the first page holds 20 of them.
    assert.equal(await table.locator('tbody > tr').count(), 20);
    await page.getByText('1–20 of 23').waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'the admin screen has no serious axe violations');
    await screenshot(t, page, 'users');

    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('21–23 of 23').waitFor();
    await userRow(page, fx.user.email).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Next' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByText('1–20 of 23').waitFor();

    await page.getByLabel('Search users').fill(worker.email.split('@')[0].toUpperCase());
    await page.getByText('1–1 of 1').waitFor();
    await userRow(page, worker.email).waitFor();
    assert.equal(await table.locator('tbody > tr').count(), 1);
    assert.deepEqual(errors, []);
  });

  it('changes a user’s tier and activation, and shows their usage', async (t) => {
    const { page } = await asAdmin(t);
    await page.getByLabel('Search users').fill(worker.email);
    const row = userRow(page, worker.email);
    await row.waitFor();
    await page.getByText('1–1 of 1').waitFor();

    await row.getByRole('combobox', { name: `Tier of ${worker.email}` }).selectOption('pro');
    await page.locator('.toast').filter({ hasText: `${worker.email} is now on pro` }).waitFor();
    const listed = await fx.api.get(`/api/v1/admin/users?q=${encodeURIComponent(worker.email)}`, { token: fx.user.token });
    assert.equal(listed.body.items[0].tier, 'pro');

    await row.getByRole('switch', { name: `${worker.email} active` }).uncheck();
    await page.locator('.toast').filter({ hasText: `${worker.email} disabled` }).waitFor();
    const refused = await fx.api.post('/api/v1/auth/login', { email: worker.email, password: worker.password });
    assert.equal(refused.status, 403, 'a disabled account cannot sign in');
    await row.getByRole('switch', { name: `${worker.email} active` }).check();
    await page.locator('.toast').filter({ hasText: `${worker.email} enabled` }).waitFor();

    await row.getByRole('button', { name: `Usage of ${worker.email}` }).click();
    const usage = await fx.api.get(`/api/v1/admin/users/${worker.id}/usage`, { token: fx.user.token });
    assert.equal(usage.body.total_tokens, 25);
    const details = page.locator('.usage-row');
    await details.getByText('Last 30 days').waitFor();
    assert.match((await details.textContent()) ?? '', /Tokens25/);
    assert.match((await details.textContent()) ?? '', /Requests1/);
    assert.match((await details.textContent()) ?? '', /gpt-4o/);
    await screenshot(t, page, 'usage');

    // The admin cannot switch their own account off.
    await page.getByLabel('Search users').fill(fx.user.email);
    await userRow(page, fx.user.email).waitFor();
    assert.equal(await userRow(page, fx.user.email).getByRole('switch').isDisabled(), true);
  });

  it('is not offered to a user who is not an admin', async (t) => {
    const { page } = await openPage(t, b.browser, `${fx.server.url}/register`);
    await signUpInApp(page, fx.server.url, randomEmail('plain'));
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
    await page.goto(`${fx.server.url}/admin`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
  });
});
