import type { Locator, Page } from 'playwright-core';

// These callbacks run in the browser; the test project has no DOM types, so the page is untyped here.
type Browser = any;

/** The text of the element that has focus. */
export const focusedText = (page: Page): Promise<string | null> =>
  page.evaluate(() => (globalThis as Browser).document.activeElement?.textContent ?? null);

/** Whether the located element has focus. */
export const hasFocus = (locator: Locator): Promise<boolean> => locator.evaluate((el) => el === (globalThis as Browser).document.activeElement);

/** What the page's clipboard holds (the context needs the clipboard-read permission). */
export const clipboardText = (page: Page): Promise<string> => page.evaluate(() => (globalThis as Browser).navigator.clipboard.readText());

/** The theme set on the root element: "light", "dark", or null when following the system. */
export const rootTheme = (page: Page): Promise<string | null> =>
  page.evaluate(() => (globalThis as Browser).document.documentElement.dataset.theme ?? null);

/** Waits until `selector` matches exactly `count` elements. */
export const waitForCount = (page: Page, selector: string, count: number) =>
  page.waitForFunction(([s, n]) => (globalThis as Browser).document.querySelectorAll(s).length === n, [selector, count] as const);

/** Waits until the first element matching `selector` has exactly `text`. */
export const waitForFirstText = (page: Page, selector: string, text: string) =>
  page.waitForFunction(([s, t]) => (globalThis as Browser).document.querySelector(s)?.textContent === t, [selector, text] as const);
