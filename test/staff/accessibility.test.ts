/**
 * axe-core (WCAG 2.0/2.1 A and AA: no serious or critical violation) on every screen of the staff
 * console, each error state included, at 375 px and 1280 px, in Japanese and in English: login, the
 * enrolment of the authenticator app, the TOTP step, the queue, an application, the account search, an
 * account, the catalogue, the audit log and the staff list. Every table scrolls in a focusable region
 * named like the table (the console's convention), and the English header shows no full-width brackets.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createStaffUser } from '../../src/staff/members/service.js';
import { checkScreen, contextIn, LANGS, type Lang } from '../support/axe.js';
import { startChromiumAndServer, stopChromiumAndServer } from '../support/chromium.js';
import { applicationOf, applyCompletely, approvedGraduate } from '../support/graduates.js';
import { DATABASES, newBrowser, type TestServer } from '../support/harness.js';
import { nextCode, wrongCode, type StaffCredentials } from '../support/staff.js';

const db = DATABASES[0];

(db ? describe : describe.skip)(`staff console with axe-core (${db?.name ?? 'no database'})`, function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: Browser;
  const pendingIds: Record<string, string> = {};
  let accountId: string;

  before(async () => {
    ({ browser, server } = await startChromiumAndServer(db!));
    await approvedGraduate(server, 'a11y-approved@example.com');
    accountId = (await applicationOf(server, 'a11y-approved@example.com')).accountId!;
    for (const lang of LANGS) {
      await applyCompletely(server, newBrowser(), `a11y-pending-${lang}@example.com`);
      pendingIds[lang] = (await applicationOf(server, `a11y-pending-${lang}@example.com`)).id;
    }
  });
  after(() => stopChromiumAndServer(browser, server));

  const submit = (page: Page, form = 'main form.card') => page.locator(`${form} button[type=submit]`).first().click();
  const errorsShown = (page: Page) => page.locator('.alert--error').first().waitFor();

  /** Every table is in a keyboard-scrollable region named by the table's caption. */
  async function expectScrollRegions(page: Page): Promise<void> {
    for (const table of await page.locator('main table').all()) {
      const region = table.locator('xpath=..');
      expect(await region.getAttribute('class')).to.equal('table-scroll');
      expect(await region.getAttribute('role')).to.equal('region');
      expect(await region.getAttribute('tabindex')).to.equal('0');
      expect(await region.getAttribute('aria-label')).to.equal((await table.locator('caption').textContent())?.trim());
    }
  }

  LANGS.forEach((lang: Lang) => {
    it(`every staff console screen and error state at 375 and 1280 px (${lang})`, async () => {
      const creds: StaffCredentials = { loginId: `admin-${lang}`, password: `Kanri2026${lang}Pw` };
      const created = await createStaffUser(server.services, { loginId: creds.loginId, displayName: '管理 花子', role: 'administrator', password: creds.password });
      if (created.kind !== 'ok') throw new Error(created.kind);
      const { context, page } = await contextIn(browser, server.url, lang);

      await page.goto(`${server.url}/admin/login`);
      await checkScreen(page, lang, 'staff login');
      await submit(page);
      await errorsShown(page);
      await checkScreen(page, lang, 'staff login, nothing entered');

      // The password alone does not enrol: the page asks for an enrolment link.
      await page.locator('#login_id').fill(creds.loginId);
      await page.locator('#password').fill(creds.password);
      await submit(page);
      await page.waitForURL(/\/admin\/enrol$/);
      await checkScreen(page, lang, 'staff enrolment without a link');

      // The enrolment link → password → the QR code (a wrong code first) → the queue.
      await page.goto(created.enrolment.url);
      if (await page.locator('#login_id').count()) {
        await page.locator('#login_id').fill(creds.loginId);
        await page.locator('#password').fill(creds.password);
        await submit(page);
      }
      await page.locator('#totp-secret').waitFor();
      await checkScreen(page, lang, 'staff TOTP enrolment');
      creds.secret = (await page.locator('#totp-secret').innerText()).replace(/\s+/g, '');
      await page.locator('#code').fill(await wrongCode(creds.secret));
      await submit(page);
      await errorsShown(page);
      await checkScreen(page, lang, 'staff TOTP enrolment, wrong code');
      await page.locator('#code').fill(await nextCode(creds));
      await submit(page);
      await page.waitForURL(/\/admin\/applications$/);

      // Log out, then the TOTP step of a normal sign-in.
      await page.locator('.staff-logout__button').click();
      await page.waitForURL((url) => !url.pathname.startsWith('/admin/applications'));
      await page.goto(`${server.url}/admin/login`);
      await page.locator('#login_id').fill(creds.loginId);
      await page.locator('#password').fill(creds.password);
      await submit(page);
      await page.waitForURL(/\/admin\/totp$/);
      await checkScreen(page, lang, 'staff TOTP');
      await page.locator('#code').fill(await wrongCode(creds.secret));
      await submit(page);
      await errorsShown(page);
      await checkScreen(page, lang, 'staff TOTP, wrong code');
      await page.locator('#code').fill(await nextCode(creds));
      await submit(page);
      await page.waitForURL(/\/admin\/applications$/);
      const header = await page.locator('.staff-user').innerText();
      if (lang === 'en') expect(header).to.equal('管理 花子 (Administrator)');
      else expect(header).to.equal('管理 花子（管理者）');

      await checkScreen(page, lang, 'staff queue');
      await expectScrollRegions(page);
      await page.goto(`${server.url}/admin/applications?status=all`);
      await checkScreen(page, lang, 'staff queue, every status');
      await expectScrollRegions(page);

      await page.goto(`${server.url}/admin/applications/${pendingIds[lang]}`);
      await checkScreen(page, lang, 'staff application');
      await expectScrollRegions(page);
      await submit(page, `form[action$="/reject"]`);
      await errorsShown(page);
      await checkScreen(page, lang, 'staff application, reject without a reason');
      // 承認 asks for confirmation on a page of its own, then decides.
      await submit(page, `form[action$="/approve"]`);
      await page.locator('form[action$="/approve"] input[name="confirm"]').waitFor({ state: 'attached' });
      await checkScreen(page, lang, 'staff approval confirmation');
      await submit(page, `form[action$="/approve"]`);
      await page.locator('form[action$="/approve"]').waitFor({ state: 'detached' });
      await checkScreen(page, lang, 'staff application approved');

      await page.goto(`${server.url}/admin/accounts`);
      await checkScreen(page, lang, 'staff account search');
      await page.goto(`${server.url}/admin/accounts?q=a11y`);
      await checkScreen(page, lang, 'staff account search results');
      await expectScrollRegions(page);
      await page.goto(`${server.url}/admin/accounts?q=nobody-at-all`);
      await checkScreen(page, lang, 'staff account search, nothing found');
      await page.goto(`${server.url}/admin/accounts/${accountId}`);
      await checkScreen(page, lang, 'staff account');
      await expectScrollRegions(page);

      await page.goto(`${server.url}/admin/catalogue`);
      await checkScreen(page, lang, 'staff catalogue');
      await expectScrollRegions(page);
      await submit(page);
      await errorsShown(page);
      await checkScreen(page, lang, 'staff catalogue, nothing entered');

      await page.goto(`${server.url}/admin/audit`);
      await checkScreen(page, lang, 'staff audit log');
      await expectScrollRegions(page);

      await page.goto(`${server.url}/admin/staff`);
      await checkScreen(page, lang, 'staff members');
      await expectScrollRegions(page);
      await submit(page);
      await errorsShown(page);
      await checkScreen(page, lang, 'staff members, nothing entered');
      await context.close();
    });
  });
});
