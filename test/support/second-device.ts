import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppConfig } from '../../src/config/types.js';
import { linkByText, textOf, type HttpBrowser, type Page as HttpPage } from './browser.js';
import { launchChromium, openContext, VIEWPORTS } from './chromium.js';
import { scanLikeAMailGateway } from './scanner.js';
import { urlIn } from './smtp.js';
import { sha256Hex, tokenOf } from './students.js';
import {
  beginAuthorization, exchangeCode, oidc, relyingParty, RP, startTestServer, type AuthorizationAttempt, type DatabaseTarget, type TestServer,
} from './harness.js';

// A second device (issue 10): the relying party's own login start, where /interaction/<uid> opened in
// a browser that did not start the login sends it (OpenID Connect third-party-initiated login).

/** test-rp's login start (rp.example.test does not exist: Chromium tests answer it themselves). */
export const RP_LOGIN = 'https://rp.example.test/login';

/** For startTestServer: test-rp starts its logins at RP_LOGIN; the other test clients have no login start. */
export function withLoginStart(config: AppConfig): void {
  config.clients = config.clients.map((c) => (c.client_id === 'test-rp' ? { ...c, initiate_login_uri: RP_LOGIN } : c));
}

/** A browser profile whose relying party answers its login start (a fresh authorization request) and its callback. */
export async function deviceOf(browser: Browser, server: TestServer) {
  const device = await openContext(browser, VIEWPORTS[1]!);
  const attempts: AuthorizationAttempt[] = [];
  const loginStarts: URL[] = [];
  // Registered after openContext's catch-all, so it answers the login start first.
  await device.context.route(`${RP_LOGIN}**`, async (route) => {
    const start = new URL(route.request().url());
    loginStarts.push(start);
    const attempt = await beginAuthorization(await relyingParty(server), { login_type: start.searchParams.get('login_type') ?? '' });
    attempts.push(attempt);
    await route.fulfill({ status: 302, headers: { location: attempt.url } });
  });
  return { ...device, attempts, loginStarts };
}

/** Waits for the relying party's callback and redeems its code like the relying party would. */
export async function codeAt(page: Page, attempt: AuthorizationAttempt, callbacks: string[]) {
  await page.waitForURL((url) => url.href.startsWith(RP.redirectUri));
  expect(callbacks).to.have.length(1);
  const tokens = await exchangeCode(attempt, callbacks[0]!);
  const claims = tokens.claims()!;
  return { claims, userinfo: await oidc.fetchUserInfo(attempt.client, tokens.access_token, claims.sub) };
}

/**
 * A forgotten credential asked for in browser A (its login page's link, the address), then the mailed
 * link met by a mail gateway first: HEAD, GET, GET change nothing (the token unused, the account row as
 * it was). Returns the mailed URL and a reader of its token's row, for browser B to finish the reset.
 */
export async function resetLinkPastAScanner(
  server: TestServer,
  input: { browser: HttpBrowser; loginPage: HttpPage; link: string; forgotPath: string; resetPath: string; email: string; subject: string; landingText: string },
) {
  const { dataSource, entities } = server.services.database;
  const accountRow = async () => JSON.stringify(await dataSource.getRepository(entities.Account).findOneByOrFail({ email: input.email }));
  const forgot = await input.browser.get(linkByText(input.loginPage, input.link));
  const sent = await input.browser.submit(forgot, input.forgotPath, { email: input.email });
  expect(textOf(sent)).to.contain('再設定用のURLを記載したメールを送信しました');
  const url = urlIn(await server.smtp.waitFor(input.email, (m) => m.subject.includes(input.subject)));
  expect(url.startsWith(`${server.url}${input.resetPath}`)).to.equal(true);
  const tokenRow = () => dataSource.getRepository(entities.OneTimeToken).findOneByOrFail({ tokenHash: sha256Hex(tokenOf(url)) });

  const before = await accountRow();
  const [head, ...gets] = await scanLikeAMailGateway(url);
  for (const seen of [head, ...gets]) expect(seen.status).to.equal(200);
  for (const seen of gets) expect(textOf(seen)).to.contain(input.landingText);
  expect((await tokenRow()).usedAt).to.equal(null);
  expect(await accountRow()).to.equal(before);
  return { url, tokenRow };
}

/**
 * A suite of devices: headless Chromium and a test server whose test-rp has its login start, started
 * before the suite's tests; each test opens devices (separate browser profiles), closed after it.
 */
export function twoDevices(db: DatabaseTarget) {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  const opened: BrowserContext[] = [];
  before(async () => { [browser, server] = await Promise.all([launchChromium(), startTestServer(db, withLoginStart)]); });
  afterEach(async () => { for (const context of opened.splice(0)) await context.close(); });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    get server(): TestServer { return server!; },
    /** A new device (its own cookies) whose relying party answers its login start and callback. */
    async open() {
      const device = await deviceOf(browser!, server!);
      opened.push(device.context);
      return device;
    },
  };
}

/** A redirect to test-rp's login start, keeping the login type, with `iss` (third-party-initiated login). */
export function expectLoginStart(location: string | undefined, loginType: 'student' | 'graduate', issuer: string): void {
  const start = new URL(location ?? '');
  expect(`${start.origin}${start.pathname}`).to.equal(RP_LOGIN);
  expect(start.searchParams.get('login_type')).to.equal(loginType);
  expect(start.searchParams.get('iss')).to.equal(issuer);
}
