import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { RP, startTestServer, type DatabaseTarget, type TestServer } from './harness.js';

// Headless Chromium for the screen tests: Debian's /usr/bin/chromium driven by playwright-core (no
// browser download), the relying party's callback answered by the test, a screenshot of every
// screen for a person to look at, and the 375-px rule (DESIGN §1) checked on each.

export interface Viewport { name: string; options: BrowserContextOptions }

export const VIEWPORTS: Viewport[] = [
  { name: 'desktop', options: { viewport: { width: 1280, height: 900 } } },
  { name: 'phone', options: { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } },
];

export const PHONE = VIEWPORTS[1]!;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/** A browser suite's two parts, started together (before) and stopped together (after). */
export async function startChromiumAndServer(db: DatabaseTarget): Promise<{ browser: Browser; server: TestServer }> {
  const [browser, server] = await Promise.all([launchChromium(), startTestServer(db)]);
  return { browser, server };
}

export async function stopChromiumAndServer(browser: Browser | undefined, server: TestServer | undefined): Promise<void> {
  await browser?.close();
  await server?.stop();
}

/** A fresh profile (no cookies) whose requests to the client's callback are answered here and recorded. */
export async function openContext(browser: Browser, viewport: Viewport): Promise<{ context: BrowserContext; page: Page; callbacks: string[] }> {
  const context = await browser.newContext({ ...viewport.options, locale: 'ja-JP' });
  const callbacks: string[] = [];
  // rp.example.test does not exist: the relying party's callback is answered by the test.
  await context.route(`${new URL(RP.redirectUri).origin}/**`, (route) => {
    callbacks.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>RP</title><h1>RP callback</h1>' });
  });
  return { context, page: await context.newPage(), callbacks };
}

/** Saves test-artifacts/screenshots/<folder>/<name>.png and checks nothing sticks out sideways. */
export async function shoot(page: Page, folder: string, name: string): Promise<void> {
  const directory = path.resolve('test-artifacts/screenshots', folder);
  await mkdir(directory, { recursive: true });
  // The heading can be there before the rest of the document: shoot the finished page only.
  await page.waitForLoadState('load');
  await page.screenshot({ path: path.join(directory, `${name}.png`), fullPage: true });
  const overflow = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(overflow.scroll, `${folder}/${name}: the page is wider than the window`).to.be.at.most(overflow.client);
}

/** Waits for the page's heading (h1) as the user reads it. */
export async function heading(page: Page, title: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
}

/** Waits for a text shown on the page, exactly as written. */
export async function text(page: Page, content: string): Promise<void> {
  await page.getByText(content, { exact: true }).waitFor();
}
