import { test as base, expect, Page } from '@playwright/test';

// Fails any test whose page logged an error or warning (hydration mismatches included)
// or threw an uncaught exception.
export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') {
          problems.push(`${message.type()}: ${message.text()}`);
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
