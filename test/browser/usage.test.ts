import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createConversation, registerUser, type TestUser } from '../support/factories.ts';
import { useTestServer } from '../support/fixture.ts';
import { DESKTOP, PHONE, screenshot, seriousAxeViolations, useBrowser } from './support/browser.ts';
import { openSignedIn } from './support/sign-in.ts';

const fx = useTestServer({ upstream: 'openai' });
const b = useBrowser();

const formatInt = (n: number) => new Intl.NumberFormat('en-US').format(n);

async function modelRow(page: Page, model: string) {
  const table = page.getByRole('table', { name: 'By model' });
  return table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: model, exact: true }) });
}

describe('usage page', { skip: b.skip }, () => {
  let user: TestUser;
  let empty: TestUser;

  before(async () => {
    user = await registerUser(fx.api);
    empty = await registerUser(fx.api);
    // Titled conversations: no title calls, so every model call is one of these turns.
    fx.mock.setDefault({ tokens: ['Fine', ' thanks'], usage: { prompt_tokens: 1200, completion_tokens: 345 } });
    const big = await createConversation(fx.api, user.token, { title: 'big', model: 'gpt-4o' });
    const small = await createConversation(fx.api, user.token, { title: 'small', model: 'gpt-4o-mini' });
    for (const [id, content] of [
      [big, 'one'],
      [big, 'two'],
      [small, 'three'],
    ]) {
      const res = await fx.api.post(`/api/v1/conversations/${id}/messages`, { content }, { token: user.token });
      assert.equal(res.status, 200, res.text);
    }
  });

  it('charts the daily tokens and lists each model’s tokens as the API counts them', async (t) => {
    const { page, errors } = await openSignedIn(t, b.browser, user, `${fx.server.url}/usage`);
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    const chart = page.getByRole('img', { name: /^Daily tokens from / });
    await chart.waitFor();
    await page.locator('.usage-chart canvas').first().waitFor();
    assert.ok((await page.locator('.usage-chart canvas').count()) >= 1, 'uPlot drew a canvas');

    const api = await fx.api.get('/api/v1/tokens/usage', { token: user.token });
    assert.equal(api.status, 200);
    assert.equal(api.body.by_model.length, 2);
    for (const m of api.body.by_model) {
      const row = await modelRow(page, m.model);
      await row.waitFor();
      const cells = await row.getByRole('cell').allTextContents();
      assert.deepEqual(cells.slice(0, 4), [formatInt(m.requests), formatInt(m.prompt_tokens), formatInt(m.completion_tokens), formatInt(m.total_tokens)], m.model);
    }
    const label = (await chart.getAttribute('aria-label')) ?? '';
    assert.match(label, new RegExp(`${formatInt(api.body.total_tokens)} in total`));
    // Each day's bar is split by model, as the API splits it.
    assert.match(label, /split into gpt-4o, gpt-4o-mini/);

    // The same numbers as a table, for those who cannot see the chart.
    await page.getByText('Show as table').click();
    const today = new Date().toISOString().slice(0, 10);
    const day = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: today }) });
    assert.equal(await day.getByRole('cell').nth(3).textContent(), formatInt(api.body.total_tokens));
    assert.equal(await page.getByText(formatInt(api.body.total_tokens), { exact: true }).first().isVisible(), true);
    await screenshot(t, page, 'tokens');

    await page.getByRole('button', { name: 'Cost' }).click();
    await page.getByRole('heading', { name: 'Daily cost' }).waitFor();
    await page.getByRole('img', { name: /^Daily cost from / }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cost' }).getAttribute('aria-pressed'), 'true');
    await screenshot(t, page, 'cost');

    // Plan and today's use.
    const plan = page.locator('.usage-limits');
    assert.match((await plan.textContent()) ?? '', /TierFree/);
    // Today's tokens against the daily budget, as the API reports the standing.
    const daily = api.body.budgets.find((b: { budget: string }) => b.budget === 'daily_tokens');
    assert.match((await plan.textContent()) ?? '', new RegExp(`Tokens today${formatInt(daily.used)} tokens of ${formatInt(daily.limit)} tokens`));
    assert.equal(await plan.getByRole('meter', { name: 'Tokens today used' }).getAttribute('value'), String(daily.used));

    const violations = await seriousAxeViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
    assert.deepEqual(errors, []);
  });

  it('refetches when the range changes, and shows an empty period', async (t) => {
    const { page } = await openSignedIn(t, b.browser, user, `${fx.server.url}/usage`);
    await page.getByRole('img', { name: /^Daily tokens from / }).waitFor();

    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/tokens/usage')) asked.push(r.url());
    });
    // "To" before "From" is refused in place, and nothing is fetched until the range is whole.
    await page.getByLabel('To', { exact: true }).fill('2020-01-31');
    await page.getByRole('alert').filter({ hasText: 'must not be after' }).waitFor();
    assert.equal(await page.getByLabel('From', { exact: true }).getAttribute('aria-invalid'), 'true');
    const fetched = page.waitForRequest((r) => r.url().includes('start_date=2020-01-01') && r.url().includes('end_date=2020-01-31'));
    await page.getByLabel('From', { exact: true }).fill('2020-01-01');
    await fetched;
    assert.deepEqual(
      asked.filter((u) => u.includes('2020-01-31')),
      [asked.find((u) => u.includes('start_date=2020-01-01'))],
      'one request, for the whole range only',
    );
    await page.getByRole('heading', { name: 'No usage in this period' }).waitFor();
    assert.equal(await page.locator('.usage-chart').count(), 0);
    assert.equal(await page.getByRole('alert').count(), 0);
    await screenshot(t, page, 'empty');

    const again = page.waitForRequest((r) => r.url().includes('/api/v1/tokens/usage') && !r.url().includes('2020-01-01'));
    await page.getByRole('button', { name: '7 days' }).click();
    await again;
    assert.equal(await page.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('img', { name: /^Daily tokens from / }).waitFor();
    assert.equal(await page.getByLabel('From', { exact: true }).inputValue(), new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10));
  });

  it('shows an empty state to a new user, and reads well in dark mode and on a phone', async (t) => {
    const { page } = await openSignedIn(t, b.browser, empty, `${fx.server.url}/usage`, { viewport: PHONE, colorScheme: 'dark' });
    await page.getByRole('heading', { name: 'No usage in this period' }).waitFor();
    await page.getByRole('link', { name: 'Start a chat' }).waitFor();
    await screenshot(t, page, 'empty-phone-dark');
    const violations = await seriousAxeViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));

    const { page: dark } = await openSignedIn(t, b.browser, user, `${fx.server.url}/usage`, { viewport: DESKTOP, colorScheme: 'dark' });
    await dark.locator('.usage-chart canvas').first().waitFor();
    await screenshot(t, dark, 'chart-dark');
    const darkViolations = await seriousAxeViolations(dark);
    assert.deepEqual(darkViolations, [], JSON.stringify(darkViolations, null, 2));

    const { page: phone } = await openSignedIn(t, b.browser, user, `${fx.server.url}/usage`, { viewport: PHONE });
    await phone.locator('.usage-chart canvas').first().waitFor();
    const main = await phone.locator('#main').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(main.scroll <= main.client, `no sideways scrolling at 375 px (${main.scroll} > ${main.client})`);
    await screenshot(t, phone, 'phone');
    await phone.getByRole('heading', { name: 'By model' }).scrollIntoViewIfNeeded();
    await screenshot(t, phone, 'phone-chart');
  });
});
