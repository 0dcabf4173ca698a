import { test, expect, isHydrated, signIn, waitForHydration } from './fixtures';

test('a rep signs in, types the help code a shopper reads out and sees exactly that cart', async ({ page, browser }, testInfo) => {
  const hydrated = isHydrated(testInfo);

  // The shopper, in a browser context of their own.
  const shopperContext = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: hydrated,
  });
  const shopper = await shopperContext.newPage();
  await shopper.goto('/products/pump-floor');
  await waitForHydration(shopper, hydrated);
  await shopper.getByLabel('Quantity').fill('2');
  await shopper.getByRole('button', { name: 'Add Floor Pump Track to cart' }).click();
  await expect(shopper.getByTestId('cart-count')).toHaveText('2');
  await shopper.goto('/cart');
  const code = (await shopper.getByTestId('help-code').textContent())!.trim();

  // The rep.
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/admin\/login$/);
  await waitForHydration(page, hydrated);
  await page.getByLabel('Username').fill('ava');
  await page.getByLabel('Password').fill('rep-demo-pass');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('staff-name')).toHaveText('Ava Rep');
  await waitForHydration(page, hydrated);

  // Read over the phone: lower case, no dash.
  await page.getByLabel('Find a cart').fill(code.toLowerCase().replace('-', ''));
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page).toHaveURL(/\/admin\/carts\/\d+$/);
  await expect(page.getByTestId('detail-help-code')).toHaveText(code);
  const rows = page.getByTestId('detail-lines').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Floor Pump Track');
  await expect(rows.first().locator('.quantity')).toHaveText('2');
  await expect(page.getByTestId('detail-subtotal')).toHaveText('$98.00');
  await shopperContext.close();
});

test('a wrong password is refused on the sign-in page', async ({ page }, testInfo) => {
  await page.goto('/admin/login');
  await waitForHydration(page, isHydrated(testInfo));
  await page.getByLabel('Username').fill('ben');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
});

test('an admin creates a sales rep on the staff page, who can then sign in', async ({ page, browser }, testInfo) => {
  const hydrated = isHydrated(testInfo);
  const username = `rep${Date.now() % 1_000_000}${hydrated ? 'h' : 'n'}`;
  await signIn(page, 'admin', hydrated);
  await page.getByRole('link', { name: 'Staff', exact: true }).click();
  await waitForHydration(page, hydrated);
  const create = page.locator('form.staff-create');
  await create.getByLabel('Username').fill(username);
  await create.getByLabel('Display name').fill('New Rep');
  await create.getByLabel('Password').fill('a long enough password');
  await create.getByLabel('Sales rep').check();
  await create.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByTestId('staff-list').locator(`li[data-username="${username}"]`)).toBeVisible();

  const repContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: hydrated });
  const rep = await repContext.newPage();
  await rep.goto('/admin/login');
  await waitForHydration(rep, hydrated);
  await rep.getByLabel('Username').fill(username);
  await rep.getByLabel('Password').fill('a long enough password');
  await rep.getByRole('button', { name: 'Sign in' }).click();
  await expect(rep.getByTestId('staff-name')).toHaveText('New Rep');
  await repContext.close();
});
