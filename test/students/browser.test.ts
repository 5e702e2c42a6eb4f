/**
 * The current-student journey (manual 000_…: S1 email registration → S2 second password → S3 login)
 * in a real headless Chromium, driven only by the labels a student sees, on a desktop window and on
 * a 375-px phone. Every screen is saved to test-artifacts/screenshots/ for a human to look at, and
 * every screen is checked for horizontal overflow (DESIGN.md §1: every screen must work at 375 px).
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { heading, launchChromium, openContext as openBrowserContext, shoot as shootScreen, text, VIEWPORTS, type Viewport } from '../support/chromium.js';
import {
  beginAuthorization, DATABASES, exchangeCode, oidc, relyingParty, RP, startTestServer,
  type AuthorizationAttempt, type TestServer, type TestStudent,
} from '../support/harness.js';
import { urlIn } from '../support/smtp.js';

const SECOND_PASSWORD = 'Browser2ndPw';

/** The browser test runs against one database only (the first target: MariaDB in CI). */
const db = DATABASES[0];

(db ? describe : describe.skip)(`current-student journey in Chromium (${db?.name ?? 'no database'})`, function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
    server = await startTestServer(db!);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const openContext = (viewport: Viewport) => openBrowserContext(browser, viewport);

  const shoot = (page: Page, viewport: Viewport, name: string) => shootScreen(page, '.', `${viewport.name}-${name}`);

  /** Waits until the provider has redirected to the client, and redeems the code like the RP would. */
  async function callbackOf(page: Page, attempt: AuthorizationAttempt, callbacks: string[]) {
    await page.waitForURL((url) => url.href.startsWith(RP.redirectUri));
    expect(callbacks).to.have.length(1);
    expect(callbacks[0]).to.equal(page.url());
    const tokens = await exchangeCode(attempt, page.url());
    const claims = tokens.claims()!;
    const userinfo = await oidc.fetchUserInfo(attempt.client, tokens.access_token, claims.sub);
    return { claims, userinfo };
  }

  async function fillLogin(page: Page, student: Pick<TestStudent, 'userId' | 'password'>, secondPassword: string): Promise<void> {
    await page.getByLabel('ユーザID', { exact: true }).fill(student.userId);
    await page.getByLabel('パスワード', { exact: true }).fill(student.password);
    await page.getByLabel('第2パスワード', { exact: true }).fill(secondPassword);
  }

  VIEWPORTS.forEach((viewport, index) => {
    it(`S1 → S2 → S3 by the visible labels on ${viewport.name} (${viewport.options.viewport!.width}×${viewport.options.viewport!.height})`, async () => {
      const student = server.students[index]!;
      const email = `browser-${viewport.name}@example.ac.jp`;

      // ---- S1: first login with the second password left empty → email registration.
      const first = await openContext(viewport);
      const { page } = first;
      const attempt = await beginAuthorization(await relyingParty(server));
      await page.goto(attempt.url);
      await heading(page, '在学生ログイン');
      await page.getByRole('heading', { name: '注意事項' }).waitFor();
      await shoot(page, viewport, '01-login');

      await fillLogin(page, student, '');
      await page.getByRole('button', { name: 'ログイン', exact: true }).click();
      await heading(page, 'メールアドレス設定');
      await shoot(page, viewport, '02-email-registration');

      await page.getByLabel('メールアドレス', { exact: true }).fill(email);
      await page.getByLabel('メールアドレス（確認）', { exact: true }).fill(email);
      await page.getByRole('button', { name: '確認', exact: true }).click();
      await text(page, '確認メールを送信しました。');
      await shoot(page, viewport, '03-email-sent');

      // The one-time URL from the mail, opened in the same browser.
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('メールアドレスの登録'));
      await page.goto(urlIn(mail));
      await heading(page, 'メールアドレス設定');
      await shoot(page, viewport, '04a-email-landing');
      await page.getByRole('button', { name: 'メールアドレスを設定する', exact: true }).click();
      await heading(page, 'メールアドレス設定完了');
      await shoot(page, viewport, '04-email-registered');

      // ---- S2: back to the login → second password; first a value that breaks the rules.
      await page.getByRole('link', { name: 'ログインページへ移動', exact: true }).click();
      await heading(page, '第2パスワード設定');
      await shoot(page, viewport, '05-second-password');

      await page.getByLabel('第2パスワード', { exact: true }).fill('abc');
      await page.getByLabel('第2パスワード（確認）', { exact: true }).fill('abd');
      await page.getByRole('button', { name: '設定', exact: true }).click();
      await page.getByRole('alert').getByText('入力内容を確認してください。').waitFor();
      await heading(page, '第2パスワード設定');
      const fieldErrors = await page.locator('.field__errors li').allInnerTexts();
      expect(fieldErrors).to.include('第2パスワードは8文字以上で入力してください。');
      expect(fieldErrors).to.include('第2パスワードと確認の入力が一致しません。');
      // The offending inputs are marked for assistive technology.
      expect(await page.getByLabel('第2パスワード', { exact: true }).getAttribute('aria-invalid')).to.equal('true');
      await shoot(page, viewport, '06-second-password-rule-errors');

      await page.getByLabel('第2パスワード', { exact: true }).fill(SECOND_PASSWORD);
      await page.getByLabel('第2パスワード（確認）', { exact: true }).fill(SECOND_PASSWORD);
      await page.getByRole('button', { name: '設定', exact: true }).click();
      await text(page, '第2パスワードが設定されました');
      await shoot(page, viewport, '07-second-password-set');

      await page.getByRole('link', { name: 'OK', exact: true }).click();
      const firstLogin = await callbackOf(page, attempt, first.callbacks);
      expect(firstLogin.claims.acr).to.equal('urn:cert-idp:acr:two-passwords');
      expect(firstLogin.claims.sub).to.match(/^[0-9a-f-]{36}$/);
      expect(firstLogin.userinfo.email).to.equal(email);
      expect(firstLogin.userinfo.email_verified).to.equal(true);
      await first.context.close();

      // ---- S3: a new browser; one wrong value gives the generic error, then all three values sign in.
      const again = await openContext(viewport);
      const attempt3 = await beginAuthorization(await relyingParty(server));
      await again.page.goto(attempt3.url);
      await heading(again.page, '在学生ログイン');
      await fillLogin(again.page, { userId: student.userId, password: `${student.password}-wrong` }, SECOND_PASSWORD);
      await again.page.getByRole('button', { name: 'ログイン', exact: true }).click();
      await again.page.getByRole('alert').getByText('ユーザID、パスワードまたは第2パスワードが正しくありません。', { exact: true }).waitFor();
      // The user ID stays filled in; the passwords do not come back.
      expect(await again.page.getByLabel('ユーザID', { exact: true }).inputValue()).to.equal(student.userId);
      expect(await again.page.getByLabel('パスワード', { exact: true }).inputValue()).to.equal('');
      await shoot(again.page, viewport, '08-login-wrong-password');

      await fillLogin(again.page, student, SECOND_PASSWORD);
      await shoot(again.page, viewport, '09-login-filled');
      await again.page.getByRole('button', { name: 'ログイン', exact: true }).click();
      const login = await callbackOf(again.page, attempt3, again.callbacks);
      expect(login.claims.sub).to.equal(firstLogin.claims.sub);
      expect(login.claims.sub).to.not.equal(student.userId);
      expect(login.claims.acr).to.equal('urn:cert-idp:acr:two-passwords');
      expect(login.userinfo.email).to.equal(email);
      await again.context.close();
    });
  });
});
