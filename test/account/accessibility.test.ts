/**
 * axe-core (WCAG 2.0/2.1 A and AA: no serious or critical violation) on every screen of the account menu
 * (/account), each error state included, at 375 px and 1280 px, in Japanese and in English: a student's
 * and a graduate's menu, メールアドレス変更 and its mailed link, 第2パスワード変更, パスワード変更 and the password
 * asked again before a change. One Chromium and one browser profile per language and user.
 */
import type { Browser, Page } from 'playwright-core';
import { checkScreen, contextIn, LANGS, type Lang } from '../support/axe.js';
import { startChromiumAndServer, stopChromiumAndServer } from '../support/chromium.js';
import { firstLogin, NEW_SECOND_PASSWORD } from '../support/flows.js';
import { approvedGraduate, firstGraduateLogin, NEW_PASSWORD, NEW_SECOND } from '../support/graduates.js';
import { DATABASES, newBrowser, type TestServer } from '../support/harness.js';
import { urlIn } from '../support/smtp.js';

const db = DATABASES[0];

(db ? describe : describe.skip)(`account menu with axe-core (${db?.name ?? 'no database'})`, function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: Browser;

  before(async () => { ({ browser, server } = await startChromiumAndServer(db!)); });
  after(() => stopChromiumAndServer(browser, server));

  const submit = (page: Page) => page.locator('main form.card button[type=submit]').first().click();
  const errorsShown = (page: Page) => page.locator('.alert--error').first().waitFor();

  LANGS.forEach((lang: Lang, index) => {
    it(`a student's account menu, every screen and error state at 375 and 1280 px (${lang})`, async () => {
      const student = server.students[index]!;
      const email = `a11y-account-${lang}@example.ac.jp`;
      await firstLogin(server, newBrowser(), student, email);
      const { context, page } = await contextIn(browser, server.url, lang);
      await page.goto(`${server.url}/account?login_type=student`);
      await page.locator('#user_id').fill(student.userId);
      await page.locator('#password').fill(student.password);
      await page.locator('#second_password').fill(NEW_SECOND_PASSWORD);
      await submit(page);
      await page.waitForURL(/\/account$/);
      await checkScreen(page, lang, 'student account menu');

      await page.goto(`${server.url}/account/email`);
      await checkScreen(page, lang, 'change email');
      // The password asked again before a change (shown when the sign-in is old): its form's errors.
      await page.locator('main form.card').evaluate((form: HTMLFormElement) => { form.action = '/account/confirm'; });
      await submit(page);
      await errorsShown(page);
      await checkScreen(page, lang, 'password asked again, nothing entered');
      await page.goto(`${server.url}/account/email`);
      await submit(page);
      await errorsShown(page);
      await checkScreen(page, lang, 'change email, nothing entered');
      const changed = `a11y-account-${lang}-new@example.ac.jp`;
      await page.locator('#email').fill(changed);
      await page.locator('#email_confirm').fill(changed);
      await submit(page);
      await page.locator('#email_confirm').waitFor({ state: 'detached' });
      await checkScreen(page, lang, 'change email, mail sent');
      const mail = await server.smtp.waitFor(changed, (m) => m.text.includes('/account/email/confirm'));
      await page.goto(urlIn(mail));
      await checkScreen(page, lang, 'change email, mailed link landing page');
      await submit(page);
      await page.locator('main form.card').waitFor({ state: 'detached' });
      await checkScreen(page, lang, 'email changed');

      await page.goto(`${server.url}/account/second-password`);
      await checkScreen(page, lang, 'change second password');
      await submit(page);
      await errorsShown(page);
      await checkScreen(page, lang, 'change second password, nothing entered');
      await page.locator('#current').fill(NEW_SECOND_PASSWORD);
      await page.locator('#second_password').fill(`${NEW_SECOND_PASSWORD}3`);
      await page.locator('#second_password_confirm').fill(`${NEW_SECOND_PASSWORD}3`);
      await submit(page);
      await page.locator('#second_password_confirm').waitFor({ state: 'detached' });
      await checkScreen(page, lang, 'second password changed');
      await context.close();
    });

    it(`a graduate's account menu and password change at 375 and 1280 px (${lang})`, async () => {
      const email = `a11y-account-graduate-${lang}@example.com`;
      await firstGraduateLogin(server, email, await approvedGraduate(server, email));
      const { context, page } = await contextIn(browser, server.url, lang);
      await page.goto(`${server.url}/account?login_type=graduate`);
      await page.locator('#email').fill(email);
      await page.locator('#password').fill(NEW_PASSWORD);
      await page.locator('#second_password').fill(NEW_SECOND);
      await submit(page);
      await page.waitForURL(/\/account$/);
      await checkScreen(page, lang, 'graduate account menu');

      await page.goto(`${server.url}/account/password`);
      await checkScreen(page, lang, 'change password');
      await submit(page);
      await errorsShown(page);
      await checkScreen(page, lang, 'change password, nothing entered');
      await page.locator('#current').fill(NEW_PASSWORD);
      await page.locator('#password').fill(`${NEW_PASSWORD}3`);
      await page.locator('#password_confirm').fill(`${NEW_PASSWORD}3`);
      await submit(page);
      await page.locator('#password_confirm').waitFor({ state: 'detached' });
      await checkScreen(page, lang, 'password changed');
      await context.close();
    });
  });
});
