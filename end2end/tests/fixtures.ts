import { test as base, expect, Browser, BrowserContext, Page, TestInfo } from '@playwright/test';

// Fails any test whose page logged an error or warning (hydration mismatches included)
// or threw an uncaught exception. Chromium also logs every non-2xx fetch as an error; a
// refusal the app explains to the user (422 invalid input, 409 conflict) is expected.
const EXPECTED_REFUSAL = /Failed to load resource: the server responded with a status of (422|409)/;
// With JavaScript off, Chromium warns that the preloaded wasm (the shopper's, or on staff
// pages the console's) went unused: true, and expected.
const UNUSED_WASM_PRELOAD = /\/(pkg|console)\/[\w.-]+\.wasm was preloaded using link preload but not used/;
export const test = base.extend<{ consoleProblems: string[]; sidewaysScroll: string[] }>({
  // Fails any test that visited a page wider than the window (checked at every page load and
  // at the end): at 390 px nothing may make the page pan sideways.
  sidewaysScroll: [
    async ({ page }, use) => {
      const problems: string[] = [];
      const checks: Promise<void>[] = [];
      const check = async () => {
        try {
          const measured = await page.evaluate(() => ({
            wide: document.documentElement.scrollWidth,
            window: document.documentElement.clientWidth,
            at: location.pathname + location.search,
          }));
          if (measured.wide > measured.window) {
            problems.push(`${measured.at}: ${measured.wide} px wide in a ${measured.window} px window`);
          }
        } catch {
          // The page moved on meanwhile; the next check covers it.
        }
      };
      page.on('load', () => checks.push(check()));
      await use(problems);
      await Promise.all(checks);
      if (!page.isClosed()) await check();
      expect(problems, 'pages that scroll sideways').toEqual([]);
    },
    { auto: true },
  ],
  consoleProblems: [
    async ({ page }, use, testInfo) => {
      const problems = watchConsole(page, testInfo.project.use.javaScriptEnabled !== false);
      await use(problems);
      expect(problems, 'console errors or warnings').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/**
 * The errors and warnings `page` logs and the exceptions it throws, as they happen (for pages
 * a test opens in a context of its own; the `page` fixture is watched already).
 */
export function watchConsole(page: Page, javaScriptEnabled: boolean): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (EXPECTED_REFUSAL.test(text) || (!javaScriptEnabled && UNUSED_WASM_PRELOAD.test(text))) return;
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`${message.type()}: ${text}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

/** True in the project that runs the wasm client. */
export function isHydrated(testInfo: { project: { use: { javaScriptEnabled?: boolean } } }): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** Waits until the wasm client has taken over the page (no-op with JavaScript off). */
export async function waitForHydration(page: Page, hydrated: boolean): Promise<void> {
  if (!hydrated) return;
  await page.waitForFunction(() => (window as any).__tandemHydrated === true);
}

/**
 * A shopper in a browser context of their own, with `product` (a catalog button's product
 * name) in the cart, on the cart page; returns the context, page and the help code shown.
 */
export async function shopperWithCart(
  browser: Browser,
  testInfo: TestInfo,
  options: { product?: string; path?: string; hydrated?: boolean } = {},
): Promise<{ context: BrowserContext; shopper: Page; code: string }> {
  const hydrated = options.hydrated ?? true;
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: hydrated,
  });
  const shopper = await context.newPage();
  await shopper.goto(options.path ?? '/');
  await waitForHydration(shopper, hydrated);
  await shopper.getByRole('button', { name: `Add ${options.product ?? 'Summer Gloves'} to cart` }).click();
  await expect(shopper.getByTestId('cart-count')).not.toHaveText('0');
  await shopper.goto('/cart');
  await waitForHydration(shopper, hydrated);
  const code = (await shopper.getByTestId('help-code').textContent())!.trim();
  return { context, shopper, code };
}

/** Signs `username` in on the sign-in page (demo password) and waits for the admin page. */
export async function signIn(page: Page, username: string, hydrated = true): Promise<void> {
  await page.goto('/admin/login');
  await waitForHydration(page, hydrated);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(username === 'admin' ? 'admin-demo-pass' : 'rep-demo-pass');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('staff-name')).toBeVisible();
  await waitForHydration(page, hydrated);
}

/** Signs a rep in and opens the cart whose help code is `code` through the finder. */
export async function openCartAsRep(page: Page, username: string, code: string, hydrated = true): Promise<void> {
  await signIn(page, username, hydrated);
  await page.getByLabel('Find a cart').fill(code);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByTestId('detail-help-code')).toHaveText(code);
}

/** Fails unless the page fits the window's width (no sideways scroll). */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { wide, window } = await page.evaluate(() => ({
    wide: document.documentElement.scrollWidth,
    window: document.documentElement.clientWidth,
  }));
  expect(wide, `the page is ${wide} px wide in a ${window} px window`).toBeLessThanOrEqual(window);
}
