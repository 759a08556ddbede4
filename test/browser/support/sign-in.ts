import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { TestUser } from '../../support/factories.ts';
import type { Client } from '../../support/http.ts';
import { openPage } from './browser.ts';

export const PASSWORD = 'a fine passphrase 42';
export const randomEmail = (what = 'user') => `${what}-${randomBytes(5).toString('hex')}@example.test`;

/** Registers through the app's form and waits for the signed-in layout (its sidebar). */
export async function signUpInApp(page: Page, baseUrl: string, email: string, password = PASSWORD, displayName?: string): Promise<void> {
  await page.goto(`${baseUrl}/register`);
  await page.getByLabel('Email').fill(email);
  if (displayName) await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'New chat' }).waitFor();
}

/** Signs in through the app's form and waits for the signed-in layout. */
export async function signInInApp(page: Page, baseUrl: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'New chat' }).waitFor();
}

/**
 * Opens `url` signed in as `user` without the form: the app keeps its tokens in localStorage,
 * so they are put there on a page of the same origin first.
 */
export async function openSignedIn(
  t: TestContext,
  browser: Browser,
  user: Pick<TestUser, 'token' | 'refreshToken'>,
  url: string,
  opts: Parameters<typeof openPage>[3] = {},
): ReturnType<typeof openPage> {
  const opened = await openPage(t, browser, new URL('/login', url).href, opts);
  await opened.page.evaluate(
    (session) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('parley.session', session),
    JSON.stringify({ accessToken: user.token, refreshToken: user.refreshToken, expiresAt: Date.now() + 10 * 60_000 }),
  );
  await opened.page.goto(url);
  return opened;
}

/** The same account's access token over HTTP, for making data quickly. */
export async function loginOverHttp(api: Client, email: string, password = PASSWORD): Promise<string> {
  const res = await api.post('/api/v1/auth/login', { email, password });
  assert.equal(res.status, 200, res.text);
  return res.body.access_token;
}

/** Imports plain conversations (`{title, messages}`) for the token's user; answers their ids in order. */
export async function importPlain(
  api: Client,
  token: string,
  conversations: { title: string; messages?: { role: 'user' | 'assistant'; content: string }[] }[],
): Promise<string[]> {
  const body = conversations.map((c) => ({ title: c.title, messages: c.messages ?? [{ role: 'user', content: `About ${c.title}` }] }));
  const res = await api.post('/api/v1/import', body, { token });
  assert.equal(res.status, 201, res.text);
  return res.body.conversation_ids;
}
