import { expect } from 'chai';
import { totpCode } from '../../src/staff/auth/totp.js';
import { HttpBrowser, textOf, type Page } from './browser.js';
import type { TestServer } from './harness.js';
import type { ReceivedMail } from './smtp.js';

// Staff sign-in for tests: the console over the tests' one HTTP client (./browser.ts), with TOTP codes
// computed with otplib.

/** A client for the staff console at this server (targets may be paths such as '/admin/login'). */
export function staffBrowser(server: Pick<TestServer, 'url'>): HttpBrowser {
  return new HttpBrowser({ base: server.url });
}

export interface StaffCredentials { loginId: string; password: string; secret?: string; lastStep?: number }

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

/** Password, then TOTP (enrolling it first when the user has none yet); ends on the queue. */
export async function signIn(server: TestServer, creds: StaffCredentials): Promise<HttpBrowser> {
  const browser = staffBrowser(server);
  const login = await browser.get('/admin/login');
  let page = await browser.submit(login, '/admin/login', { login_id: creds.loginId, password: creds.password });
  if (page.url.endsWith('/admin/enrol')) {
    creds.secret = secretOn(page);
    page = await browser.submit(page, '/admin/enrol', { code: await nextCode(creds) });
  } else {
    expect(page.url, textOf(page)).to.match(/\/admin\/totp$/);
    page = await browser.submit(page, '/admin/totp', { code: await nextCode(creds) });
  }
  expect(page.url, textOf(page)).to.match(/\/admin\/applications$/);
  return browser;
}

