import { expect } from 'chai';
import { totpCode } from '../../src/staff/totp.js';
import { findForm, textOf } from './browser.js';
import type { TestServer } from './harness.js';
import type { ReceivedMail } from './smtp.js';

// Staff sign-in for tests: a cookie-keeping client for /admin, TOTP codes computed with otplib.

export interface Response { status: number; url: string; html: string; location?: string; headers: Headers; body: Buffer }

/** A cookie-keeping client that also exposes response headers and bytes (for the console's headers). */
export class StaffBrowser {
  private readonly jar = new Map<string, string>();
  readonly setCookies: string[] = [];

  constructor(private readonly base: string) {}

  async request(method: string, target: string, form?: Record<string, string>): Promise<Response> {
    const url = new URL(target, this.base);
    const headers: Record<string, string> = {};
    if (this.jar.size) headers.cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: URLSearchParams | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form);
    }
    const response = await fetch(url, { method, headers, body, redirect: 'manual' });
    for (const header of response.headers.getSetCookie()) {
      this.setCookies.push(header);
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(header)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const location = response.headers.get('location');
    return { status: response.status, url: url.toString(), html: bytes.toString('utf8'), location: location ? new URL(location, url).toString() : undefined, headers: response.headers, body: bytes };
  }

  async follow(response: Response): Promise<Response> {
    let current = response;
    for (let hops = 0; current.location && hops < 10; hops += 1) current = await this.request('GET', current.location);
    return current;
  }

  async get(target: string): Promise<Response> {
    return this.follow(await this.request('GET', target));
  }

  /** Submits the form with this action on the page (with its CSRF token) and follows redirects. */
  async submit(page: Response, action: string, fields: Record<string, string>): Promise<Response> {
    const form = findForm(page, action);
    return this.follow(await this.request('POST', new URL(form.action, page.url).toString(), { ...form.hidden, ...fields }));
  }

  hasCookie(name: string): boolean {
    return this.jar.has(name);
  }
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

export function secretOn(page: Response): string {
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
export async function signIn(server: TestServer, creds: StaffCredentials): Promise<StaffBrowser> {
  const browser = new StaffBrowser(server.url);
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

