import axe from 'axe-core';
import { expect } from 'chai';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { RP } from './harness.js';

// axe-core on a screen as it stands (WCAG 2.0/2.1 A and AA rules, which JIS X 8341-3:2016 level AA
// follows): a serious or critical violation fails the test with what and where.
// axe-core is put into the page once per document and run there directly: @axe-core/playwright's
// AxeBuilder injects it again and finishes every run in a page of its own, ten times slower, which the
// hundreds of checks of test/*/accessibility.test.ts cannot afford. Our pages have no frames.

export interface AxeViolation { id: string; impact: string; help: string; targets: string[] }

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The serious and critical violations on the page now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async (tags) => {
    const engine = (window as unknown as { axe: typeof axe }).axe;
    const results = await engine.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  }, TAGS);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Fails with the violations found on `screen` (a name for the message: journey, step, width, language). */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${screen}: ${JSON.stringify(violations, null, 1)}`).to.deep.equal([]);
}

// Every screen at the two widths of the issue (a phone and a PC window), in both languages: the suites
// under test/*/accessibility.test.ts open one context per language and call checkScreen on each screen
// and error state they reach; the page is resized in place, so each screen is loaded only once per language.

export const LANGS = ['ja', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const WIDTHS = [375, 1280] as const;

/** A browser profile that shows every page in `lang` (the remembered choice of the language switch). */
export async function contextIn(browser: Browser, baseUrl: string, lang: Lang): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: lang === 'ja' ? 'ja-JP' : 'en-US', viewport: { width: WIDTHS[0], height: 800 } });
  await context.addCookies([{ name: 'cert_idp.lang', value: lang, url: baseUrl }]);
  // rp.example.test does not exist: the relying party's callback is answered here.
  await context.route(`${new URL(RP.redirectUri).origin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>RP</title><h1>RP</h1>' }));
  return { context, page: await context.newPage() };
}

/**
 * axe at 375 px and at 1280 px (and nothing wider than the window at 375 px), in the page's language,
 * which must be `lang`; every screen also links the accessibility page from its footer.
 */
export async function checkScreen(page: Page, lang: Lang, screen: string): Promise<void> {
  await page.waitForLoadState('load');
  expect(await page.locator('html').getAttribute('lang'), `${screen}: the page's language`).to.equal(lang);
  expect(await page.locator('footer a[href="/accessibility"]').count(), `${screen}: the footer's link to the accessibility page`).to.equal(1);
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    const name = `${screen} (${lang}, ${width} px)`;
    await expectAccessible(page, name);
    if (width === WIDTHS[0]) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${name}: the page is wider than the window`).to.be.at.most(0);
    }
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 800 });
}

/** The lines of an element's text as the browser laid them out (each character's line from its box). */
export async function renderedLines(element: Locator): Promise<string[]> {
  return element.evaluate((node) => {
    const lines: string[] = [];
    let top: number | undefined;
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const value = text.textContent ?? '';
      for (let i = 0; i < value.length; i += 1) {
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        const box = range.getClientRects()[0];
        if (!box) continue;
        if (top === undefined || box.top > top + box.height / 2) {
          lines.push(value[i] ?? '');
          top = box.top;
        } else {
          lines[lines.length - 1] = `${lines[lines.length - 1] ?? ''}${value[i] ?? ''}`;
        }
      }
    }
    return lines.map((line) => line.trim()).filter(Boolean);
  });
}
