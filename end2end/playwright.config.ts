import { defineConfig } from '@playwright/test';

// Every test runs twice: once with JavaScript off (the SSR forms must work alone) and
// once hydrated. Debian's chromium is used; Playwright never downloads a browser here.
const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3400';
// A 390×844 phone with touch, as the storefront is mostly used.
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const PHONE_SPECS = [/storefront\.spec\.ts/, /checkout\.spec\.ts/, /a11y\.spec\.ts/, /feedback\.spec\.ts/, /screens\.spec\.ts/];

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
    // Desktop (1280×720), every spec but the phone-only screenshots and the scale test.
    { name: 'nojs', use: { javaScriptEnabled: false }, testIgnore: [/scale\.spec\.ts/, /screens\.spec\.ts/] },
    { name: 'hydrated', use: { javaScriptEnabled: true }, testIgnore: [/scale\.spec\.ts/, /screens\.spec\.ts/] },
    // A phone (390×844, touch): the storefront, checkout, accessibility and screenshot specs.
    { name: 'phone-nojs', use: { ...PHONE, javaScriptEnabled: false }, testMatch: PHONE_SPECS },
    { name: 'phone-hydrated', use: { ...PHONE, javaScriptEnabled: true }, testMatch: PHONE_SPECS },
    // Alone, after the others: it needs the first page of active carts to itself.
    {
      name: 'scale',
      use: { javaScriptEnabled: true },
      testMatch: /scale\.spec\.ts/,
      dependencies: ['nojs', 'hydrated', 'phone-nojs', 'phone-hydrated'],
    },
  ],
});
