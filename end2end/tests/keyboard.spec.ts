import { Page } from '@playwright/test';
import { test, expect, isHydrated, openCartAsRep, waitForHydration } from './fixtures';

/**
 * Presses Tab until the focused element's accessible label (aria-label, its label's text or
 * its own text) matches `name`, as a keyboard user would; fails after `limit` presses.
 */
async function tabTo(page: Page, name: RegExp, limit = 120): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (!element || element === document.body) return '';
      const labelled = element.getAttribute('aria-label');
      if (labelled) return labelled;
      const label = element.closest('label') ?? (element.id ? document.querySelector(`label[for="${element.id}"]`) : null);
      return (label?.textContent ?? element.textContent ?? '').replace(/\s+/g, ' ').trim();
    });
    if (name.test(focused)) return;
  }
  throw new Error(`no element named ${name} reached with Tab`);
}

test('a shopper adds to the cart with the keyboard alone', async ({ page }, testInfo) => {
  const hydrated = isHydrated(testInfo);
  await page.goto('/products/socks-stripes');
  await waitForHydration(page, hydrated);
  await tabTo(page, /^Quantity/);
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('2');
  await tabTo(page, /^Add Striped Cycling Socks to cart$/, 3);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-count')).toHaveText('2');
  await expect(page.getByTestId('add-result')).toContainText('Added Striped Cycling Socks');
  // The focus was not lost to the top of the page (with JavaScript on the page stays put).
  if (hydrated) {
    await expect(page.getByRole('button', { name: 'Add Striped Cycling Socks to cart' })).toBeFocused();
  }
});

test('a rep gives a discount with the keyboard alone', async ({ page, browser }, testInfo) => {
  const hydrated = isHydrated(testInfo);
  const shopperContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: false });
  const shopper = await shopperContext.newPage();
  await shopper.goto('/products/gloves-summer');
  await shopper.getByRole('button', { name: 'Add Summer Gloves to cart' }).click();
  await shopper.goto('/cart');
  const code = (await shopper.getByTestId('help-code').textContent())!.trim();

  await openCartAsRep(page, 'ben', code, hydrated);
  await page.locator('body').focus();
  await tabTo(page, /^On /);
  await tabTo(page, /^Kind /, 2);
  await page.keyboard.press('ArrowDown'); // Fixed amount ($)
  await expect(page.locator('form.discount-form select[name="kind"]')).toHaveValue('fixed');
  await tabTo(page, /^Amount/, 2);
  await page.keyboard.type('3');
  await tabTo(page, /^Reason/, 3);
  await page.keyboard.type('Scuffed box');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('rep-discounts').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('rep-discounts')).toContainText('$3.00 off whole cart');
  await expect(page.getByTestId('detail-total')).toHaveText('$26.00');
  await shopperContext.close();
});
