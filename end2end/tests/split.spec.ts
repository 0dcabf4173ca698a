import { Browser, TestInfo } from '@playwright/test';
import { test, expect, isHydrated, waitForHydration, signIn } from './fixtures';

// A shopper's wasm holds the storefront's islands only: the cart page's island is split out
// of it (cargo-leptos --split) and fetched on the cart page, and the staff console is a wasm
// of its own (/console/), which a shopper never fetches and a rep fetches on a staff page.
// If such code cannot be fetched the page stays the server's page, whose forms post, while
// the catalog is unaffected (in Leptos 0.8 a chunk that fails to load panics the module).

/** A file of split-out code (not the main wasm, its js, or the small loader every page has). */
const isChunk = (url: string) => /\/pkg\/(split_|chunk_)/.test(new URL(url).pathname);
/** The staff console's wasm and js. */
const isConsole = (url: string) => new URL(url).pathname.startsWith('/console/');

test('a shopper browsing, adding and opening the cart fetches no staff code', async ({ page }, testInfo) => {
  test.skip(!isHydrated(testInfo), 'code is only fetched with JavaScript');
  const fetched: string[] = [];
  page.on('request', (request) => {
    if (isConsole(request.url())) fetched.push(new URL(request.url()).pathname);
  });
  await page.goto('/');
  await waitForHydration(page, true);
  await page.getByRole('button', { name: 'Add Aero Road Helmet to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  await page.locator('.product-card').filter({ hasText: 'Aero Road Helmet' }).getByRole('heading').getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Aero Road Helmet');
  await page.goto('/cart');
  await waitForHydration(page, true);
  expect(fetched).toEqual([]);
});

test('a rep opening the console fetches its code and the page goes live', async ({ page }, testInfo) => {
  test.skip(!isHydrated(testInfo), 'code is only fetched with JavaScript');
  const fetched: string[] = [];
  page.on('request', (request) => {
    if (isConsole(request.url())) fetched.push(new URL(request.url()).pathname);
  });
  await signIn(page, 'ava', true);
  await expect(page.getByTestId('live-status')).toHaveText('Live');
  expect(fetched.some((path) => /^\/console\/console\.[\w-]{8,}\.wasm$/.test(path))).toBe(true);
});

test('when split or staff code cannot be fetched, the catalog still works and every other page comes whole from the server', async ({ browser }, testInfo) => {
  test.skip(!isHydrated(testInfo), 'code is only fetched with JavaScript');
  // A context of its own: the console errors of the failed fetch are what is tested here.
  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  await context.route((url) => isChunk(url.toString()) || isConsole(url.toString()), (route) => route.abort());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto('/');
  await waitForHydration(page, true);
  await page.getByRole('button', { name: 'Add Summer Gloves to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  expect(errors, 'the catalog needs no split code').toEqual([]);

  // The cart page's island cannot be had: the page works as it does without JavaScript.
  await page.getByRole('link', { name: /^Cart/ }).click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  await expect(page.getByText('Summer Gloves')).toBeVisible();
  await page.getByRole('button', { name: /Remove/ }).first().click();
  await expect(page.getByText('Your cart is empty')).toBeVisible();

  // The sign-in page arrives whole from the server and its form posts without the app.
  await page.goto('/admin/login');
  await page.getByLabel('Username').fill('ava');
  await page.getByLabel('Password').fill('rep-demo-pass');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Active carts');
  await context.close();
});

/**
 * A shopper with Summer Gloves in the cart, in a context of their own whose split code (the
 * cart page's) is held back, as on a slow phone, until `release` is called.
 */
async function shopperWithCartCodeHeld(browser: Browser, testInfo: TestInfo) {
  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const page = await context.newPage();
  await page.goto('/');
  await waitForHydration(page, true);
  await page.getByRole('button', { name: 'Add Summer Gloves to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await context.route((url) => isChunk(url.toString()), async (route) => {
    await released;
    await route.continue();
  });
  return { context, page, release };
}

test('a quantity typed on the cart page before its code arrives is still there when it does', async ({ browser }, testInfo) => {
  test.skip(!isHydrated(testInfo), 'code is only fetched with JavaScript');
  const { context, page, release } = await shopperWithCartCodeHeld(browser, testInfo);
  await page.goto('/cart');
  const gloves = page.getByLabel('Quantity of Summer Gloves');
  await gloves.fill('4');
  release();
  await waitForHydration(page, true);
  await expect(gloves).toHaveValue('4');
  let navigations = 0;
  page.on('framenavigated', () => navigations++);
  await gloves.press('Enter');
  await expect(page.getByTestId('subtotal')).toHaveText('$116.00');
  expect(navigations, 'changed by the app, not a form post').toBe(0);
  await context.close();
});

test('a change to the cart made while the cart page\'s code is on its way shows in its field when it arrives', async ({ browser }, testInfo) => {
  test.skip(!isHydrated(testInfo), 'code is only fetched with JavaScript');
  const { context, page, release } = await shopperWithCartCodeHeld(browser, testInfo);
  const listening = page.waitForRequest((request) => request.url().endsWith('/api/cart/live'));
  await page.goto('/cart');
  await listening;
  // Another tab (its code held back too, so its form posts) makes it two gloves; the first
  // page's header hears it before the cart's own code has come.
  const otherTab = await context.newPage();
  await otherTab.goto('/cart');
  await otherTab.getByLabel('Quantity of Summer Gloves').fill('2');
  await otherTab.getByRole('button', { name: 'Update' }).click();
  await expect(otherTab.getByTestId('subtotal')).toHaveText('$58.00');
  await expect(page.getByTestId('cart-count')).toHaveText('2', { timeout: 3000 });
  release();
  await waitForHydration(page, true);
  await expect(page.getByTestId('subtotal')).toHaveText('$58.00');
  await expect(page.getByLabel('Quantity of Summer Gloves')).toHaveValue('2');
  await context.close();
});
