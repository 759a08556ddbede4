import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, before, beforeEach, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Where each browser test saves its screenshots: test-output/browser/<test file>/<test name>-<step>.png */
export const SCREENSHOT_DIR = join(root, 'test-output', 'browser');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The built web app must exist before a server can serve it; `npm install` builds it, this covers a skipped build. */
export function ensureWebBuild(): void {
  if (existsSync(join(root, 'web', 'dist', 'index.html'))) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', join(root, 'web')], { stdio: 'inherit' });
}

export interface BrowserFixture {
  browser: Browser;
  /** Why this file's browser tests are skipped, if they are: pass it to describe as `{ skip: b.skip }`. */
  skip?: string;
}

/**
 * Starts one headless Chromium for the test file and closes it at the end. Skips the file's
 * tests when SKIP_BROWSER_TESTS is set (the PostgreSQL run of CI) or when there is no Chromium.
 */
export function useBrowser(): BrowserFixture {
  const handle = {} as BrowserFixture;
  handle.skip = process.env.SKIP_BROWSER_TESTS === '1'
    ? 'browser tests skipped: SKIP_BROWSER_TESTS=1'
    : existsSync(CHROMIUM_PATH)
      ? undefined
      : `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (install it, e.g. apt-get install chromium, or set CHROMIUM_PATH)`;
  if (handle.skip) {
    const reason = handle.skip;
    // node:test cannot skip a test from a hook once it is declared: describe blocks pass
    // `{ skip: b.skip }`. Tests declared without it are still reported as skipped (todo as well,
    // so that reaching for the missing browser does not count as a failure).
    Object.defineProperty(handle, 'browser', {
      get: () => {
        throw new Error(reason);
      },
    });
    beforeEach((t) => {
      (t as TestContext).todo(reason);
      (t as TestContext).skip(reason);
    });
    return handle;
  }
  before(async () => {
    ensureWebBuild();
    handle.browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS, headless: true });
  });
  after(async () => {
    await handle.browser?.close();
  });
  return handle;
}

export const PHONE = { width: 375, height: 740 };
export const DESKTOP = { width: 1280, height: 820 };

/**
 * A fresh browser context (its own storage, so its own login) and page at `url`; the
 * context is closed when the test ends. Console errors and failed page scripts fail nothing by
 * themselves but are collected in `errors` for tests to assert on.
 */
export async function openPage(
  t: TestContext,
  browser: Browser,
  url: string,
  opts: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ viewport: opts.viewport ?? DESKTOP, colorScheme: opts.colorScheme ?? 'light' });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.goto(url);
  return { page, context, errors };
}

/** Saves a full-page screenshot for the running test; answers the file's path. */
export async function screenshot(t: TestContext, page: Page, step: string): Promise<string> {
  const file = t.filePath ? relative(join(root, 'test', 'browser'), t.filePath).replace(/\.test\.ts$/, '') : 'browser';
  const dir = join(SCREENSHOT_DIR, file);
  mkdirSync(dir, { recursive: true });
  const name = `${t.name}-${step}`.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const axeSource = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe-core on the page as it is now and answers its serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated rather than added as a <script>: the app's Content-Security-Policy refuses inline scripts.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // Runs in the page, where axe was just injected; the test process has no DOM types.
    const page = globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: unknown[] }> }; document: unknown };
    const result = await page.axe.run(page.document, { resultTypes: ['violations'] });
    return (result.violations as { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[]).map((v: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Registers a new account through the app's own form and waits for the chat screen. */
export async function registerInApp(page: Page, baseUrl: string, email: string, password = 'a fine passphrase 42'): Promise<void> {
  await page.goto(`${baseUrl}/register`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
}
