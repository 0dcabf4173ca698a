import { Page } from '@playwright/test';
import { test, expect, isHydrated, waitForHydration, watchConsole } from './fixtures';

// What a first-time shopper downloads before the catalog is interactive, and how long a
// slow phone takes to get there. The figures are printed (the targets are checked in the
// benchmark note, not as timings here); what is asserted is that the files are sent as
// they were compressed at build time, named by content and kept for good, and that a
// throttled add still goes through the hydrated app rather than a full form post.

// Playwright's trace snapshots the page at every step: inside a throttled page that alone
// would take hundreds of milliseconds of the measure.
test.use({ trace: 'off' });

test('a first visit downloads the wasm and js compressed, named by content and kept for good', async ({ page }, testInfo) => {
  test.skip(!isHydrated(testInfo), 'scripts only run with JavaScript');
  const assets: { url: string; bytes: number; encoding?: string; caching?: string }[] = [];
  // Each response is read as it comes; all are read before they are counted.
  const reading: Promise<void>[] = [];
  page.on('response', (response) => {
    const url = response.url();
    if (!/\/pkg\/.*\.(wasm|js)$/.test(new URL(url).pathname)) return;
    reading.push(
      (async () => {
        const sizes = await response.request().sizes();
        const headers = await response.allHeaders();
        assets.push({
          url,
          bytes: sizes.responseBodySize,
          encoding: headers['content-encoding'],
          caching: headers['cache-control'],
        });
      })(),
    );
  });
  await page.goto('/');
  await waitForHydration(page, true);
  await Promise.all(reading);
  expect(assets.filter((asset) => asset.url.endsWith('.wasm')).length, 'the wasm').toBeGreaterThan(0);
  expect(assets.filter((asset) => asset.url.endsWith('.js')).length, 'the js').toBeGreaterThan(0);
  const total = assets.reduce((sum, asset) => sum + asset.bytes, 0);
  console.log(`first visit of the catalog: ${total} bytes of wasm + js over the wire`);
  for (const asset of assets) {
    console.log(`  ${new URL(asset.url).pathname}: ${asset.bytes} bytes, ${asset.encoding}`);
    expect(asset.encoding, asset.url).toBe('br');
    expect(asset.caching, asset.url).toBe('public, max-age=31536000, immutable');
    expect(new URL(asset.url).pathname, 'a content hash in the name').toMatch(/\.[\w-]{8,}\.(wasm|js)$/);
    expect(new URL(asset.url).pathname, 'no staff code').not.toMatch(/\/pkg\/(split_|chunk_)/);
  }
  // Every script the page runs is named in its head, so none waits for another to be parsed
  // before it is fetched.
  const preloaded = await page.locator('link[rel="modulepreload"]').evaluateAll((links) =>
    links.map((link) => new URL((link as HTMLLinkElement).href).pathname),
  );
  for (const script of assets.filter((asset) => asset.url.endsWith('.js'))) {
    expect(preloaded, 'preloaded in the head').toContain(new URL(script.url).pathname);
  }
});

// Timed by the page's own clock (milliseconds since navigation began): when the app took
// over, and when the frame showing the add in the badge was drawn. The tap is a real mouse
// event sent the moment the app is ready, as a shopper's finger would (a tap before that is
// a plain form post, which works but is not what is timed); Playwright's `click()` is not
// used for the timing because its checks run its own large script inside the throttled page
// first. Each run is a first visit (a new browser context, nothing cached). `WEIGHT_RUNS`
// repeats it: the benchmark (`scripts/bench-pages.sh`) runs it alone on the machine and
// prints the spread.
test('with the CPU four times slower the catalog adds through the hydrated app', async ({ browser }, testInfo) => {
  test.skip(!isHydrated(testInfo), 'hydration needs JavaScript');
  const runs = Number(process.env.WEIGHT_RUNS || 1);
  expect(Number.isInteger(runs) && runs >= 1, `WEIGHT_RUNS=${process.env.WEIGHT_RUNS}: a whole number of runs`).toBe(true);
  test.setTimeout(30_000 * runs);
  const added: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
    const page = await context.newPage();
    const problems = watchConsole(page, true);
    const timing = await throttledFirstAdd(page);
    await context.close();
    expect(problems, 'console errors or warnings').toEqual([]);
    console.log(
      `CPU ×4, by the page's clock: catalog hydrated after ${timing.hydratedAt} ms, ` +
        `add answered after ${timing.addedAt} ms (test's wall clock: ${timing.wallClock} ms)`,
    );
    expect(timing.navigations, 'no full form post').toBe(0);
    added.push(timing.addedAt);
  }
  if (runs > 1) {
    added.sort((a, b) => a - b);
    console.log(
      `CPU ×4, ${runs} first visits: add answered after ${added[0]} ms (fastest), ` +
        `${added[Math.floor(runs / 2)]} ms (median), ${added[runs - 1]} ms (slowest)`,
    );
  }
});

/** Opens the catalog with the CPU throttled 4× and adds a helmet as soon as the app is ready. */
async function throttledFirstAdd(page: Page) {
  await page.addInitScript(() => {
    const w = window as any;
    let hydrated = false;
    let readyAt: (at: number) => void = () => {};
    w.__timedReady = new Promise<number>((resolve) => (readyAt = resolve));
    Object.defineProperty(w, '__tandemHydrated', {
      configurable: true,
      get: () => hydrated,
      set: (value) => {
        hydrated = value;
        if (value === true) readyAt(performance.now());
      },
    });
    w.__timedAdded = new Promise<number>((resolve) => {
      const badgeSaysOne = () =>
        document.querySelector('[data-testid="cart-count"]')?.textContent?.trim() === '1';
      const watch = () =>
        new MutationObserver(() => {
          // When the frame showing it has been drawn, not when the text changed.
          if (badgeSaysOne()) requestAnimationFrame(() => setTimeout(() => resolve(performance.now())));
        }).observe(document.body, { childList: true, characterData: true, subtree: true });
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch);
      else watch();
    });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  let navigations = 0;
  const started = Date.now();
  await page.goto('/', { waitUntil: 'commit' });
  page.on('framenavigated', () => navigations++);
  const hydratedAt = await within(
    page.evaluate(() => (window as any).__timedReady as Promise<number>),
    'the app never said it was ready (a panic or a script that failed to load?)',
  );
  const button = await page.evaluate(() => {
    const named = (b: Element) => b.textContent?.replace(/\s+/g, ' ').trim() === 'Add Aero Road Helmet to cart';
    const found = [...document.querySelectorAll('button')].find(named);
    if (!found) throw new Error('no add button for Aero Road Helmet');
    found.scrollIntoView({ block: 'center' });
    const box = found.getBoundingClientRect();
    const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    if (document.elementFromPoint(point.x, point.y)?.closest('button') !== found) {
      throw new Error('something covers the add button');
    }
    return point;
  });
  await page.mouse.click(button.x, button.y);
  const addedAt = await within(
    page.evaluate(() => (window as any).__timedAdded as Promise<number>).catch((error) => {
      throw new Error(`the catalog went away (a full form post?): ${error.message}`);
    }),
    'the badge never showed the add (refused, or answered by a full form post)',
  );
  const wallClock = Date.now() - started;
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  return { hydratedAt: Math.round(hydratedAt), addedAt: Math.round(addedAt), wallClock, navigations };
}

/** `promise`, or a failure saying `what` went wrong after 10 s. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), 10_000);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
