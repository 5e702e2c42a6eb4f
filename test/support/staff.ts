import { expect } from 'chai';
import { totpCode } from '../../src/staff/auth/totp.js';
import { reissueEnrolmentLink } from '../../src/staff/members/service.js';
import { HttpBrowser, textOf, type Page } from './browser.js';
import type { TestServer } from './harness.js';
import type { ReceivedMail } from './smtp.js';

// Staff sign-in for tests: the console over the tests' one HTTP client (./browser.ts), with TOTP codes
// computed with otplib. A user who has not enrolled enrols through an enrolment link, as staff do.

/** A client for the staff console at this server (targets may be paths such as '/admin/login'). */
export function staffBrowser(server: Pick<TestServer, 'url'>): HttpBrowser {
  return new HttpBrowser({ base: server.url });
}

/**
 * A staff user as the tests know them. `enrolmentUrl`: the enrolment link create-staff, スタッフの追加 or
 * a reset handed out (used, and cleared, by the next enrolment).
 */
export interface StaffCredentials { loginId: string; password: string; secret?: string; lastStep?: number; enrolmentUrl?: string }

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const stepNow = () => Math.floor(Date.now() / 30_000);

/** The code of the next time step this user has not used yet (waits only if two steps ahead). */
export async function nextCode(creds: StaffCredentials): Promise<string> {
  let step = stepNow();
  if (creds.lastStep !== undefined && step <= creds.lastStep) step = creds.lastStep + 1;
  while (step > stepNow() + 1) await sleep(500);
  creds.lastStep = step;
  return totpCode(creds.secret!, step * 30_000);
}

/** A six-digit code that is none of the valid ones around now. */
export async function wrongCode(secret: string): Promise<string> {
  const valid = await Promise.all([-1, 0, 1].map((d) => totpCode(secret, (stepNow() + d) * 30_000)));
  return ['123456', '654321', '111111'].find((c) => !valid.includes(c))!;
}

export function secretOn(page: Page): string {
  const match = page.html.match(/id="totp-secret">([^<]+)</);
  if (!match) throw new Error(`no secret on ${page.url}:\n${page.html.slice(0, 1500)}`);
  return match[1]!.replace(/\s+/g, '');
}

export function initialPasswordIn(mail: ReceivedMail): string {
  const match = mail.text.match(/初回パスワード：\s*(\S+)/);
  if (!match) throw new Error(`no initial password in:\n${mail.text}`);
  return match[1]!;
}

/** The enrolment link shown on a console page (スタッフの追加, 二要素認証のリセット). */
export function enrolmentLinkOn(page: Page): string {
  const match = page.html.match(/id="enrolment-link">([^<]+)</);
  if (!match) throw new Error(`no enrolment link on ${page.url}:\n${textOf(page).slice(0, 1500)}`);
  return match[1]!.replace(/&amp;/g, '&');
}

/**
 * Enrolment as a new staff user does it: open the enrolment link, give the password on the login page
 * it shows, scan the secret, enter a code. Without `creds.enrolmentUrl` a link is issued as an
 * operator would (create-staff --enrolment-link). Ends where the enrolment leads (the queue).
 */
export async function enrolThroughLink(server: TestServer, browser: HttpBrowser, creds: StaffCredentials): Promise<Page> {
  const url = creds.enrolmentUrl ?? await (async () => {
    const issued = await reissueEnrolmentLink(server.services, creds.loginId);
    if (issued.kind !== 'ok') throw new Error(`no staff user ${creds.loginId}`);
    return issued.enrolment.url;
  })();
  creds.enrolmentUrl = undefined;
  let page = await browser.get(url);
  expect(page.status, textOf(page)).to.equal(200);
  if (!/id="totp-secret"/.test(page.html)) page = await browser.submit(page, '/admin/login', { login_id: creds.loginId, password: creds.password });
  creds.secret = secretOn(page);
  creds.lastStep = undefined;
  return browser.submit(page, '/admin/enrol', { code: await nextCode(creds) });
}

/**
 * Password, then TOTP (enrolling it first, through the enrolment link, when the user has none yet), then
 * パスワード変更 when the password was handed out by an administrator (`creds.password` becomes the new
 * one); ends on the queue.
 */
export async function signIn(server: TestServer, creds: StaffCredentials): Promise<HttpBrowser> {
  const browser = staffBrowser(server);
  const login = await browser.get('/admin/login');
  let page = await browser.submit(login, '/admin/login', { login_id: creds.loginId, password: creds.password });
  if (page.url.endsWith('/admin/enrol')) {
    // The password alone does not open the enrolment: the page asks for an enrolment link.
    expect(page.status, textOf(page)).to.equal(403);
    expect(page.html).not.to.contain('totp-secret');
    page = await enrolThroughLink(server, browser, creds);
  } else {
    expect(page.url, textOf(page)).to.match(/\/admin\/totp$/);
    page = await browser.submit(page, '/admin/totp', { code: await nextCode(creds) });
  }
  if (page.url.endsWith('/admin/password')) {
    // A password an administrator handed out (スタッフの追加, a reset): the user chooses their own first.
    const chosen = `Own${creds.password.slice(0, 20)}9x`;
    page = await browser.submit(page, '/admin/password', { current_password: creds.password, new_password: chosen, new_password_confirm: chosen });
    expect(textOf(page)).to.contain('パスワードを変更しました。');
    creds.password = chosen;
    page = await browser.get('/admin/applications');
  }
  expect(page.url, textOf(page)).to.match(/\/admin\/applications$/);
  return browser;
}


/**
 * 承認 as the console asks for it: the page's 承認する, then 承認する on the confirmation step (when the
 * first answer is that step; a refusal is returned as it is).
 */
export async function approveThrough(browser: HttpBrowser, page: Page, applicationId: string, fields: Record<string, string> = {}): Promise<Page> {
  const action = `/admin/applications/${applicationId}/approve`;
  const confirm = await browser.submit(page, action, fields);
  if (confirm.status !== 200 || !/name="confirm" value="yes"/.test(confirm.html)) return confirm;
  return browser.submit(confirm, action, {});
}
