import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from '../support/fixture.ts';
import { openPage, PHONE, screenshot, seriousAxeViolations, useBrowser } from './support/browser.ts';
import { PASSWORD, randomEmail, signInInApp, signUpInApp } from './support/sign-in.ts';

const b = useBrowser();

describe('sign-in and registration', { skip: b.skip }, () => {
  const fx = useTestServer({ upstream: 'openai' });

  it('registers through the form, signs out and signs back in', async (t) => {
    const email = randomEmail('new');
    const { page, errors } = await openPage(t, b.browser, `${fx.server.url}/login`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'the sign-in page has no serious axe violations');
    await screenshot(t, page, 'sign-in');

    // The link between the two pages.
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('button', { name: 'Create account' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/register');
    assert.deepEqual(await seriousAxeViolations(page), [], 'the registration page has no serious axe violations');

    await signUpInApp(page, fx.server.url, email, PASSWORD, 'Ada');
    assert.equal(new URL(page.url()).pathname, '/');
    await screenshot(t, page, 'signed-in');
    const me = await fx.api.post('/api/v1/auth/login', { email, password: PASSWORD });
    assert.equal(me.body.user.display_name, 'Ada', 'the display name was sent with the registration');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { localStorage: Storage }).localStorage.getItem('parley.session')), null);

    await signInInApp(page, fx.server.url, email);
    assert.equal(new URL(page.url()).pathname, '/');
    // A reload keeps the login.
    await page.reload();
    await page.getByRole('button', { name: 'New chat' }).waitFor();
    assert.deepEqual(errors, []);
  });

  it('shows a wrong password’s refusal inline and stays on the page', async (t) => {
    const { page } = await openPage(t, b.browser, `${fx.server.url}/login`);
    await page.getByLabel('Email').fill(fx.user.email);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal((await alert.textContent())?.trim(), 'Incorrect email or password');
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.getByLabel('Email').inputValue(), fx.user.email, 'what was typed stays');
    await screenshot(t, page, 'wrong-password');
  });

  it('shows the password rule a registration broke', async (t) => {
    const email = randomEmail('policy');
    const { page } = await openPage(t, b.browser, `${fx.server.url}/register`, { viewport: PHONE });
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(email.split('@')[0]);
    await page.getByRole('button', { name: 'Create account' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal((await alert.textContent())?.trim(), 'Password must not be the email address or the part of it before the @');
    await screenshot(t, page, 'policy');
    const login = await fx.api.post('/api/v1/auth/login', { email, password: email.split('@')[0] });
    assert.equal(login.status, 401, 'no account was made');
  });

  it('an address already registered is refused with the server’s words', async (t) => {
    const { page } = await openPage(t, b.browser, `${fx.server.url}/register`);
    await page.getByLabel('Email').fill(fx.user.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal((await page.getByRole('alert').textContent())?.trim(), 'Email already registered');
  });
});

describe('a throttled sign-in', { skip: b.skip }, () => {
  const fx = useTestServer({ upstream: 'openai', env: { THROTTLE_LOGIN_FAILURES: '2' } });

  it('says how long to wait', async (t) => {
    const { page } = await openPage(t, b.browser, `${fx.server.url}/login`);
    await page.getByLabel('Email').fill(fx.user.email);
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.getByLabel('Password', { exact: true }).fill(`wrong ${attempt}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      // The button is usable again once the answer is shown.
      await page.getByRole('button', { name: 'Sign in' }).and(page.locator(':enabled')).waitFor();
    }
    const text = (await page.getByRole('alert').textContent()) ?? '';
    assert.match(text, /^Too many failed login attempts; try again in \d+ seconds$/);
    await screenshot(t, page, 'throttled');
  });
});
