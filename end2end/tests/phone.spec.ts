import { test, expect, openCartAsRep, shopperWithCart, waitForHydration } from './fixtures';

// The phone scenario needs both pages live (JavaScript on).
test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'live collaboration needs JavaScript');

test('on the phone: the rep finds the cart, adds an item, gives 10% and sends a link; the shopper sees each within a second', async ({ page, browser }, testInfo) => {
  // The shopper, in their own browser.
  const shopperContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const shopper = await shopperContext.newPage();
  const shopperProblems: string[] = [];
  shopper.on('pageerror', (error) => shopperProblems.push(error.message));
  await shopper.goto('/');
  await waitForHydration(shopper, true);
  await shopper.getByRole('button', { name: 'Add Summer Gloves to cart' }).click();
  await expect(shopper.getByTestId('cart-count')).toHaveText('1');
  await shopper.getByRole('link', { name: /^Cart/ }).click();
  await expect(shopper.getByTestId('help-code')).toBeVisible();
  const code = (await shopper.getByTestId('help-code').textContent())!.trim();

  // The rep, who hears the code over the phone.
  await openCartAsRep(page, 'ben', code);
  await expect(page.getByTestId('live-status')).toHaveText('Live');
  await expect(page.getByTestId('shopper-presence')).toHaveText('On the site now');
  await expect(shopper.getByTestId('rep-banner')).toContainText('Ben Rep', { timeout: 2000 });

  // 1. An item.
  await page.getByLabel('Search products').fill('aero');
  await page.getByRole('button', { name: "Add Aero Road Helmet to the shopper's cart" }).click();
  await expect(page.getByTestId('audit').locator('li')).toHaveCount(1);
  await expect(shopper.getByTestId('cart-lines')).toContainText('Aero Road Helmet', { timeout: 1000 });
  // Said in the shopper's words, with the line highlighted.
  await expect(shopper.locator('.notice-area')).toContainText('Ben Rep added Aero Road Helmet.');
  await expect(shopper.locator('tr[data-product="helmet-aero"]')).toHaveClass(/rep-changed/);

  // 2. 10% off the whole cart, with a reason.
  const discountForm = page.locator('form.discount-form');
  await discountForm.getByLabel(/^Amount/).fill('10');
  await discountForm.getByLabel('Reason').fill('Phone order goodwill');
  await discountForm.getByRole('button', { name: 'Give discount' }).click();
  await expect(page.getByTestId('audit').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('detail-total')).toHaveText('$169.20');
  await expect(shopper.getByTestId('discount')).toHaveText('-$18.80', { timeout: 1000 });
  await expect(shopper.getByTestId('total')).toHaveText('$169.20');

  // 3. A link to a product page.
  const linkForm = page.locator('form.link-form');
  await linkForm.getByLabel('Page').fill('/products/helmet-urban');
  await linkForm.getByLabel('Note').fill('A lighter option');
  await linkForm.getByRole('button', { name: 'Send link' }).click();
  await expect(page.getByTestId('audit').locator('li')).toHaveCount(3);
  const card = shopper.getByTestId('pushed-link');
  await expect(card).toContainText('A lighter option', { timeout: 1000 });

  // The audit timeline tells the story, newest first.
  const actions = await page.getByTestId('audit').locator('li').evaluateAll((items) =>
    items.map((item) => item.getAttribute('data-action')),
  );
  expect(actions).toEqual(['link_pushed', 'discount_added', 'item_added']);
  await expect(page.getByTestId('audit')).toContainText('Phone order goodwill');

  // The shopper opens the link.
  // A card with the page's title, picture and price.
  await expect(card.locator('img')).toHaveAttribute('src', /^\/images\/products\/helmet-urban\.svg\?v=[0-9a-f]{8}$/);
  await expect(card).toContainText('$79.00');
  await card.getByRole('link', { name: 'Urban Commuter Helmet' }).click();
  await expect(shopper.getByRole('heading', { level: 1 })).toHaveText('Urban Commuter Helmet');
  expect(shopperProblems).toEqual([]);
  await shopperContext.close();
});

test('a stale edit by the rep is refused with a clear message and the cart is refreshed', async ({ page, browser }, testInfo) => {
  const { context: shopperContext, shopper, code } = await shopperWithCart(browser, testInfo, {
    product: 'Striped Cycling Socks',
    path: '/products/socks-stripes',
  });

  await openCartAsRep(page, 'ava', code);

  // The rep's page is on version N; make the server move on without the rep's page hearing
  // it by submitting a form with an old version through the page itself.
  await page.locator('form.discount-form input[name="version"]').evaluate((input: HTMLInputElement) => {
    input.value = String(Number(input.value) - 1);
  });
  const discountForm = page.locator('form.discount-form');
  await discountForm.getByLabel(/^Amount/).fill('5');
  await discountForm.getByLabel('Reason').fill('Testing stale');
  await discountForm.getByRole('button', { name: 'Give discount' }).click();
  await expect(page.getByRole('alert')).toContainText('changed since you loaded it');
  await expect(shopper.getByTestId('total')).toHaveText('$14.00');
  await shopperContext.close();
});
