/**
 * axe-core (WCAG 2.0/2.1 A and AA: no serious or critical violation) on the student screens of the
 * university SSO (directory adapter `oidc`), at 375 px and 1280 px, in Japanese and in English: the
 * login page with the SSO button and, after the university's login, the second password alone, with
 * its error state. The university IdP is a second oidc-provider (test/support/upstream-idp.ts); its own
 * login page is not ours and is not checked.
 */
import type { Browser, Page } from 'playwright-core';
import type { AppConfig } from '../../src/config/types.js';
import { checkScreen, contextIn, LANGS, type Lang } from '../support/axe.js';
import { linkByText } from '../support/browser.js';
import { launchChromium } from '../support/chromium.js';
import { confirmEmailLink } from '../support/email-links.js';
import { NEW_SECOND_PASSWORD, openLogin } from '../support/flows.js';
import { beginAuthorization, DATABASES, freePort, newBrowser, relyingParty, RP, startTestServer, type TestServer } from '../support/harness.js';
import { urlIn } from '../support/smtp.js';
import { startUpstreamIdp, UPSTREAM_CLIENT_SECRET, type UpstreamIdp, type UpstreamUser } from '../support/upstream-idp.js';

const db = DATABASES[0];

function upstreamUser(lang: Lang, n: number): UpstreamUser {
  return {
    sub: `a11y-${lang}`,
    password: `upstream-${n}`,
    claims: {
      family_name: '佐藤', given_name: `${n}美`, 'family_name#ja-Kana-JP': 'サトウ', 'given_name#ja-Kana-JP': `${n}ミ`,
      'family_name#ja-Latn-JP': 'SATO', 'given_name#ja-Latn-JP': `Yumi${n}`,
      student_number: `26A${n}`, faculty: '工学部', department: '情報工学科', student_status: 'enrolled',
    },
  };
}

const USERS: Record<Lang, UpstreamUser> = { ja: upstreamUser('ja', 3001), en: upstreamUser('en', 3002) };

(db ? describe : describe.skip)(`university SSO screens with axe-core (${db?.name ?? 'no database'})`, function () {
  this.timeout(90_000);
  let server: TestServer;
  let upstream: UpstreamIdp;
  let browser: Browser;

  before(async () => {
    const upstreamPort = await freePort();
    [browser, server] = await Promise.all([launchChromium(), startTestServer(db!, (config: AppConfig) => {
      config.directory = {
        adapter: 'oidc',
        oidc: {
          issuer: `http://127.0.0.1:${upstreamPort}`, clientId: 'cert-idp', tokenEndpointAuthMethod: 'client_secret_basic',
          scope: 'openid profile university', userinfo: true, timeoutMs: 2000,
          buttonText: { ja: '大学SSOでログイン', en: 'Log in with the university SSO' },
          claims: {
            userId: 'sub', studentNumber: 'student_number', familyName: 'family_name', givenName: 'given_name',
            familyNameKana: 'family_name#ja-Kana-JP', givenNameKana: 'given_name#ja-Kana-JP',
            familyNameLatin: 'family_name#ja-Latn-JP', givenNameLatin: 'given_name#ja-Latn-JP',
            faculty: 'faculty', department: 'department', status: 'student_status',
          },
          enrolledValues: ['enrolled'], university: 'テスト大学',
        },
      };
      config.directorySecret = UPSTREAM_CLIENT_SECRET;
    })]);
    upstream = await startUpstreamIdp({ port: upstreamPort, redirectUri: `${server.url}/interaction/sso/callback`, users: Object.values(USERS) });
    // Each user's first login (email and second password) over HTTP: the screens of it are those of S1 and S2.
    for (const lang of LANGS) {
      const http = newBrowser();
      const { page } = await openLogin(server, http);
      const upstreamLogin = await http.submit(page, /\/sso$/, {});
      const emailPage = await http.submit(upstreamLogin, /\/login$/, { login: USERS[lang].sub, password: USERS[lang].password }, RP.redirectUri);
      const email = `sso-${lang}@example.ac.jp`;
      await http.submit(emailPage, /\/email$/, { email, email_confirm: email });
      const done = await confirmEmailLink(http, urlIn(await server.smtp.waitFor(email)));
      const second = await http.get(linkByText(done, 'ログインページへ移動'), RP.redirectUri);
      await http.submit(second, /\/second-password$/, { second_password: NEW_SECOND_PASSWORD, second_password_confirm: NEW_SECOND_PASSWORD });
    }
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await upstream?.stop();
  });

  const submit = (page: Page) => page.locator('main form.card button[type=submit]').first().click();

  LANGS.forEach((lang: Lang) => {
    it(`the SSO login and the second password after it, with its error, at 375 and 1280 px (${lang})`, async () => {
      const { context, page } = await contextIn(browser, server.url, lang);
      await page.goto((await beginAuthorization(await relyingParty(server))).url);
      await page.locator('main form[action$="/sso"]').waitFor();
      await checkScreen(page, lang, 'SSO login');
      await submit(page);
      await page.locator('input[name=login]').fill(USERS[lang].sub);
      await page.locator('input[name=password]').fill(USERS[lang].password);
      await page.locator('button', { hasText: 'Sign in' }).click();
      await page.locator('#second_password').waitFor();
      await checkScreen(page, lang, 'SSO second password');
      await page.locator('#second_password').fill('Wrong2ndPw1');
      await submit(page);
      await page.locator('.alert--error').first().waitFor();
      await checkScreen(page, lang, 'SSO second password, wrong');
      await context.close();
    });
  });
});
