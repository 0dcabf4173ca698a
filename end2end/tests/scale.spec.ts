import { randomUUID } from 'node:crypto';
import { APIRequestContext } from '@playwright/test';
import { test, expect, signIn } from './fixtures';

// Runs in its own project, after every other test (playwright.config.ts): the first page of
// active carts must be exactly this test's carts.

/** Cents as the pages write them: $1,234.50. */
function dollars(cents: number): string {
  const whole = Math.floor(cents / 100).toLocaleString('en-US');
  return `$${whole}.${String(cents % 100).padStart(2, '0')}`;
}

async function addToCart(shopper: APIRequestContext, productId: number, quantity: number) {
  const response = await shopper.post('/api/cart/add', {
    form: { product_id: String(productId), quantity: String(quantity), request_id: randomUUID() },
  });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as { cart_id: number; version: number; total_cents: number };
}

test('with the active-carts page open, 50 cart changes in one second end with all 50 current totals shown, from at most 10 requests', async ({
  page,
  playwright,
  baseURL,
}) => {
  test.setTimeout(60_000);
  const catalog = await (await page.request.post('/api/catalog', { form: {} })).json();
  const product = catalog.products.find((p: { stock: number }) => p.stock >= 10);
  expect(product, 'a product in stock').toBeTruthy();

  const shoppers = await Promise.all(
    Array.from({ length: 50 }, () => playwright.request.newContext({ baseURL })),
  );
  const carts = await Promise.all(shoppers.map((shopper) => addToCart(shopper, product.product_id, 1)));

  await signIn(page, 'ava');
  await expect(page.getByTestId('live-status')).toHaveText('Live');
  for (const cart of carts) {
    await expect(page.locator(`tr[data-cart="${cart.cart_id}"] td`).nth(1)).toHaveText(dollars(cart.total_cents));
  }
  // Settle: nothing in flight before counting.
  await page.waitForTimeout(500);
  const requests: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/admin/api/carts')) requests.push(request.url());
  });

  const started = Date.now();
  const changed = await Promise.all(shoppers.map((shopper) => addToCart(shopper, product.product_id, 2)));
  const tookMs = Date.now() - started;

  for (const cart of changed) {
    await expect(page.locator(`tr[data-cart="${cart.cart_id}"] td`).nth(1)).toHaveText(dollars(cart.total_cents));
  }
  test.info().annotations.push({
    type: 'figures',
    description: `50 changes made in ${tookMs} ms; ${requests.length} requests for them`,
  });
  console.log(`50 changes made in ${tookMs} ms; the page made ${requests.length} requests for them`);
  expect(requests.length).toBeLessThanOrEqual(10);
  await page.screenshot({ path: test.info().outputPath('active-carts-after-50-changes.png'), fullPage: true });
  await Promise.all(shoppers.map((shopper) => shopper.dispose()));
});
