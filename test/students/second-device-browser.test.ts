/**
 * Issue 10, S1 on two devices in headless Chromium (two separate contexts: no shared cookies): the
 * login is started at the relying party in browser A (the PC), the address registered there, the
 * mailed URL opened in browser B (the phone): the landing page's button メールアドレスを設定する →
 * メールアドレス設定完了 → ログインページへ移動 leads, through the client's login start
 * (initiate_login_uri), to 在学生ログイン of that service in B. Browser A's login goes on
 * (第2パスワード設定 → the relying party's code), and B then logs in through to the relying party's code.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { heading, shoot, text } from '../support/chromium.js';
import { beginAuthorization, DATABASES, relyingParty, type TestServer, type TestStudent } from '../support/harness.js';
import { codeAt, twoDevices } from '../support/second-device.js';
import { urlIn } from '../support/smtp.js';

const SECOND_PASSWORD = 'TwoDevice2nd';

async function fillLogin(page: Page, student: Pick<TestStudent, 'userId' | 'password'>, secondPassword: string): Promise<void> {
  await page.getByLabel('ユーザID', { exact: true }).fill(student.userId);
  await page.getByLabel('パスワード', { exact: true }).fill(student.password);
  await page.getByLabel('第2パスワード', { exact: true }).fill(secondPassword);
}

for (const db of DATABASES) {
  describe(`S1 on a second device in Chromium (${db.name})`, function () {
    this.timeout(120_000);
    let server: TestServer;

    const devices = twoDevices(db);
    before(() => { server = devices.server; });

    it('registered from the mail on the phone: ログインページへ移動 → the service\'s 在学生ログイン → the code; the PC\'s login goes on', async () => {
      const student = server.students[0]!;
      const email = `two-devices-${db.name}@example.ac.jp`;
      const shot = (page: Page, name: string) => shoot(page, 'second-device', `${db.name}-${name}`);

      // ---- Browser A (the PC): the login started at the relying party, the address registered.
      const pc = await devices.open();
      const attempt = await beginAuthorization(await relyingParty(server));
      await pc.page.goto(attempt.url);
      await heading(pc.page, '在学生ログイン');
      await fillLogin(pc.page, student, '');
      await pc.page.getByRole('button', { name: 'ログイン', exact: true }).click();
      await heading(pc.page, 'メールアドレス設定');
      await pc.page.getByLabel('メールアドレス', { exact: true }).fill(email);
      await pc.page.getByLabel('メールアドレス（確認）', { exact: true }).fill(email);
      await pc.page.getByRole('button', { name: '確認', exact: true }).click();
      await text(pc.page, '確認メールを送信しました。');
      // The login's own address (the page above answered the form's POST to /interaction/<uid>/email).
      const interactionUrl = pc.page.url().match(/^.*\/interaction\/[^/?#]+/)![0];

      // ---- Browser B (the phone): the mailed URL, its button, メールアドレス設定完了.
      const phone = await devices.open();
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('メールアドレスの登録'));
      await phone.page.goto(urlIn(mail));
      await phone.page.getByRole('button', { name: 'メールアドレスを設定する', exact: true }).waitFor();
      await shot(phone.page, '01-phone-landing');
      await phone.page.getByRole('button', { name: 'メールアドレスを設定する', exact: true }).click();
      await heading(phone.page, 'メールアドレス設定完了');
      await shot(phone.page, '02-phone-registered');

      // ログインページへ移動: the service's own login start, then its 在学生ログイン — not an error page.
      await phone.page.getByRole('link', { name: 'ログインページへ移動', exact: true }).click();
      await heading(phone.page, '在学生ログイン');
      await shot(phone.page, '03-phone-login');
      expect(phone.loginStarts).to.have.length(1);
      expect(phone.loginStarts[0]!.searchParams.get('login_type')).to.equal('student');
      expect(phone.loginStarts[0]!.searchParams.get('iss')).to.equal(server.url);
      expect(await phone.page.content()).to.not.contain('有効期限切れ');

      // ---- Browser A: its login goes on (the address is registered) → 第2パスワード設定 → the code.
      await pc.page.goto(interactionUrl);
      await heading(pc.page, '第2パスワード設定');
      await pc.page.getByLabel('第2パスワード', { exact: true }).fill(SECOND_PASSWORD);
      await pc.page.getByLabel('第2パスワード（確認）', { exact: true }).fill(SECOND_PASSWORD);
      await pc.page.getByRole('button', { name: '設定', exact: true }).click();
      await text(pc.page, '第2パスワードが設定されました');
      await pc.page.getByRole('link', { name: 'OK', exact: true }).click();
      const onPc = await codeAt(pc.page, attempt, pc.callbacks);
      expect(onPc.claims.acr).to.equal('urn:cert-idp:acr:two-passwords');
      expect(onPc.userinfo.email).to.equal(email);
      expect(pc.loginStarts).to.have.length(0);

      // ---- Browser B: the login page it was led to signs in through to the relying party's code.
      await fillLogin(phone.page, student, SECOND_PASSWORD);
      await phone.page.getByRole('button', { name: 'ログイン', exact: true }).click();
      const onPhone = await codeAt(phone.page, phone.attempts[0]!, phone.callbacks);
      expect(onPhone.claims.sub).to.equal(onPc.claims.sub);
      expect(onPhone.claims.acr).to.equal('urn:cert-idp:acr:two-passwords');
      expect(onPhone.userinfo.email).to.equal(email);
    });

    it('registered on the phone before the PC sets anything: the phone\'s login goes on to 第2パスワード設定 and the code', async () => {
      const student = server.students[1]!;
      const email = `two-devices-b-${db.name}@example.ac.jp`;
      const pc = await devices.open();
      await pc.page.goto((await beginAuthorization(await relyingParty(server))).url);
      await fillLogin(pc.page, student, '');
      await pc.page.getByRole('button', { name: 'ログイン', exact: true }).click();
      await pc.page.getByLabel('メールアドレス', { exact: true }).fill(email);
      await pc.page.getByLabel('メールアドレス（確認）', { exact: true }).fill(email);
      await pc.page.getByRole('button', { name: '確認', exact: true }).click();
      await text(pc.page, '確認メールを送信しました。');

      const phone = await devices.open();
      await phone.page.goto(urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('メールアドレスの登録'))));
      await phone.page.getByRole('button', { name: 'メールアドレスを設定する', exact: true }).click();
      await heading(phone.page, 'メールアドレス設定完了');
      await phone.page.getByRole('link', { name: 'ログインページへ移動', exact: true }).click();
      await heading(phone.page, '在学生ログイン');
      // The first login finishes on the phone: the address is registered, the second password comes next.
      await fillLogin(phone.page, student, '');
      await phone.page.getByRole('button', { name: 'ログイン', exact: true }).click();
      await heading(phone.page, '第2パスワード設定');
      await phone.page.getByLabel('第2パスワード', { exact: true }).fill(SECOND_PASSWORD);
      await phone.page.getByLabel('第2パスワード（確認）', { exact: true }).fill(SECOND_PASSWORD);
      await phone.page.getByRole('button', { name: '設定', exact: true }).click();
      await text(phone.page, '第2パスワードが設定されました');
      await phone.page.getByRole('link', { name: 'OK', exact: true }).click();
      const onPhone = await codeAt(phone.page, phone.attempts[0]!, phone.callbacks);
      expect(onPhone.claims.acr).to.equal('urn:cert-idp:acr:two-passwords');
      expect(onPhone.userinfo.email).to.equal(email);
    });
  });
}
