import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { useTestServer } from '../support/fixture.ts';
import { openPage, PHONE, screenshot, seriousAxeViolations, useBrowser } from './support/browser.ts';
import { clipboardText, rootTheme } from './support/page-reads.ts';
import { loginOverHttp, PASSWORD, randomEmail, signInInApp, signUpInApp } from './support/sign-in.ts';

const b = useBrowser();
const fx = useTestServer({ upstream: 'openai' });

/** A new account signed in through the form, on the settings screen. */
async function onSettings(t: TestContext, viewport?: { width: number; height: number }) {
  const email = randomEmail('settings');
  const opened = await openPage(t, b.browser, `${fx.server.url}/register`, { viewport });
  await signUpInApp(opened.page, fx.server.url, email);
  if (viewport === PHONE) await opened.page.getByRole('button', { name: 'Open conversations' }).click();
  await opened.page.getByRole('link', { name: 'Settings' }).click();
  await opened.page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  return { ...opened, email };
}

describe('settings', { skip: b.skip }, () => {
  it('changes the display name and the password; the new password signs in', async (t) => {
    const { page, email, errors } = await onSettings(t);
    assert.deepEqual(await seriousAxeViolations(page), [], 'settings have no serious axe violations');
    await screenshot(t, page, 'settings');

    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByLabel('Display name').fill('Grace Hopper');
    await profile.getByRole('button', { name: 'Save' }).click();
    await profile.getByText('Saved').waitFor();
    const token = await loginOverHttp(fx.api, email);
    assert.equal((await fx.api.get('/api/v1/auth/me', { token })).body.display_name, 'Grace Hopper');

    const password = page.getByRole('region', { name: 'Password' });
    await password.getByLabel('Current password').fill('not my password');
    await password.getByLabel('New password').fill('another fine passphrase 7');
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByRole('alert').waitFor();
    assert.equal((await password.getByRole('alert').textContent())?.trim(), 'Current password is incorrect');

    await password.getByLabel('Current password').fill(PASSWORD);
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByText('Password changed').waitFor();
    assert.equal(await password.getByLabel('Current password').inputValue(), '', 'the fields are emptied');
    await screenshot(t, page, 'password-changed');

    assert.equal((await fx.api.post('/api/v1/auth/login', { email, password: PASSWORD })).status, 401, 'the old password no longer works');
    await page.getByRole('button', { name: 'Sign out' }).click();
    // Signed out once the app shows its form: leaving sooner would cut the logout's answer off and
    // leave the ended login's tokens stored, which the next page load would try (two 401s).
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signInInApp(page, fx.server.url, email, 'another fine passphrase 7');
    // The refused change is logged by the browser as a failed request; nothing else went wrong.
    assert.deepEqual(
      errors.filter((e) => !e.includes('status of 403')),
      [],
    );
  });

  it('creates an API key shown once that works over HTTP until it is revoked', async (t) => {
    const { page, email, context } = await onSettings(t);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fx.server.url });
    const keys = page.getByRole('region', { name: 'API keys' });
    await keys.getByLabel('Key name').fill('CI script');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByRole('region', { name: 'New API key' });
    await shown.waitFor();
    const key = ((await shown.locator('code').textContent()) ?? '').trim();
    assert.ok(key.length > 20, `a key: ${key}`);
    await shown.getByRole('button', { name: 'Copy' }).click();
    assert.equal(await clipboardText(page), key);
    await screenshot(t, page, 'key-created');

    const withKey = await fx.api.get('/api/v1/conversations', { token: key });
    assert.equal(withKey.status, 200, withKey.text);
    await keys.getByRole('rowheader', { name: 'CI script' }).waitFor();

    // One with an expiry date: the end of that day.
    await keys.getByLabel('Key name').fill('Short lived');
    await keys.getByLabel('Expires on').fill('2099-01-31');
    await keys.getByRole('button', { name: 'Create key' }).click();
    await shown.getByText('Key “Short lived” created').waitFor();
    const token = await loginOverHttp(fx.api, email);
    const listed = await fx.api.get('/api/v1/auth/api-keys', { token });
    const expiring = listed.body.find((k: { name: string }) => k.name === 'Short lived');
    assert.ok(expiring.expires_at?.startsWith('2099-0'), `expires ${expiring.expires_at}`);

    await keys.getByRole('button', { name: 'Revoke CI script' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke API key?' });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await keys.getByRole('rowheader', { name: 'CI script' }).waitFor({ state: 'detached' });
    assert.equal((await fx.api.get('/api/v1/conversations', { token: key })).status, 401, 'the revoked key is refused');
  });

  it('switches the theme to dark and back to the system’s', async (t) => {
    const { page } = await onSettings(t, PHONE);
    const theme = () => rootTheme(page);
    assert.equal(await page.getByRole('radio', { name: 'System' }).isChecked(), true);
    await page.getByRole('radio', { name: 'Dark' }).check();
    assert.equal(await theme(), 'dark');
    await screenshot(t, page, 'dark');
    assert.deepEqual(await seriousAxeViolations(page), [], 'the dark theme has no serious axe violations (contrast included)');

    await page.reload();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    assert.equal(await theme(), 'dark', 'the choice is remembered');
    assert.equal(await page.getByRole('radio', { name: 'Dark' }).isChecked(), true);

    await page.getByRole('radio', { name: 'System' }).check();
    assert.equal(await theme(), null);
  });
});
