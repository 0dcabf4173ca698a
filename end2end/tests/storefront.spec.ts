import { test, expect, isHydrated, waitForHydration } from './fixtures';

const HELP_CODE = /^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$/;

test('the catalog lists the demo products with prices and pictures', async ({ page }, testInfo) => {
  const pictureRequests: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/images/')) pictureRequests.push(request.url());
  });
  await page.goto('/');
  await waitForHydration(page, isHydrated(testInfo));
  const cards = page.locator('.product-card');
  const count = await cards.count();
  expect(count).toBeGreaterThanOrEqual(24);
  await expect(cards.first().locator('.price')).toHaveText(/^\$\d/);
  // Each card's picture is drawn into the page (4:3, at the card's width), not fetched.
  await expect(cards.locator('svg.picture')).toHaveCount(count);
  const box = (await cards.first().locator('svg.picture').boundingBox())!;
  expect(box.width / box.height).toBeCloseTo(4 / 3, 1);
  expect(box.width).toBeGreaterThan(150);
  expect(pictureRequests).toEqual([]);
});

test('a category filter narrows the catalog', async ({ page }, testInfo) => {
  await page.goto('/');
  await waitForHydration(page, isHydrated(testInfo));
  await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Helmets' }).click();
  await expect(page).toHaveURL(/category=Helmets/);
  await expect(page.locator('.product-card')).toHaveCount(3);
});

test('a shopper adds, changes and removes products and sees a help code', async ({ page }, testInfo) => {
  const hydrated = isHydrated(testInfo);
  await page.goto('/');
  await waitForHydration(page, hydrated);
  // Survives only if the page is not reloaded: proves the hydrated add is in place.
  if (hydrated) await page.evaluate(() => ((window as any).__sameDocument = true));

  await page.getByRole('button', { name: 'Add Aero Road Helmet to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  // Answered beside the button, and in the cart badge, naming the product.
  const helmetCard = page.locator('.product-card[data-product="helmet-aero"]');
  await expect(helmetCard.getByTestId('add-result')).toHaveText('Added Aero Road Helmet to your cart.');
  await expect(page.getByTestId('badge-note')).toHaveText('Added Aero Road Helmet');
  if (hydrated) expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  await page.goto('/products/socks-stripes');
  await waitForHydration(page, hydrated);
  await page.getByLabel('Quantity').fill('3');
  await page.getByRole('button', { name: 'Add Striped Cycling Socks to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('4');

  await page.getByRole('link', { name: /^Cart/ }).click();
  await waitForHydration(page, hydrated);
  await expect(page.getByTestId('help-code')).toHaveText(HELP_CODE);
  await expect(page.getByTestId('subtotal')).toHaveText('$201.00');

  await page.getByLabel('Quantity of Striped Cycling Socks').fill('5');
  await page.locator('tr[data-product="socks-stripes"]').getByRole('button', { name: 'Update' }).click();
  await expect(page.getByTestId('subtotal')).toHaveText('$229.00');
  await expect(page.getByTestId('cart-count')).toHaveText('6');

  await page.getByRole('button', { name: 'Remove Aero Road Helmet from cart' }).click();
  await expect(page.getByTestId('subtotal')).toHaveText('$70.00');
  await page.getByRole('button', { name: 'Remove Striped Cycling Socks from cart' }).click();
  await expect(page.getByTestId('empty-cart')).toBeVisible();
});

test('asking for more than is in stock is refused with a clear message', async ({ page }, testInfo) => {
  const hydrated = isHydrated(testInfo);
  await page.goto('/products/e-bike-volta');
  await waitForHydration(page, hydrated);
  await page.getByLabel('Quantity').fill('3');
  await page.getByRole('button', { name: 'Add Volta E-Bike to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('3');
  await page.getByLabel('Quantity').fill('1');
  await page.getByRole('button', { name: 'Add Volta E-Bike to cart' }).click();
  await expect(page.getByText('Only 3 of Volta E-Bike left in stock and your cart already has 3.')).toBeVisible();
  await expect(page.getByTestId('cart-count')).toHaveText('3');
});

test('an out-of-stock product cannot be added', async ({ page }, testInfo) => {
  await page.goto('/products/mtb-sentiero');
  await waitForHydration(page, isHydrated(testInfo));
  await expect(page.getByRole('button', { name: 'Add Sentiero Trail MTB to cart' })).toBeDisabled();
});

test('an unknown product page answers 404 with a way back', async ({ page, consoleProblems }, testInfo) => {
  const response = await page.goto('/products/no-such-thing');
  expect(response?.status()).toBe(404);
  await waitForHydration(page, isHydrated(testInfo));
  await expect(page.getByRole('alert')).toHaveText('We could not find that product.');
  // Chromium logs every 404 document as a console error; that one is the point of this test.
  const expected = consoleProblems.findIndex((p) => p.includes('status of 404'));
  if (expected >= 0) consoleProblems.splice(expected, 1);
});
