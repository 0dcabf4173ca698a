import { test, expect, isHydrated, openCartAsRep, waitForHydration } from './fixtures';

const ORDER_NUMBER = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;

async function fillDetails(page: import('@playwright/test').Page, email = 'ada@example.com') {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
  await page.getByLabel('Street address').fill('12 Cycle Lane');
  await page.getByLabel('Postal code').fill('1010');
  await page.getByLabel('City').fill('Vienna');
  await page.getByLabel('Country').fill('Austria');
}

test('a shopper checks out and sees the order number; the rep watching the cart sees it become an order', async ({ page, browser }, testInfo) => {
  const hydrated = isHydrated(testInfo);
  await page.goto('/');
  await waitForHydration(page, hydrated);
  await page.getByRole('button', { name: 'Add Summer Gloves to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  await page.goto('/cart');
  await waitForHydration(page, hydrated);
  const code = (await page.getByTestId('help-code').textContent())!.trim();

  // The rep has the cart open (a hydrated page: live updates need it).
  const repContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: true });
  const rep = await repContext.newPage();
  await openCartAsRep(rep, 'ben', code);
  await expect(rep.getByTestId('live-status')).toHaveText('Live');
  await rep.evaluate(() => ((window as any).__sameDocument = true));

  await page.getByRole('link', { name: 'Checkout' }).click();
  await waitForHydration(page, hydrated);
  await expect(page.getByTestId('checkout-total')).toHaveText('$29.00');
  await fillDetails(page);
  await page.getByRole('button', { name: /^Place order/ }).click();
  await expect(page.getByTestId('order-number')).toHaveText(ORDER_NUMBER);
  const number = (await page.getByTestId('order-number').textContent())!.trim();
  await expect(page.getByTestId('order-status')).toContainText('Awaiting payment');

  await expect(rep.getByTestId('cart-ordered')).toContainText(number);
  expect(await rep.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await rep.getByRole('link', { name: number }).click();
  await expect(rep.getByTestId('order-number')).toHaveText(number);
  await expect(rep.getByTestId('order-total')).toHaveText('$29.00');
  await repContext.close();
});

test('a checkout with a bad email says what is wrong beside it and keeps what was typed', async ({ page }, testInfo) => {
  const hydrated = isHydrated(testInfo);
  await page.goto('/products/socks-stripes');
  await waitForHydration(page, hydrated);
  await page.getByRole('button', { name: 'Add Striped Cycling Socks to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  await page.goto('/checkout');
  await waitForHydration(page, hydrated);
  // The browser's own check lets a dotless domain through; the server does not.
  await fillDetails(page, 'ada@example');
  await page.getByRole('button', { name: /^Place order/ }).click();
  await expect(page.locator('.field-problem').first()).toContainText('does not look right');
  await expect(page.getByLabel('Email')).toHaveValue('ada@example');
  await expect(page.getByLabel('City')).toHaveValue('Vienna');
});
