/**
 * The graduate journey (manual 002 §2.1 steps 1–23; DESIGN.md §2.2 G1, G3, G4) in a real headless
 * Chromium, driven only by the Japanese labels an applicant sees, on a 375-px phone and on a desktop
 * window: 新規登録手続き → mail → 利用許諾 → 申請者情報登録 (with the script-driven 郵便番号 検索) →
 * 本人確認書類 (two images, previewed) → 申請内容の確認 → 申請受付; the university approves (directly,
 * the staff console has its own tests); then the first login with the mailed initial password →
 * パスワード設定 → the client, and a normal login with all three values in a new browser.
 * Every screen is saved to test-artifacts/screenshots/graduates/ and checked for horizontal overflow
 * (DESIGN.md §1: every screen must work at 375 px).
 */
import { expect } from 'chai';
import type { Browser, Locator, Page } from 'playwright-core';
import { heading, launchChromium, openContext as openBrowserContext, shoot as shootScreen, text, VIEWPORTS, type Viewport } from '../support/chromium.js';
import { importPostalCodes } from '../../src/postal/import.js';
import { approveApplication } from '../../src/staff/review/service.js';
import {
  beginAuthorization, DATABASES, exchangeCode, oidc, relyingParty, RP, startTestServer,
  type AuthorizationAttempt, type TestServer,
} from '../support/harness.js';
import { pngImage } from '../support/images.js';
import { urlIn, type ReceivedMail } from '../support/smtp.js';

const STAFF = { id: '00000000-0000-4000-8000-000000000001' };
const NEW_PASSWORD = 'Sotsugyo9Browser';
const NEW_SECOND = 'Daini2Browser';


/** One database only (the first target: MariaDB in CI), to keep the browser run short. */
const db = DATABASES[0];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A field by its visible label, whether or not the label carries the 必須 mark. */
function field(scope: Page | Locator, label: string): Locator {
  return scope.getByLabel(new RegExp(`^${escapeRegExp(label)}\\s*(必須)?$`));
}

function initialPasswordIn(mail: ReceivedMail): string {
  const match = mail.text.match(/初回パスワード：\s*(\S+)/);
  if (!match) throw new Error(`no initial password in ${mail.text}`);
  return match[1]!;
}

(db ? describe : describe.skip)(`graduate journey in Chromium (${db?.name ?? 'no database'})`, function () {
  this.timeout(60_000);
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    [browser, server] = await Promise.all([
      launchChromium(),
      startTestServer(db!),
    ]);
    await importPostalCodes(server.services.database, 'test/fixtures/postal-codes-sample.csv');
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const openContext = (viewport: Viewport) => openBrowserContext(browser, viewport);

  const shoot = (page: Page, viewport: Viewport, name: string) => shootScreen(page, 'graduates', `${viewport.name}-${name}`);

  /** Waits until the provider has redirected to the client, and redeems the code like the RP would. */
  async function callbackOf(page: Page, attempt: AuthorizationAttempt, callbacks: string[]) {
    await page.waitForURL((url) => url.href.startsWith(RP.redirectUri));
    expect(callbacks).to.have.length(1);
    const tokens = await exchangeCode(attempt, callbacks[0]!);
    const claims = tokens.claims()!;
    const userinfo = await oidc.fetchUserInfo(attempt.client, tokens.access_token, claims.sub);
    return { claims, userinfo };
  }

  /** Every image of the list has been fetched and decoded (a broken image has naturalWidth 0). */
  async function expectImagesLoaded(images: Locator, count: number): Promise<void> {
    expect(await images.count()).to.equal(count);
    for (const image of await images.all()) {
      await image.scrollIntoViewIfNeeded();
      await image.evaluate((img: HTMLImageElement) => (img.complete ? undefined : new Promise((resolve) => {
        img.addEventListener('load', resolve, { once: true });
        img.addEventListener('error', resolve, { once: true });
      })));
      expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth), await image.getAttribute('alt') ?? '').to.be.greaterThan(0);
    }
  }

  VIEWPORTS.forEach((viewport) => {
    it(`G1 → (approval) → G3 → G4 by the visible labels on ${viewport.name} (${viewport.options.viewport!.width}×${viewport.options.viewport!.height})`, async () => {
      const email = `graduate-browser-${viewport.name}@example.com`;

      // ---- G1: 新規登録手続き.
      const applicant = await openContext(viewport);
      const { page } = applicant;
      await page.goto(`${server.url}/graduates/apply`);
      await heading(page, '新規登録手続き');
      await shoot(page, viewport, '01-apply-request');

      await field(page, 'メールアドレス').fill(email);
      await field(page, 'メールアドレス（確認）').fill(email);
      await page.getByRole('button', { name: '確認', exact: true }).click();
      await text(page, '確認メールを送信しました。');
      await shoot(page, viewport, '02-apply-mail-sent');

      // The one-time URL from the mail, opened in the same browser → 利用申請 (申請を続ける) → 利用許諾.
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請の手続き'));
      await page.goto(urlIn(mail));
      await heading(page, '利用申請');
      await text(page, email);
      await shoot(page, viewport, '03-apply-landing');
      await page.getByRole('button', { name: '申請を続ける', exact: true }).click();
      await heading(page, '利用許諾');
      await shoot(page, viewport, '03-terms');
      await page.getByRole('checkbox', { name: '上記内容に同意する', exact: true }).check();
      await page.getByRole('button', { name: '同意する', exact: true }).click();

      // ---- 申請者情報登録.
      await heading(page, '申請者情報登録');
      await shoot(page, viewport, '04-form-empty');
      await page.getByRole('radio', { name: '新規', exact: true }).check();
      await field(page, '氏名（漢字）').fill('電電 太郎');
      await field(page, '氏名（カタカナ）').fill('デンデン タロウ');
      await field(page, '氏名（ローマ字）').fill('DENDEN TAROU');
      // Dates are text inputs (no native picker): typed the way the manual writes them.
      await field(page, '生年月日').fill('1999/09/09');
      await field(page, '最終在学年月').fill('2022年3月');
      // 大学名 → 学部名 → 学科名: with JavaScript each choice fills the next list in place.
      await field(page, '大学名').selectOption({ label: 'サンプル大学' });
      await field(page, '学部名').selectOption({ label: '外国語学部' });
      await field(page, '学科名').selectOption({ label: '外国語学科' });
      await page.getByRole('radio', { name: '卒業（修了）', exact: true }).check();

      // 郵便番号 検索 with JavaScript: the address is filled in place, the page is not left.
      const home = page.getByRole('group', { name: '現住所・連絡先' });
      await field(home, '郵便番号').fill('530-0001');
      const formUrl = page.url();
      let navigated = false;
      const onNavigation = (frame: { parentFrame(): unknown }) => { if (!frame.parentFrame()) navigated = true; };
      page.on('framenavigated', onNavigation);
      await home.getByRole('button', { name: '検索', exact: true }).click();
      await home.getByText('住所を入力しました。内容を確認し、番地などを追記してください。', { exact: true }).waitFor();
      page.off('framenavigated', onNavigation);
      expect(navigated, 'the 検索 button must not leave the page when JavaScript runs').to.equal(false);
      expect(page.url()).to.equal(formUrl);
      expect(await field(home, '都道府県').inputValue()).to.equal('大阪府');
      expect(await field(home, '市区町村').inputValue()).to.equal('大阪市北区');
      expect(await field(home, '町名番地').inputValue()).to.equal('梅田');
      // What the applicant typed before the search is still there.
      expect(await field(page, '氏名（漢字）').inputValue()).to.equal('電電 太郎');
      await shoot(page, viewport, '05-form-filled');
      await page.getByRole('button', { name: '確認', exact: true }).click();

      // ---- 本人確認書類: two images, previewed.
      await heading(page, '本人確認書類');
      await shoot(page, viewport, '06-documents-empty');
      await field(page, '本人確認用書類の種類').selectOption({ label: '運転免許証' });
      // With JavaScript a chosen file is added as soon as it is chosen.
      await field(page, '本人確認用書類の画像').setInputFiles([
        { name: 'front.png', mimeType: 'image/png', buffer: pngImage(320, 200, 'GPS 34.7N 135.5E') },
        { name: 'back.png', mimeType: 'image/png', buffer: pngImage(320, 200) },
      ]);
      await text(page, '画像を追加しました。');
      await expectImagesLoaded(page.locator('img.documents__preview'), 2);
      expect(await page.getByRole('img', { name: '運転免許証（表面）', exact: true }).isVisible()).to.equal(true);
      expect(await page.getByRole('img', { name: '運転免許証（裏面）', exact: true }).isVisible()).to.equal(true);
      await shoot(page, viewport, '07-documents-added');
      await page.getByRole('button', { name: '確認', exact: true }).click();

      // ---- 申請内容の確認: the values as entered, the images again.
      await heading(page, '申請内容の確認');
      const shown = await page.locator('dl.summary').evaluateAll((lists) => lists.flatMap((list) => {
        const rows: Array<[string, string]> = [];
        for (const dt of list.querySelectorAll('dt')) rows.push([dt.textContent!.trim(), (dt.nextElementSibling?.textContent ?? '').trim()]);
        return rows;
      }));
      for (const row of [
        ['申請種別', '新規'], ['氏名（漢字）', '電電 太郎'], ['氏名（カタカナ）', 'デンデン タロウ'], ['氏名（ローマ字）', 'DENDEN TAROU'],
        ['生年月日', '1999/09/09'], ['最終在学年月', '2022-03'], ['大学名 / 学部名 / 学科名', 'サンプル大学 / 外国語学部 / 外国語学科'],
        ['卒業 / 退学 / 除籍 種別', '卒業（修了）'], ['郵便番号', '530-0001'], ['都道府県', '大阪府'], ['市区町村', '大阪市北区'], ['町名番地', '梅田'],
        ['本人確認用書類の種類', '運転免許証'],
      ]) {
        expect(shown, `${row[0]}`).to.deep.include(row);
      }
      await expectImagesLoaded(page.locator('img.documents__preview'), 2);
      await shoot(page, viewport, '08-confirm');
      await page.getByRole('button', { name: '申請', exact: true }).click();
      await heading(page, '申請受付');
      await text(page, '利用申請を受け付けました。');
      await shoot(page, viewport, '09-accepted');
      await applicant.context.close();

      // ---- G2 (directly): the university approves; the mail brings the initial password.
      const { dataSource, entities } = server.services.database;
      const application = await dataSource.getRepository(entities.Application).findOneByOrFail({ email });
      expect(application.form).to.include({ name_kanji: '電電 太郎', home_prefecture: '大阪府', home_street: '梅田', document_type: 'drivers_license' });
      await approveApplication(server.services, STAFF, { applicationId: application.id });
      const result = await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請結果のお知らせ'));
      const initial = initialPasswordIn(result);

      // ---- G3: first login with the initial password, second password empty → パスワード設定.
      const first = await openContext(viewport);
      const attempt = await beginAuthorization(await relyingParty(server), { login_type: 'graduate' });
      await first.page.goto(attempt.url);
      await heading(first.page, '卒業生ログイン');
      await shoot(first.page, viewport, '10-login');
      await field(first.page, 'メールアドレス').fill(email);
      await field(first.page, 'パスワード').fill(initial);
      expect(await field(first.page, '第2パスワード').inputValue()).to.equal('');
      await first.page.getByRole('button', { name: 'ログイン', exact: true }).click();

      await heading(first.page, 'パスワード設定');
      await shoot(first.page, viewport, '11-password-setup');
      // Each 確認 is named after its field: パスワード（確認）, 第2パスワード（確認）.
      await field(first.page, 'パスワード').fill(NEW_PASSWORD);
      await field(first.page, 'パスワード（確認）').fill(NEW_PASSWORD);
      await field(first.page, '第2パスワード').fill(NEW_SECOND);
      await field(first.page, '第2パスワード（確認）').fill(NEW_SECOND);
      expect(await first.page.getByLabel('確認', { exact: true }).count()).to.equal(0);
      await first.page.getByRole('button', { name: '設定', exact: true }).click();
      await text(first.page, 'パスワードおよび第2パスワードが設定されました');
      await shoot(first.page, viewport, '12-password-set');
      await first.page.getByRole('link', { name: 'OK', exact: true }).click();
      const firstLogin = await callbackOf(first.page, attempt, first.callbacks);
      expect(firstLogin.claims.acr).to.equal('urn:cert-idp:acr:two-passwords');
      expect(firstLogin.userinfo).to.include({ user_type: 'graduate', email, email_verified: true, name: '電電 太郎' });
      await first.context.close();

      // ---- G4: a new browser; メールアドレス + パスワード + 第2パスワード → the client.
      const again = await openContext(viewport);
      const attempt4 = await beginAuthorization(await relyingParty(server), { login_type: 'graduate' });
      await again.page.goto(attempt4.url);
      await heading(again.page, '卒業生ログイン');
      await field(again.page, 'メールアドレス').fill(email);
      await field(again.page, 'パスワード').fill(NEW_PASSWORD);
      await field(again.page, '第2パスワード').fill(NEW_SECOND);
      await shoot(again.page, viewport, '13-login-filled');
      await again.page.getByRole('button', { name: 'ログイン', exact: true }).click();
      const login = await callbackOf(again.page, attempt4, again.callbacks);
      expect(login.claims.sub).to.equal(firstLogin.claims.sub);
      expect(login.claims.acr).to.equal('urn:cert-idp:acr:two-passwords');
      expect(login.userinfo.user_type).to.equal('graduate');
      expect(login.userinfo.email).to.equal(email);
      await again.context.close();
    });
  });
});
