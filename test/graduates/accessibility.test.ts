/**
 * axe-core (WCAG 2.0/2.1 A and AA: no serious or critical violation) on every screen a graduate meets,
 * each error state included, at 375 px and 1280 px, in Japanese and in English: the application G1
 * (新規登録手続き → mail → 利用申請 → 利用許諾 → 申請者情報登録 → 本人確認書類 → 申請内容の確認 → 申請受付), 卒業生ログイン
 * and パスワード設定 (G3), パスワードを忘れた場合 (G11), and the self-service G5 学籍番号追加登録 and G6 個人情報設定・変更.
 * One Chromium and one browser profile per language; the screens are reached by the names of their
 * controls in the markup, so the same walk runs in both languages.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { approveApplication } from '../../src/staff/review/service.js';
import { checkScreen, contextIn, LANGS, type Lang } from '../support/axe.js';
import { startChromiumAndServer, stopChromiumAndServer } from '../support/chromium.js';
import { applicationOf, STAFF, validForm, withCatalogueSelects } from '../support/graduates.js';
import { beginAuthorization, DATABASES, relyingParty, RP, type TestServer } from '../support/harness.js';
import { pngImage } from '../support/images.js';
import { urlIn } from '../support/smtp.js';

const db = DATABASES[0];
const PASSWORD = 'Sotsugyo9Access';
const SECOND = 'Daini2Access';

/** Fills the fields of the form that exist on the page with the given values (selects, radios, text, dates). */
async function fillForm(page: Page, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    const controls = page.locator(`main [name="${name}"]:not([type=hidden])`);
    if (!(await controls.count()) || value === '') continue;
    const first = controls.first();
    const tag = await first.evaluate((e) => e.tagName.toLowerCase());
    const type = await first.getAttribute('type');
    if (tag === 'select') await first.selectOption(value);
    else if (type === 'radio' || type === 'checkbox') await page.locator(`main [name="${name}"][value="${value}"]`).check();
    else await first.evaluate((input: HTMLInputElement, v) => { input.value = v; input.dispatchEvent(new Event('input', { bubbles: true })); }, value);
  }
}

(db ? describe : describe.skip)(`graduates' screens with axe-core (${db?.name ?? 'no database'})`, function () {
  this.timeout(180_000);
  let server: TestServer;
  let browser: Browser;

  before(async () => { ({ browser, server } = await startChromiumAndServer(db!)); });
  after(() => stopChromiumAndServer(browser, server));

  const submit = (page: Page, selector = 'main form.card button[type=submit]') => page.locator(selector).first().click();
  const errorsShown = (page: Page) => page.locator('.alert--error, .card--error').first().waitFor();

  /** The whole walk in one language, in a browser profile of its own. */
  async function walk(lang: Lang): Promise<void> {
    const email = `a11y-graduate-${lang}@example.com`;
    const { context, page } = await contextIn(browser, server.url, lang);

    // ---- G1 新規登録手続き and its mail.
    await page.goto(`${server.url}/graduates/apply`);
    await checkScreen(page, lang, 'G1 application request');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'G1 application request, nothing entered');
    await page.locator('#email').fill(email);
    await page.locator('#email_confirm').fill(email);
    await submit(page);
    await page.locator('#email_confirm').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G1 application mail sent');
    const mail = await server.smtp.waitFor(email, (m) => m.text.includes('/graduates/apply/continue'));
    await page.goto(urlIn(mail));
    await checkScreen(page, lang, 'G1 mailed link landing page');
    await submit(page);

    // ---- 利用許諾, 申請者情報登録, 本人確認書類, 申請内容の確認, 申請受付.
    await page.locator('input[name=agree]').waitFor();
    await checkScreen(page, lang, 'G1 terms');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'G1 terms, not agreed');
    await page.locator('input[name=agree]').check();
    await submit(page);
    await page.locator('button.button--primary[name=action][value=next]').waitFor();
    await checkScreen(page, lang, 'G1 application form');
    await submit(page, 'button.button--primary[name=action][value=next]');
    await errorsShown(page);
    await checkScreen(page, lang, 'G1 application form, nothing entered');
    await page.locator('#home_postal_code').fill('1');
    await submit(page, 'button[name=action][value="postal:home"]');
    await page.locator('[data-postal-message="home"]:not(:empty)').waitFor();
    await checkScreen(page, lang, 'G1 application form, postal code not valid');
    // The postal code's numeric keypad has no hyphen: the hint asks for the 7 digits, which the server takes.
    const postal = page.locator('#home_postal_code');
    expect(await postal.getAttribute('inputmode')).to.equal('numeric');
    const hint = await page.locator(`[id="${(await postal.getAttribute('aria-describedby'))!.split(' ').pop()}"]`).innerText();
    expect(hint).to.contain(lang === 'ja' ? '7桁の数字' : '7 digits').and.not.contain('XXX-XXXX');
    await fillForm(page, await withCatalogueSelects(server, await validForm(server, { home_postal_code: '5300001' })));
    await submit(page, 'button.button--primary[name=action][value=next]');
    await page.locator('#files').waitFor();
    await checkScreen(page, lang, 'G1 documents');
    await submit(page, 'main form[enctype] button[type=submit]');
    await errorsShown(page);
    await checkScreen(page, lang, 'G1 documents, no image chosen');
    await page.locator('#document_type').selectOption('drivers_license');
    // A chosen file is added at once (public/js/document-upload.js).
    await page.locator('#files').setInputFiles([{ name: 'front.png', mimeType: 'image/png', buffer: pngImage(320, 200) }]);
    await page.locator('img.documents__preview').first().waitFor();
    await checkScreen(page, lang, 'G1 documents, an image added');
    await page.goto(`${server.url}/graduates/apply/confirm`);
    await checkScreen(page, lang, 'G1 confirmation');
    await submit(page, 'main form[action="/graduates/apply/confirm"] button[type=submit]');
    await page.locator('main form').first().waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G1 application received');

    // ---- Approved: 卒業生ログイン with the initial password → パスワード設定 (G3).
    await approveApplication(server.services, STAFF, { applicationId: (await applicationOf(server, email)).id });
    const approval = await server.smtp.waitFor(email, (m) => /(初回パスワード：|Initial password:)/.test(m.text));
    const initial = approval.text.match(/(?:初回パスワード：|Initial password:)\s*(\S+)/)![1]!;
    const attempt = await beginAuthorization(await relyingParty(server), { login_type: 'graduate' });
    await page.goto(attempt.url);
    await page.locator('#second_password').waitFor();
    await checkScreen(page, lang, 'G3 graduate login');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'G3 graduate login, nothing entered');
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(initial);
    await submit(page);
    await page.locator('#second_password_confirm').waitFor();
    await checkScreen(page, lang, 'G3 password setup');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'G3 password setup, nothing entered');
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#password_confirm').fill(PASSWORD);
    await page.locator('#second_password').fill(SECOND);
    await page.locator('#second_password_confirm').fill(SECOND);
    await submit(page);
    await page.locator('#second_password_confirm').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G3 passwords set');
    await page.locator('main a.button').click();
    await page.waitForURL((url) => url.href.startsWith(RP.redirectUri));

    // ---- G5 学籍番号追加登録 from the account menu's session.
    await page.goto(`${server.url}/account/enrollments/new`);
    await checkScreen(page, lang, 'G5 enrolment request');
    await submit(page);
    await page.locator('main form.card').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G5 enrolment mail sent');
    const enrolment = await server.smtp.waitFor(email, (m) => m.text.includes('/account/enrollments/continue'));
    await page.goto(urlIn(enrolment));
    await checkScreen(page, lang, 'G5 mailed link landing page');
    await submit(page);
    await page.locator('#student_number').waitFor();
    await checkScreen(page, lang, 'G5 enrolment form');
    await submit(page, 'main form.card button.button--primary[type=submit][value=next]');
    await errorsShown(page);
    await checkScreen(page, lang, 'G5 enrolment form, nothing entered');
    const form = await validForm(server, { student_number: 'M2409999' });
    await fillForm(page, await withCatalogueSelects(server, { enrolled_name_kanji: '電電 太郎', enrolled_name_kana: 'デンデン タロウ', catalogue_id: form.catalogue_id!, student_number: 'M2409999', graduated_month: '2024-03', leaving_type: 'graduated' }));
    await submit(page, 'main form.card button.button--primary[type=submit][value=next]');
    await page.locator('#student_number').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G5 confirmation');
    await submit(page, 'main form button[type=submit]');
    await page.locator('main form').first().waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G5 enrolment requested');

    // ---- G6 個人情報設定・変更: nothing changed (an error), then a change, its confirmation, done.
    await page.goto(`${server.url}/account/personal`);
    await checkScreen(page, lang, 'G6 personal data');
    await submit(page, 'main form.card button.button--primary[type=submit]');
    await errorsShown(page);
    await checkScreen(page, lang, 'G6 personal data, nothing changed');
    await page.locator('#home_phone').fill('06-9876-5432');
    await submit(page, 'main form.card button.button--primary[type=submit]');
    await page.locator('#home_phone').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G6 confirmation');
    await submit(page, 'main form button[type=submit]');
    await page.locator('main form').first().waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G6 personal data changed');

    // ---- G11 パスワードを忘れた場合 → mail → the form, its errors, done.
    await page.goto(`${server.url}/graduates/password/forgot`);
    await checkScreen(page, lang, 'G11 forgotten password');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'G11 forgotten password, nothing entered');
    await page.locator('#email').fill(email);
    await submit(page);
    await page.locator('#email').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G11 reset mail sent');
    const reset = await server.smtp.waitFor(email, (m) => m.text.includes('/graduates/password/reset'));
    await page.goto(urlIn(reset));
    await checkScreen(page, lang, 'G11 mailed link landing page');
    if (!(await page.locator('#second_password').count())) await submit(page);
    await page.locator('#second_password').waitFor();
    await checkScreen(page, lang, 'G11 new passwords');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'G11 new passwords, nothing entered');
    await page.locator('#password').fill(`${PASSWORD}2`);
    await page.locator('#password_confirm').fill(`${PASSWORD}2`);
    await page.locator('#second_password').fill(`${SECOND}2`);
    await page.locator('#second_password_confirm').fill(`${SECOND}2`);
    await submit(page);
    await page.locator('#second_password').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'G11 passwords reset');
    await context.close();
  }

  // Both languages at once: each walk waits on mails and the server as much as on the browser.
  it(`every graduate screen and error state at 375 and 1280 px, in ja and en`, () => Promise.all(LANGS.map((lang) => walk(lang))));
});
