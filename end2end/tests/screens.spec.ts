import path from 'node:path';
import { Page } from '@playwright/test';
import { test, expect, expectNoSidewaysScroll, openCartAsRep, waitForHydration } from './fixtures';

// Screenshots at 390×844 of the pages a phone call goes through, written to
// end2end/screenshots/ (committed, to look at), each checked for sideways scroll.
test.skip(({ javaScriptEnabled, isMobile }) => !javaScriptEnabled || !isMobile, 'phone screenshots, hydrated');

const SCREENSHOTS = path.join(__dirname, '..', 'screenshots');

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage, animations: 'disabled' });
}

test('phone screenshots of the catalog, cart, rep list and rep cart detail, none scrolling sideways', async ({ page, browser }, testInfo) => {
  // The shopper on a phone.
  await page.goto('/');
  await waitForHydration(page, true);
  await shoot(page, 'catalog');
  await page.getByRole('button', { name: 'Add Aero Road Helmet to cart' }).click();
  await expect(page.getByTestId('badge-note')).toBeVisible();
  await page.goto('/products/socks-stripes');
  await waitForHydration(page, true);
  await page.getByRole('button', { name: 'Add Striped Cycling Socks to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('2');
  await page.goto('/cart');
  await waitForHydration(page, true);
  const code = (await page.getByTestId('help-code').textContent())!.trim();

  // The rep, on a phone too.
  const { viewport, isMobile, hasTouch, deviceScaleFactor, baseURL } = testInfo.project.use;
  const repContext = await browser.newContext({ viewport, isMobile, hasTouch, deviceScaleFactor, baseURL });
  const rep = await repContext.newPage();
  await openCartAsRep(rep, 'ava', code);
  await expect(rep.getByTestId('live-status')).toHaveText('Live');
  const form = rep.locator('form.discount-form');
  await form.getByLabel(/^Amount/).fill('10');
  await form.getByLabel('Reason').fill('Phone order goodwill');
  await form.getByRole('button', { name: 'Give discount' }).click();
  await expect(rep.getByTestId('rep-discounts').locator('li')).toHaveCount(1);
  await rep.locator('form.link-form').getByLabel('Page').fill('/products/helmet-urban');
  await rep.locator('form.link-form').getByRole('button', { name: 'Send link' }).click();

  // What the shopper sees of it.
  await expect(page.getByTestId('pushed-link')).toBeVisible({ timeout: 2000 });
  await expect(page.getByTestId('discount')).toBeVisible();
  await shoot(page, 'cart', true);

  await shoot(rep, 'rep-cart-detail', true);
  await rep.getByRole('link', { name: 'Active carts' }).click();
  await expect(rep.getByTestId('cart-table')).toBeVisible();
  await shoot(rep, 'rep-list');
  await repContext.close();
});
