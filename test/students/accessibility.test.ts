/**
 * axe-core (WCAG 2.0/2.1 A and AA: no serious or critical violation) on every screen a student meets,
 * each error state included, at 375 px and 1280 px, in Japanese and in English: the login type chooser,
 * 在学生ログイン (S3), メールアドレス設定 and its mailed link (S1), 第2パスワード設定 (S2), 第2パスワードを忘れた場合
 * and its reset (S6), the consent screen of a third-party client, logging out, the error pages and the
 * accessibility page. One Chromium and one browser profile per language; the screens are reached by
 * their controls' names in the markup, so the same walk runs in both languages.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { checkScreen, contextIn, LANGS, renderedLines, type Lang } from '../support/axe.js';
import { startChromiumAndServer, stopChromiumAndServer } from '../support/chromium.js';
import { beginAuthorization, DATABASES, relyingParty, RP, type TestServer } from '../support/harness.js';
import { urlIn } from '../support/smtp.js';

const db = DATABASES[0];
const SECOND_PASSWORD = 'Access1bleP';

/** Characters a Japanese line must not start with when lines break between phrases (「一致しませ/ん。」). */
/** The sections of the accessibility page (the WAIC template's 方針 → 対象範囲 → 適合レベル → 試験 → 既知の問題). */
const POLICY_SECTIONS: Record<Lang, string[]> = {
  ja: ['方針', '対象範囲', '目標とする適合レベル及び対応度', '試験の方法と結果', '既知の問題', 'お問い合わせ'],
  en: ['Policy', 'Scope', 'Target conformance level and status', 'How the pages are tested, and the results', 'Known problems', 'Contact'],
};

const INSIDE_A_PHRASE = /^[んぁぃぅぇぉっゃゅょゎー。、）」』]/;

(db ? describe : describe.skip)(`students' screens with axe-core (${db?.name ?? 'no database'})`, function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: Browser;

  before(async () => { ({ browser, server } = await startChromiumAndServer(db!)); });
  after(() => stopChromiumAndServer(browser, server));

  const submit = (page: Page) => page.locator('main form.card button[type=submit]').first().click();
  const errorsShown = (page: Page) => page.locator('.alert--error, .card--error').first().waitFor();

  /** The whole walk in one language, in a browser profile of its own. */
  async function walk(lang: Lang, index: number): Promise<void> {
    const student = server.students[index]!;
    const email = `a11y-${lang}@example.ac.jp`;
    const { context, page } = await contextIn(browser, server.url, lang);

    // The accessibility page, as its footer link on every screen opens it: target, tests, known gaps.
    await page.goto(`${server.url}/no-such-page`);
    await page.locator('footer a[href="/accessibility"]').click();
    await page.waitForURL(/\/accessibility$/);
    expect(await page.locator('h2').allInnerTexts()).to.deep.equal(POLICY_SECTIONS[lang]);
    const policy = await page.locator('main').innerText();
    expect(policy).to.contain('JIS X 8341-3:2016').and.contain('AA').and.contain('axe-core').and.contain('375').and.contain('1280');
    await checkScreen(page, lang, 'accessibility policy');
    await page.goto(`${server.url}/auth?client_id=no-such-client&response_type=code&scope=openid`);
    await checkScreen(page, lang, 'error page: a login request that cannot be served');
    await page.goto(`${server.url}/no-such-page`);
    await checkScreen(page, lang, 'error page: not found');
    await page.goto(`${server.url}/students/second-password/reset?token=not-a-token`);
    await checkScreen(page, lang, 'error page: unusable mailed URL');

    // The login type chooser (a client that does not say which login), then 在学生ログイン.
    const attempt = await beginAuthorization(await relyingParty(server), { login_type: '' });
    await page.goto(attempt.url);
    await page.locator('a.chooser__option').first().waitFor();
    await checkScreen(page, lang, 'login type chooser');
    await page.locator('a.chooser__option[href$="as=student"]').click();
    await page.locator('#user_id').waitFor();
    await checkScreen(page, lang, 'S3 login');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'S3 login, nothing entered');
    await page.locator('#user_id').fill(student.userId);
    await page.locator('#password').fill(`${student.password}-wrong`);
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'S3 login, wrong password');

    // S1: メールアドレス設定, its errors, the mail, the link's landing page.
    await page.locator('#password').fill(student.password);
    await submit(page);
    await page.locator('#email_confirm').waitFor();
    await checkScreen(page, lang, 'S1 email registration');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'S1 email registration, nothing entered');
    await page.locator('#email').fill(email);
    await page.locator('#email_confirm').fill(`x${email}`);
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'S1 email registration, addresses differ');
    await page.locator('#email_confirm').fill(email);
    await submit(page);
    await page.locator('#email_confirm').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'S1 email sent');
    const mail = await server.smtp.waitFor(email, (m) => m.text.includes('/students/email/confirm'));
    await page.goto(urlIn(mail));
    await checkScreen(page, lang, 'S1 mailed link landing page');
    await submit(page);
    await page.locator('main a.button').waitFor();
    await checkScreen(page, lang, 'S1 email registered');

    // S2: 第2パスワード設定, with the rules broken and the two entries different.
    await page.locator('main a.button').click();
    await page.locator('#second_password_confirm').waitFor();
    await checkScreen(page, lang, 'S2 second password');
    await page.locator('#second_password').fill('abc');
    await page.locator('#second_password_confirm').fill('abd');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'S2 second password, rules broken');
    if (lang === 'ja') {
      // At 375 px the field messages wrap; they wrap between phrases, never inside a word.
      for (const message of await page.locator('.field__errors li').all()) {
        const lines = await renderedLines(message);
        expect(lines.filter((line) => INSIDE_A_PHRASE.test(line)), JSON.stringify(lines)).to.deep.equal([]);
      }
    }
    await page.locator('#second_password').fill(SECOND_PASSWORD);
    await page.locator('#second_password_confirm').fill(SECOND_PASSWORD);
    await submit(page);
    await page.locator('#second_password_confirm').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'S2 second password set');
    await page.locator('main a.button').click();
    await page.waitForURL((url) => url.href.startsWith(RP.redirectUri));

    // A third-party client asks for consent; then logging out.
    const thirdParty = await beginAuthorization(await relyingParty(server, 'third-party'), { login_type: 'student' });
    await page.goto(thirdParty.url);
    await page.locator('button[name=decision][value=allow]').waitFor();
    await checkScreen(page, lang, 'consent');
    await page.locator('button[name=decision][value=allow]').click();
    await page.waitForURL((url) => url.href.startsWith(RP.redirectUri));
    await page.goto(`${server.url}/account/logout`);
    await page.locator('button[name=logout][value=yes]').waitFor();
    await checkScreen(page, lang, 'logout confirmation');
    await page.locator('button[name=logout][value=yes]').click();
    await page.locator('button[name=logout]').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'logged out');

    // S6: 第2パスワードを忘れた場合 → mail → the reset form, its errors, done.
    await page.goto(`${server.url}/students/second-password/forgot`);
    await page.locator('#email').waitFor();
    await checkScreen(page, lang, 'S6 forgotten second password');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'S6 forgotten second password, nothing entered');
    await page.locator('input[name=_csrf]').evaluate((input: HTMLInputElement) => { input.value = 'forged'; });
    await submit(page);
    await page.locator('#email').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'error page: the form expired (CSRF)');
    await page.goto(`${server.url}/students/second-password/forgot`);
    await page.locator('#email').fill(email);
    await submit(page);
    await page.locator('#email').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'S6 reset mail sent');
    const reset = await server.smtp.waitFor(email, (m) => m.text.includes('/students/second-password/reset'));
    await page.goto(urlIn(reset));
    await checkScreen(page, lang, 'S6 mailed link landing page');
    if (!(await page.locator('#second_password').count())) await submit(page);
    await page.locator('#second_password').waitFor();
    await checkScreen(page, lang, 'S6 new second password');
    await submit(page);
    await errorsShown(page);
    await checkScreen(page, lang, 'S6 new second password, nothing entered');
    await page.locator('#second_password').fill(`${SECOND_PASSWORD}2`);
    await page.locator('#second_password_confirm').fill(`${SECOND_PASSWORD}2`);
    await submit(page);
    await page.locator('#second_password').waitFor({ state: 'detached' });
    await checkScreen(page, lang, 'S6 second password reset');
    await context.close();
  }

  // Both languages at once: each walk waits on mails and the server as much as on the browser.
  it(`every student screen and error state at 375 and 1280 px, in ja and en`, () => Promise.all(LANGS.map((lang, index) => walk(lang, index))));
});
