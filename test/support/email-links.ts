import { expect } from 'chai';
import { findForm, textOf, type HttpBrowser, type Page } from './browser.js';

// The mailed address links (S1 メールアドレス設定, S4/G7 メールアドレス変更): GET shows a landing page that
// changes nothing; its one button (a CSRF-protected POST with the token) does the step.

export const EMAIL_LANDING = {
  register: { title: 'メールアドレス設定', button: 'メールアドレスを設定する' },
  change: { title: 'メールアドレス変更', button: 'メールアドレスを変更する' },
} as const;

/** Opens a mailed address link and presses its button, as the user does; returns the result page. */
export async function confirmEmailLink(browser: HttpBrowser, url: string): Promise<Page> {
  const landing = await browser.get(url);
  expect(landing.status, `landing page of ${url}`).to.equal(200);
  return pressEmailButton(browser, landing);
}

/** Presses the one button of a landing page. */
export function pressEmailButton(browser: HttpBrowser, landing: Page): Promise<Page> {
  return browser.submit(landing, new URL(landing.url).pathname, {});
}

/**
 * Posts a token to a confirm path as the landing page's button would (with a valid CSRF token of
 * this browser, taken from a public form page), for tokens that get no landing page.
 */
export async function postEmailToken(browser: HttpBrowser, base: string, path: string, token: string): Promise<Page> {
  const formPage = await browser.get(`${base}/students/second-password/forgot`);
  const { hidden } = findForm(formPage, /./);
  return browser.request('POST', `${base}${path}`, new URLSearchParams({ _csrf: hidden._csrf!, token }));
}

/** The address as the landing page shows it, and its button. */
export function expectEmailLanding(page: Page, kind: keyof typeof EMAIL_LANDING): void {
  expect(page.status).to.equal(200);
  expect(textOf(page)).to.contain(EMAIL_LANDING[kind].title).and.contain(EMAIL_LANDING[kind].button);
  expect(page.html).to.match(/<button\b[^>]*type="submit"/);
}
