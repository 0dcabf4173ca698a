import { test as base, expect, Page } from '@playwright/test';

// Fails any test whose page logged an error or warning (hydration mismatches included)
// or threw an uncaught exception. Chromium also logs every non-2xx fetch as an error; a
// refusal the app explains to the user (422 invalid input, 409 conflict) is expected.
const EXPECTED_REFUSAL = /Failed to load resource: the server responded with a status of (422|409)/;
// With JavaScript off, Chromium warns that the preloaded wasm went unused: true, and expected.
const UNUSED_WASM_PRELOAD = /tandem\.wasm was preloaded using link preload but not used/;
export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: [
    async ({ page }, use, testInfo) => {
      const problems: string[] = [];
      const jsOff = testInfo.project.name === 'nojs';
      page.on('console', (message) => {
        const text = message.text();
        if (EXPECTED_REFUSAL.test(text) || (jsOff && UNUSED_WASM_PRELOAD.test(text))) return;
        if (message.type() === 'error' || message.type() === 'warning') {
          problems.push(`${message.type()}: ${text}`);
        }
      });
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      await use(problems);
      expect(problems, 'console errors or warnings').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** True in the project that runs the wasm client. */
export function isHydrated(testInfo: { project: { name: string } }): boolean {
  return testInfo.project.name === 'hydrated';
}

/** Waits until the wasm client has taken over the page (no-op with JavaScript off). */
export async function waitForHydration(page: Page, hydrated: boolean): Promise<void> {
  if (!hydrated) return;
  await page.waitForFunction(() => (window as any).__tandemHydrated === true);
}
