import { test, expect, isHydrated, signIn, waitForHydration } from './fixtures';

// A page with a visitor's session is served with a CSP whose nonce is the one on its own
// hydration scripts. The catalog and product pages are kept (one copy for every visitor
// without a session, one per shopper for those with a cart), so they carry no nonce: their
// CSP names the SHA-256 of each of their inline scripts. Either way the page hydrates with no console errors (the fixture
// fails the test on any CSP violation).
for (const path of ['/', '/products/helmet-aero', '/cart', '/admin/login']) {
  test(`${path} carries the security headers and hydrates under its CSP`, async ({ page }, testInfo) => {
    const response = await page.goto(path);
    const headers = response!.headers();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    const csp = headers['content-security-policy'];
    expect(csp).toContain("frame-ancestors 'none'");
    const kept = path === '/' || path.startsWith('/products/');
    if (kept) {
      expect(headers['x-tandem-page-cache']).toMatch(/^(hit|miss)$/);
      expect(csp).not.toContain("'nonce-");
      expect(csp).toContain("script-src 'self' 'sha256-");
    } else {
      expect(csp).toContain("'strict-dynamic'");
      const nonce = /'nonce-([^']+)'/.exec(csp)![1];
      expect(nonce.length).toBeGreaterThanOrEqual(22);
      if (isHydrated(testInfo)) {
        const scriptNonces = await page.locator('script').evaluateAll((scripts) =>
          scripts.map((script) => (script as HTMLScriptElement).nonce),
        );
        expect(scriptNonces.length).toBeGreaterThan(0);
        expect(scriptNonces.every((n) => n === nonce)).toBe(true);
      }
    }
    await waitForHydration(page, isHydrated(testInfo));
  });
}

test('the admin pages hydrate and go live under the CSP', async ({ page }, testInfo) => {
  const hydrated = isHydrated(testInfo);
  await signIn(page, 'ava', hydrated);
  if (hydrated) await expect(page.getByTestId('live-status')).toHaveText('Live');
});

test('a store alert written into a link is not shown', async ({ page }, testInfo) => {
  // What server_fn would put in a failed no-JS post's redirect, with an attacker's text.
  const forged = Buffer.from(JSON.stringify({ kind: 'Invalid', message: 'Call 0900-SCAM now' })).toString('base64url');
  await page.goto(`/?__path=/api/cart/add&__err=${forged}`);
  await waitForHydration(page, isHydrated(testInfo));
  await expect(page.getByText('0900-SCAM')).toHaveCount(0);
});
