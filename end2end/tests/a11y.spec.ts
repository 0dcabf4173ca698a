import AxeBuilder from '@axe-core/playwright';
import { Page } from '@playwright/test';
import { test, expect, isHydrated, openCartAsRep, waitForHydration } from './fixtures';

// axe-core on every page a shopper or a rep spends a call on, at the desktop's and the
// phone's width, with JavaScript off and on (the project decides). Serious and critical
// violations fail the test, listed with the elements they were found on.
async function expectNoSeriousViolations(page: Page, what: string): Promise<void> {
  // axe runs as a script in the page. With JavaScript off it cannot, so the same page (same
  // cookies, same window) is loaded again with scripts allowed but the app's wasm and JS
  // blocked: the server-rendered document a browser without JavaScript shows.
  const jsOff = test.info().project.use.javaScriptEnabled === false;
  let checked = page;
  if (jsOff) {
    const { viewport, isMobile, hasTouch, deviceScaleFactor } = test.info().project.use;
    const context = await page.context().browser()!.newContext({
      storageState: await page.context().storageState(),
      javaScriptEnabled: true,
      viewport,
      isMobile,
      hasTouch,
      deviceScaleFactor,
    });
    await context.route('**/pkg/**', (route) => route.abort());
    checked = await context.newPage();
    await checked.goto(page.url());
  }
  const results = await new AxeBuilder({ page: checked }).analyze();
  if (jsOff) await checked.context().close();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      where: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    }));
  expect(serious, `serious or critical accessibility violations on ${what}`).toEqual([]);
}

test('the shopper pages have no serious accessibility violations', async ({ page }, testInfo) => {
  // Five pages, each loaded a second time without JavaScript for axe: more than the usual
  // 30 s on a slow machine.
  test.slow();
  const hydrated = isHydrated(testInfo);
  await page.goto('/');
  await waitForHydration(page, hydrated);
  await expectNoSeriousViolations(page, 'the catalog');

  await page.goto('/products/helmet-aero');
  await waitForHydration(page, hydrated);
  await expectNoSeriousViolations(page, 'a product page');
  await page.getByRole('button', { name: 'Add Aero Road Helmet to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  // The answer to the add is part of the page now: check it too.
  await expectNoSeriousViolations(page, 'a product page after adding');

  await page.goto('/cart');
  await waitForHydration(page, hydrated);
  await expect(page.getByTestId('help-code')).toBeVisible();
  await expectNoSeriousViolations(page, 'the cart');

  await page.goto('/checkout');
  await waitForHydration(page, hydrated);
  await expect(page.getByTestId('checkout-total')).toBeVisible();
  await expectNoSeriousViolations(page, 'the checkout');
});

test('the rep pages have no serious accessibility violations', async ({ page, browser }, testInfo) => {
  const hydrated = isHydrated(testInfo);
  // A shopper with a cart, so the list and the detail have something in them.
  const shopperContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: false });
  const shopper = await shopperContext.newPage();
  await shopper.goto('/products/socks-stripes');
  await shopper.getByRole('button', { name: 'Add Striped Cycling Socks to cart' }).click();
  await shopper.goto('/cart');
  const code = (await shopper.getByTestId('help-code').textContent())!.trim();

  await openCartAsRep(page, 'ava', code, hydrated);
  await expectNoSeriousViolations(page, 'the rep cart detail');

  await page.goto('/admin');
  await waitForHydration(page, hydrated);
  await expect(page.getByTestId('cart-table')).toBeVisible();
  await expectNoSeriousViolations(page, 'the active carts list');

  await page.goto('/admin?q=ZZZ-ZZZ');
  await waitForHydration(page, hydrated);
  await expect(page.getByTestId('no-carts')).toBeVisible();
  await expectNoSeriousViolations(page, 'a finder miss');
  await shopperContext.close();
});
