import { execFileSync } from 'node:child_process';
import { BrowserContext, Page } from '@playwright/test';
import { test, expect, shopperWithCart, signIn, waitForHydration } from './fixtures';

// Live updates need the wasm client; the no-JavaScript project has nothing to test here.
test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'live updates need JavaScript');

/**
 * Every value the field labelled `label` shows, frame by frame, for `ms` milliseconds (looked
 * up each frame: a view may draw it anew).
 */
function valuesShown(page: Page, label: string, ms: number): Promise<string[]> {
  return page.evaluate(
    async ({ label, ms }) => {
      const values = new Set<string>();
      const until = performance.now() + ms;
      while (performance.now() < until) {
        const field = document.querySelector<HTMLInputElement>(`[aria-label="${label}"]`);
        values.add(field ? field.value : '(none)');
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
      return [...values];
    },
    { label, ms },
  );
}

/** Holds each request for `path` 1.5 s before sending it on. */
async function answerSlowly(target: Page | BrowserContext, path: string): Promise<void> {
  await target.route((url) => url.pathname === path, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
}

async function signInLive(page: Page) {
  await signIn(page, 'ben');
  await expect(page.getByTestId('live-status')).toHaveText('Live');
}

test('the rep sees the shopper change the cart within a second, without a reload', async ({ page, browser }, testInfo) => {
  const { context, shopper, code } = await shopperWithCart(browser, testInfo);
  await signInLive(page);
  await page.getByLabel('Find a cart').fill(code);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByTestId('detail-help-code')).toHaveText(code);
  await expect(page.getByTestId('live-status')).toHaveText('Live');
  await page.evaluate(() => ((window as any).__sameDocument = true));

  await shopper.getByLabel('Quantity of Summer Gloves').fill('4');
  await shopper.locator('tr[data-product="gloves-summer"]').getByRole('button', { name: 'Update' }).click();
  await expect(shopper.getByTestId('subtotal')).toHaveText('$116.00');

  const row = page.locator('tr[data-product="gloves-summer"]');
  await expect(row.locator('.quantity')).toHaveText('4', { timeout: 1000 });
  await expect(row).toHaveClass(/changed/);
  await expect(page.getByTestId('detail-subtotal')).toHaveText('$116.00');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await context.close();
});

test('when the rep moves on, their page goes away or they sign out the shopper\'s "looking at your cart" banner goes at once, and a reload keeps it', async ({ page, browser }, testInfo) => {
  const { context, shopper, code } = await shopperWithCart(browser, testInfo);
  await signInLive(page);
  const openCart = async () => {
    await page.getByLabel('Find a cart').fill(code);
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(page.getByTestId('detail-help-code')).toHaveText(code);
    await expect(shopper.getByTestId('rep-banner')).toContainText('Ben Rep', { timeout: 2000 });
  };
  await openCart();
  // A reload is a new visit that begins before the old page's last word arrives: the rep stays.
  await page.reload();
  await expect(page.getByTestId('detail-help-code')).toHaveText(code);
  await waitForHydration(page, true);
  await shopper.waitForTimeout(1500);
  await expect(shopper.getByTestId('rep-banner')).toContainText('Ben Rep');
  // To another page of the console, without a page load: the rep says they left.
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByRole('link', { name: 'Active carts' }).click();
  await expect(page.getByLabel('Find a cart')).toBeVisible();
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await expect(shopper.getByTestId('rep-banner')).toHaveCount(0, { timeout: 2000 });
  // The page itself goes away (a page load elsewhere, as when the tab closes): its last word.
  await openCart();
  await page.goto('/admin/orders');
  await expect(shopper.getByTestId('rep-banner')).toHaveCount(0, { timeout: 2000 });
  // Signing out from a cart's page: the page's last word comes after the session ended, so
  // the sign-out itself takes the rep off.
  await page.goto('/admin');
  await openCart();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/admin\/login/);
  await expect(shopper.getByTestId('rep-banner')).toHaveCount(0, { timeout: 2000 });
  await context.close();
});

test('a live update does not wipe what the rep is typing', async ({ page, browser }, testInfo) => {
  const { context, shopper, code } = await shopperWithCart(browser, testInfo);
  await signInLive(page);
  await page.getByLabel('Find a cart').fill(code);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByTestId('detail-help-code')).toHaveText(code);
  const repQuantity = page.getByLabel('Quantity of Summer Gloves');
  await repQuantity.fill('3');
  await page.getByLabel('Search products').fill('aero');
  await expect(page.getByRole('button', { name: "Add Aero Road Helmet to the shopper's cart" })).toBeVisible();
  await page.getByLabel(/^Amount/).fill('5');
  await page.getByLabel('Reason').fill('loyal customer');
  await page.getByLabel('Note').fill('have a look');

  // The shopper changes the cart: the rep's page redraws it while the rep is mid-sentence.
  await shopper.getByLabel('Quantity of Summer Gloves').fill('2');
  await shopper.locator('tr[data-product="gloves-summer"]').getByRole('button', { name: 'Update' }).click();
  await expect(page.locator('tr[data-product="gloves-summer"] .quantity')).toHaveText('2', { timeout: 1000 });

  await expect(page.getByLabel('Search products')).toHaveValue('aero');
  await expect(page.getByRole('button', { name: "Add Aero Road Helmet to the shopper's cart" })).toBeVisible();
  await expect(page.getByLabel(/^Amount/)).toHaveValue('5');
  await expect(page.getByLabel('Reason')).toHaveValue('loyal customer');
  await expect(page.getByLabel('Note')).toHaveValue('have a look');
  // The rep is still in the field they were typing into, with the cursor where it was.
  await expect(page.getByLabel('Note')).toBeFocused();
  await page.keyboard.type(', please');
  await expect(page.getByLabel('Note')).toHaveValue('have a look, please');
  // The quantity the rep typed stays typed beside the one the shopper chose, and is what
  // the cart gets when the rep sets it; then the field follows the cart again.
  await expect(repQuantity).toHaveValue('3');
  await page.locator('tr[data-product="gloves-summer"]').getByRole('button', { name: 'Set' }).click();
  await expect(page.locator('tr[data-product="gloves-summer"] .quantity')).toHaveText('3');
  await expect(shopper.getByLabel('Quantity of Summer Gloves')).toHaveValue('3', { timeout: 2000 });
  await shopper.getByLabel('Quantity of Summer Gloves').fill('5');
  await shopper.locator('tr[data-product="gloves-summer"]').getByRole('button', { name: 'Update' }).click();
  await expect(page.locator('tr[data-product="gloves-summer"] .quantity')).toHaveText('5', { timeout: 1000 });
  await expect(repQuantity).toHaveValue('5');
  await context.close();
});

test('a line going from above the one being typed into leaves the typing and the focus, for shopper and rep alike', async ({ page, browser }, testInfo) => {
  const { context, shopper, code } = await shopperWithCart(browser, testInfo);
  await shopper.getByText('Email me a link to this cart').click();
  await shopper.getByLabel('Email').fill('half-typed@example.com');
  await signInLive(page);
  await page.getByLabel('Find a cart').fill(code);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByTestId('detail-help-code')).toHaveText(code);
  await page.getByLabel('Search products').fill('aero');
  await page.getByRole('button', { name: "Add Aero Road Helmet to the shopper's cart" }).click();
  await expect(shopper.locator('tr[data-product="helmet-aero"]')).toBeVisible({ timeout: 2000 });
  await expect(shopper.getByTestId('subtotal')).toHaveText('$188.00');

  // Both are typing into the helmet's line, below the gloves'.
  const shopperHelmet = shopper.getByLabel('Quantity of Aero Road Helmet');
  const repHelmet = page.getByLabel('Quantity of Aero Road Helmet');
  await shopperHelmet.fill('2');
  await repHelmet.fill('3');
  // The gloves go, from the shopper's other tab: both pages redraw without them.
  const otherTab = await context.newPage();
  await otherTab.goto('/cart');
  await waitForHydration(otherTab, true);
  await otherTab.getByRole('button', { name: 'Remove Summer Gloves from cart' }).click();
  await expect(shopper.locator('tr[data-product="gloves-summer"]')).toHaveCount(0, { timeout: 2000 });
  await expect(page.locator('tr[data-product="gloves-summer"]')).toHaveCount(0, { timeout: 2000 });

  await expect(shopperHelmet).toHaveValue('2');
  await expect(shopperHelmet).toBeFocused();
  await expect(shopper.getByLabel('Email')).toHaveValue('half-typed@example.com');
  await expect(repHelmet).toHaveValue('3');
  await expect(repHelmet).toBeFocused();
  // The shopper sends theirs; the rep's stays typed until the rep sends it.
  await shopper.keyboard.press('Enter');
  await expect(shopper.getByTestId('subtotal')).toHaveText('$318.00');
  await expect(page.locator('tr[data-product="helmet-aero"] .quantity')).toHaveText('2', { timeout: 1000 });
  await expect(repHelmet).toHaveValue('3');
  await expect(repHelmet).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('tr[data-product="helmet-aero"] .quantity')).toHaveText('3');
  await expect(shopperHelmet).toHaveValue('3', { timeout: 2000 });
  await expect(shopper.getByTestId('subtotal')).toHaveText('$477.00');
  await context.close();
});

test('a quantity sent from the cart page stays in its field while the cart reloads', async ({ browser }, testInfo) => {
  const { context, shopper } = await shopperWithCart(browser, testInfo);
  // The cart's reload after the change is slow (a busy phone network).
  await answerSlowly(context, '/api/cart');
  const gloves = shopper.getByLabel('Quantity of Summer Gloves');
  await gloves.fill('4');
  const seen = valuesShown(shopper, 'Quantity of Summer Gloves', 2500);
  await gloves.press('Enter');
  await expect(shopper.getByTestId('subtotal')).toHaveText('$116.00');
  expect(await seen).toEqual(['4']);
  await context.close();
});

test('a quantity the rep sets stays in its field while the cart reloads', async ({ page, browser }, testInfo) => {
  const { context, code } = await shopperWithCart(browser, testInfo);
  await signInLive(page);
  await page.getByLabel('Find a cart').fill(code);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByTestId('detail-help-code')).toHaveText(code);
  // The cart's reload after the change is slow.
  await answerSlowly(page, '/admin/api/cart');
  const gloves = page.getByLabel('Quantity of Summer Gloves');
  await gloves.fill('4');
  const seen = valuesShown(page, 'Quantity of Summer Gloves', 2500);
  await gloves.press('Enter');
  await expect(page.getByTestId('detail-subtotal')).toHaveText('$116.00');
  expect(await seen).toEqual(['4']);
  await context.close();
});

test('dismissing a link the rep sent takes the card away and leaves what the shopper was typing', async ({ page, browser }, testInfo) => {
  const { context, shopper, code } = await shopperWithCart(browser, testInfo);
  await shopper.goto('/checkout');
  await waitForHydration(shopper, true);
  await shopper.getByLabel('Email').fill('half-typed@example.com');
  let navigations = 0;
  shopper.on('framenavigated', () => navigations++);

  await signInLive(page);
  await page.getByLabel('Find a cart').fill(code);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByTestId('detail-help-code')).toHaveText(code);
  const linkForm = page.locator('form.link-form');
  await linkForm.getByLabel('Page').fill('/products/helmet-urban');
  await linkForm.getByRole('button', { name: 'Send link' }).click();

  const card = shopper.getByTestId('pushed-link');
  await expect(card).toBeVisible({ timeout: 2000 });
  await card.getByRole('button', { name: /^Dismiss the link/ }).click();
  await expect(card).toHaveCount(0);
  await expect(shopper.getByLabel('Email')).toHaveValue('half-typed@example.com');
  expect(navigations, 'no page load').toBe(0);
  await context.close();
});

test('the active carts list shows a new cart and highlights its changes live', async ({ page, browser }, testInfo) => {
  await signInLive(page);
  const { context, shopper, code } = await shopperWithCart(browser, testInfo);
  // Other tests run in parallel and make carts too: find this shopper's row by its code.
  const row = page.getByTestId('cart-table').locator('tbody tr', { hasText: code });
  await expect(row).toBeVisible({ timeout: 2000 });
  await shopper.goto('/products/brake-pads');
  await waitForHydration(shopper, true);
  await shopper.getByRole('button', { name: 'Add Disc Brake Pads to cart' }).click();
  await expect(row.locator('td').first()).toHaveText('2', { timeout: 1000 });
  await expect(row).toHaveClass(/changed/);
  await context.close();
});

test('when the relay loses its Postgres connection the page resyncs and ends up correct', async ({ page, browser }, testInfo) => {
  const { context, shopper, code } = await shopperWithCart(browser, testInfo);
  await signInLive(page);
  await page.getByLabel('Find a cart').fill(code);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByTestId('detail-help-code')).toHaveText(code);

  // Kill the LISTEN connection of the server under test.
  const database = new URL(process.env.DATABASE_URL!).pathname.slice(1);
  execFileSync('psql', [
    '-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-Atc',
    "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%'",
  ]);
  await expect(page.getByTestId('live-resync')).toBeVisible();

  await shopper.getByRole('button', { name: 'Remove Summer Gloves from cart' }).click();
  await expect(shopper.getByTestId('empty-cart')).toBeVisible();
  await expect(page.getByTestId('detail-empty')).toBeVisible({ timeout: 3000 });
  await context.close();
});

test('the events page shows this process\'s connections and the raw events', async ({ page, browser }, testInfo) => {
  await signInLive(page);
  await page.goto('/events');
  await expect(page.getByTestId('live-status')).toHaveText('Live');
  await expect(page.getByTestId('connection-count')).toHaveText(/^Serving \d+ connections$/);
  await expect(page.getByTestId('session-names')).toContainText(/ben-\d+/);
  await page.getByLabel('Send a line').fill('hello');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('raw-events')).toContainText('["error"');
  const { context } = await shopperWithCart(browser, testInfo);
  await expect(page.getByTestId('raw-events')).toContainText(/"op" ?: ?"item_added"/);
  await context.close();
});
