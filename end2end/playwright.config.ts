import { defineConfig } from '@playwright/test';

// Every test runs twice: once with JavaScript off (the SSR forms must work alone) and
// once hydrated. Debian's chromium is used; Playwright never downloads a browser here.
const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3400';

export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'nojs', use: { javaScriptEnabled: false }, testIgnore: /scale\.spec\.ts/ },
    { name: 'hydrated', use: { javaScriptEnabled: true }, testIgnore: /scale\.spec\.ts/ },
    // Alone, after the others: it needs the first page of active carts to itself.
    {
      name: 'scale',
      use: { javaScriptEnabled: true },
      testMatch: /scale\.spec\.ts/,
      dependencies: ['nojs', 'hydrated'],
    },
  ],
});
