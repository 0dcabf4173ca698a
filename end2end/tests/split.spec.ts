import { test, expect, isHydrated, waitForHydration, signIn } from './fixtures';

// The staff pages' code is split out of the wasm every shopper downloads (pages::admin::lazy,
// cargo-leptos --split): a shopper never fetches it, a rep fetches it when opening a staff
// page, and if it cannot be fetched the staff page stays the server's page while the
// storefront is unaffected (in Leptos 0.8 a chunk that fails to load panics the module).

/** A file of split-out code (not the main wasm, its js, or the small loader every page has). */
const isChunk = (url: string) => /\/pkg\/(split_|chunk_)/.test(new URL(url).pathname);
/** The split-out code of a staff page. */
const isStaffPage = (url: string) => /\/pkg\/split___staff_/.test(new URL(url).pathname);

test('a shopper browsing, adding and opening the cart fetches no staff page code', async ({ page }, testInfo) => {
  test.skip(!isHydrated(testInfo), 'code is only fetched with JavaScript');
  const fetched: string[] = [];
  page.on('request', (request) => {
    if (isStaffPage(request.url())) fetched.push(new URL(request.url()).pathname);
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
    if (isChunk(request.url())) fetched.push(new URL(request.url()).pathname);
  });
  await signIn(page, 'ava', true);
  await expect(page.getByTestId('live-status')).toHaveText('Live');
  expect(fetched.some((path) => path.includes('split___staff_active_carts_view'))).toBe(true);
});

test('when split code cannot be fetched, the catalog still works and every other page comes whole from the server', async ({ browser }, testInfo) => {
  test.skip(!isHydrated(testInfo), 'code is only fetched with JavaScript');
  // A context of its own: the console errors of the failed fetch are what is tested here.
  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  await context.route((url) => isChunk(url.toString()), (route) => route.abort());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto('/');
  await waitForHydration(page, true);
  await page.getByRole('button', { name: 'Add Summer Gloves to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  expect(errors, 'the catalog needs no split code').toEqual([]);

  // Following a link whose page code cannot be had: the page is loaded whole instead.
  await page.getByRole('link', { name: /^Cart/ }).click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  await expect(page.getByText('Summer Gloves')).toBeVisible();
  // Without its code the cart page works as it does without JavaScript: forms post.
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
