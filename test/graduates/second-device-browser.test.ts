/**
 * Issue 10 for graduates in headless Chromium, each step in its own browser profile (no shared
 * cookies): the approval mail's ログインはこちらから, followed in a fresh browser, lands on the
 * service's 卒業生ログイン (through the client's login start, login_type=graduate) and the first login
 * goes through to the relying party's code; G11 パスワードを忘れた場合 requested from the login in
 * browser A and finished from the mail in browser B, whose OK leads to the service's 卒業生ログイン,
 * where B signs in with the new values; A's login goes on.
 */
import { expect } from 'chai';
import type { Locator, Page } from 'playwright-core';
import { approveApplication } from '../../src/staff/review/service.js';
import { heading, shoot, text } from '../support/chromium.js';
import { applicationOf, applyCompletely, STAFF } from '../support/graduates.js';
import { beginAuthorization, DATABASES, newBrowser, relyingParty, type TestServer } from '../support/harness.js';
import { codeAt, RP_LOGIN, twoDevices } from '../support/second-device.js';
import { urlIn, type ReceivedMail } from '../support/smtp.js';
import { initialPasswordIn } from '../support/staff.js';

const FIRST = { password: 'Hajimete9Pw', second: 'Hajimete2nd' };
const RESET = { password: 'Wasureta9Pw', second: 'Wasureta2nd' };

/** A field by its visible label, whether or not the label carries the 必須 mark. */
function field(scope: Page | Locator, label: string): Locator {
  return scope.getByLabel(new RegExp(`^${label}\\s*(必須)?$`));
}

/** The URL under ログインはこちらから. */
function loginUrlIn(mail: ReceivedMail): string {
  const match = mail.text.match(/ログインはこちらから\s+(https?:\/\/\S+)/);
  if (!match) throw new Error(`no ログインはこちらから in ${mail.text}`);
  return match[1]!;
}

async function login(page: Page, email: string, password: string, second: string): Promise<void> {
  await heading(page, '卒業生ログイン');
  await field(page, 'メールアドレス').fill(email);
  await field(page, 'パスワード').fill(password);
  await field(page, '第2パスワード').fill(second);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
}

async function setPasswords(page: Page, values: { password: string; second: string }): Promise<void> {
  await field(page, 'パスワード').fill(values.password);
  await page.locator('input[name="password_confirm"]').fill(values.password);
  await field(page, '第2パスワード').fill(values.second);
  await page.locator('input[name="second_password_confirm"]').fill(values.second);
  await page.getByRole('button', { name: '設定', exact: true }).click();
  await text(page, 'パスワードおよび第2パスワードが設定されました');
}

for (const db of DATABASES) {
  describe(`graduates on a second device in Chromium (${db.name})`, function () {
    this.timeout(120_000);
    let server: TestServer;
    const email = `g-two-devices-${db.name}@example.com`;
    let sub = '';

    const devices = twoDevices(db);
    before(() => { server = devices.server; });

    it('the approval mail\'s ログインはこちらから in a fresh browser: the service\'s 卒業生ログイン, then the first login to the code', async () => {
      await applyCompletely(server, newBrowser(), email);
      await approveApplication(server.services, STAFF, { applicationId: (await applicationOf(server, email)).id });
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請結果のお知らせ'));
      const url = loginUrlIn(mail);
      expect(url.startsWith(RP_LOGIN)).to.equal(true);

      const fresh = await devices.open();
      await fresh.page.goto(url);
      await heading(fresh.page, '卒業生ログイン');
      await shoot(fresh.page, 'second-device', `${db.name}-g-01-approval-link`);
      expect(fresh.loginStarts[0]!.searchParams.get('login_type')).to.equal('graduate');
      await login(fresh.page, email, initialPasswordIn(mail), '');
      await heading(fresh.page, 'パスワード設定');
      await setPasswords(fresh.page, FIRST);
      await fresh.page.getByRole('link', { name: 'OK', exact: true }).click();
      const code = await codeAt(fresh.page, fresh.attempts[0]!, fresh.callbacks);
      expect(code.userinfo).to.include({ user_type: 'graduate', email });
      sub = code.claims.sub;
    });

    it('G11: requested in browser A, finished in browser B; B\'s OK leads to the service\'s 卒業生ログイン and signs in; A\'s login goes on', async () => {
      expect(sub, 'the graduate of the test above').to.not.equal('');
      // ---- Browser A: 卒業生ログイン → パスワードを忘れた場合 → the address.
      const pc = await devices.open();
      const attempt = await beginAuthorization(await relyingParty(server), { login_type: 'graduate' });
      await pc.page.goto(attempt.url);
      await heading(pc.page, '卒業生ログイン');
      const interactionUrl = pc.page.url();
      await pc.page.getByRole('link', { name: 'パスワードを忘れた場合', exact: true }).click();
      await heading(pc.page, 'パスワード再設定');
      await field(pc.page, 'メールアドレス').fill(email);
      await pc.page.getByRole('button', { name: '送信', exact: true }).click();
      await text(pc.page, '入力されたメールアドレスが登録されている場合、再設定用のURLを記載したメールを送信しました。');

      // ---- Browser B (the phone): the mailed link, the new values, OK.
      const phone = await devices.open();
      await phone.page.goto(urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('パスワードの再設定'))));
      await heading(phone.page, 'パスワード再設定');
      await shoot(phone.page, 'second-device', `${db.name}-g-02-reset-form`);
      await setPasswords(phone.page, RESET);
      await shoot(phone.page, 'second-device', `${db.name}-g-03-reset-done`);
      await phone.page.getByRole('link', { name: 'OK', exact: true }).click();
      await heading(phone.page, '卒業生ログイン');
      await shoot(phone.page, 'second-device', `${db.name}-g-04-login-after-reset`);
      expect(phone.loginStarts).to.have.length(1);
      expect(phone.loginStarts[0]!.searchParams.get('login_type')).to.equal('graduate');
      await login(phone.page, email, RESET.password, RESET.second);
      const onPhone = await codeAt(phone.page, phone.attempts[0]!, phone.callbacks);
      expect(onPhone.claims.sub).to.equal(sub);
      expect(onPhone.claims.acr).to.equal('urn:cert-idp:acr:two-passwords');

      // ---- Browser A: the login it started goes on, with the new values.
      await pc.page.goto(interactionUrl);
      await login(pc.page, email, RESET.password, RESET.second);
      const onPc = await codeAt(pc.page, attempt, pc.callbacks);
      expect(onPc.claims.sub).to.equal(sub);
      expect(pc.loginStarts).to.have.length(0);
    });
  });
}
