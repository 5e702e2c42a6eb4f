import argon2 from 'argon2';
import { expect } from 'chai';
import { DATABASES, newBrowser, oidc, RP, startTestServer, beginAuthorization, exchangeCode, relyingParty, type TestServer } from '../support/harness.js';
import { linkByText, textOf } from '../support/browser.js';
import { urlIn } from '../support/smtp.js';
import { initialPasswordIn, signIn, approveThrough } from '../support/staff.js';
import { createStaffUser } from '../../src/staff/members/service.js';
import {
  applicationOf, applyCompletely, approvedGraduate, firstGraduateLogin, graduateLoginPage, NEW_PASSWORD, NEW_SECOND, STAFF, startApplication,
  submitGraduateLogin, upload, validForm,
} from '../support/graduates.js';
import { pngImage } from '../support/images.js';
import { approveApplication, rejectApplication, requestResubmission } from '../../src/staff/review/service.js';
import { importPostalCodes } from '../../src/postal/import.js';

for (const db of DATABASES) {
  describe(`graduate sign-in G2–G4, G8 (${db.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(db);
      await importPostalCodes(server.services.database, 'test/fixtures/postal-codes-sample.csv');
    });
    after(async () => { await server?.stop(); });

    it('the whole path over HTTP: apply with images → staff sign in with TOTP → approve in the console → mail → first login → login → claims', async () => {
      const email = 'whole-path@example.com';
      await applyCompletely(server, newBrowser(), email);
      const application = await applicationOf(server, email);
      const reviewer = { loginId: 'reviewer1', password: 'Shinsa2026Pass' };
      await createStaffUser(server.services, { loginId: reviewer.loginId, displayName: '審査 一郎', role: 'reviewer', password: reviewer.password });
      const staff = await signIn(server, { ...reviewer });
      const queue = await staff.get(`/admin/applications?q=${encodeURIComponent(email)}`);
      expect(textOf(queue)).to.contain(email);
      const detail = await staff.get(`/admin/applications/${application.id}`);
      expect(textOf(detail)).to.contain('電電 太郎').and.contain('デンデン タロウ');
      const image = detail.html.match(/src="(\/admin\/applications\/[^"]+\/documents\/[^"]+)"/)![1]!;
      const served = await staff.request('GET', image);
      expect(served.headers.get('cache-control')).to.contain('no-store');
      expect(served.body.subarray(1, 4).toString()).to.equal('PNG');
      const decided = await approveThrough(staff, detail, application.id, {});
      expect(decided.status).to.be.lessThan(400);
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請結果のお知らせ'));
      const { tokens, attempt } = await firstGraduateLogin(server, email, initialPasswordIn(mail));
      const b = newBrowser();
      const login = await graduateLoginPage(server, b);
      const again = await exchangeCode(login.attempt, await submitGraduateLogin(b, login.page, email, NEW_PASSWORD, NEW_SECOND));
      expect(again.claims()!.sub).to.equal(tokens.claims()!.sub);
      const userinfo = await oidc.fetchUserInfo(attempt.client, again.access_token, tokens.claims()!.sub);
      expect(userinfo).to.include({ user_type: 'graduate', email, name: '電電 太郎' });
      const events = (await server.services.audit.list()).map((e) => e.event);
      expect(events).to.include.members(['application.submitted', 'document.viewed', 'application.approved', 'password.set', 'login.success']);
    });

    it('apply → approve → initial password by mail → パスワード設定 (rules) → login with all three → graduate claims', async () => {
      const email = 'graduate1@example.com';
      const initial = await approvedGraduate(server, email);
      const browser = newBrowser();
      const { attempt, page } = await graduateLoginPage(server, browser);
      expect(textOf(page)).to.contain('卒業生ログイン').and.contain('メールアドレス').and.contain('新規登録');
      const setup = await submitGraduateLogin(browser, page, email, initial);
      expect(textOf(setup)).to.contain('パスワード設定');
      const cases: Array<[Record<string, string>, string]> = [
        [{ password: initial, password_confirm: initial }, '初回パスワード以外'],
        [{ second_password: NEW_PASSWORD, second_password_confirm: NEW_PASSWORD }, 'パスワードと第2パスワードは異なる'],
        [{ password_confirm: 'Different9X' }, '一致しません'],
        [{ password: 'weakpass', password_confirm: 'weakpass' }, '半角英大文字'],
      ];
      const good = { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD, second_password: NEW_SECOND, second_password_confirm: NEW_SECOND };
      for (const [change, message] of cases) {
        const refused = await browser.submit(setup, /\/password-setup$/, { ...good, ...change });
        expect(textOf(refused), JSON.stringify(change)).to.contain(message);
      }
      const done = await browser.submit(setup, /\/password-setup$/, good);
      expect(textOf(done)).to.contain('第2パスワードが設定されました');
      const callback = await browser.get(linkByText(done, 'OK'), RP.redirectUri);
      const tokens = await exchangeCode(attempt, callback);
      expect(tokens.claims()!.acr).to.equal('urn:cert-idp:acr:two-passwords');
      expect(tokens.claims()!.amr).to.deep.equal(['pwd']);
      const userinfo = await oidc.fetchUserInfo(attempt.client, tokens.access_token, tokens.claims()!.sub);
      expect(userinfo).to.include({
        email, email_verified: true, user_type: 'graduate', name: '電電 太郎', family_name: '電電', given_name: '太郎',
        'family_name#ja-Kana-JP': 'デンデン', 'given_name#ja-Latn-JP': 'TAROU',
      });
      expect(userinfo.enrollments).to.deep.equal([{
        student_number: '18F1234', university: 'サンプル大学', faculty: '外国語学部', department: '外国語学科', status: 'graduated', graduated_on: '2022-03',
      }]);

      // G4: メールアドレス + パスワード + 第2パスワード.
      const b2 = newBrowser();
      const login = await graduateLoginPage(server, b2);
      const wrong = await submitGraduateLogin(b2, login.page, email, NEW_PASSWORD, 'Wrong9Second');
      expect(textOf(wrong)).to.contain('メールアドレス、パスワードまたは第2パスワードが正しくありません');
      const ok = await submitGraduateLogin(b2, login.page, email, NEW_PASSWORD, NEW_SECOND);
      const later = (await exchangeCode(login.attempt, ok)).claims()!;
      expect(later.sub).to.equal(tokens.claims()!.sub);
      expect([later.acr, later.amr]).to.deep.equal(['urn:cert-idp:acr:two-passwords', ['pwd']]);
      // The initial password works only for the first login.
      const b3 = newBrowser();
      const again = await graduateLoginPage(server, b3);
      expect(textOf(await submitGraduateLogin(b3, again.page, email, initial))).to.contain('正しくありません');

      // Hashes made by node-argon2 with another parameter set (t=3) still verify, and the next
      // successful login stores both with the configured ones; a failed login leaves them alone.
      const accounts = server.services.database.dataSource.getRepository(server.services.database.entities.Account);
      const older = { type: argon2.argon2id, memoryCost: 19456, timeCost: 3, parallelism: 1 } as const;
      const oldHashes = { passwordHash: await argon2.hash(NEW_PASSWORD, older), secondPasswordHash: await argon2.hash(NEW_SECOND, older) };
      await accounts.update({ email }, oldHashes);
      const b4 = newBrowser();
      const upgrade = await graduateLoginPage(server, b4);
      expect(textOf(await submitGraduateLogin(b4, upgrade.page, email, NEW_PASSWORD, 'Wrong9Second'))).to.contain('正しくありません');
      expect(await accounts.findOneByOrFail({ email })).to.include(oldHashes);
      const upgraded = await submitGraduateLogin(b4, upgrade.page, email, NEW_PASSWORD, NEW_SECOND);
      expect((await exchangeCode(upgrade.attempt, upgraded)).claims()!.sub).to.equal(tokens.claims()!.sub);
      const rehashed = await accounts.findOneByOrFail({ email });
      expect(rehashed.passwordHash).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(rehashed.secondPasswordHash).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await server.services.hasher.verify(rehashed.passwordHash, NEW_PASSWORD)).to.equal(true);
      expect(await server.services.hasher.verify(rehashed.secondPasswordHash, NEW_SECOND)).to.equal(true);
      expect(rehashed.passwordIsInitial).to.equal(false);
    });

    it('パスワード設定 posted three times at once with different values: one pair is stored, the other tabs are told so', async () => {
      const email = 'g3-race@example.com';
      const initial = await approvedGraduate(server, email);
      const browser = newBrowser();
      const { page } = await graduateLoginPage(server, browser);
      const setup = await submitGraduateLogin(browser, page, email, initial);
      const pairs = [['Race1Pass', 'Race1Second'], ['Race2Pass', 'Race2Second'], ['Race3Pass', 'Race3Second']] as const;
      const results = await Promise.all(pairs.map(([password, second]) => browser.submit(setup, /\/password-setup$/, {
        password, password_confirm: password, second_password: second, second_password_confirm: second,
      })));
      const won = pairs.filter((_pair, i) => textOf(results[i]!).includes('パスワードおよび第2パスワードが設定されました'));
      expect(won, results.map((r) => `${r.status} ${textOf(r).slice(0, 60)}`).join(' | ')).to.have.length(1);
      for (const result of results.filter((r) => !textOf(r).includes('パスワードおよび第2パスワードが設定されました'))) {
        expect(result.status).to.equal(409);
        expect(textOf(result)).to.contain('パスワードと第2パスワードは、別の画面で既に設定されています。');
      }
      const account = (await server.services.accounts.findGraduateByEmail(email))!;
      expect(await argon2.verify(account.passwordHash!, won[0]![0])).to.equal(true);
      expect(await argon2.verify(account.secondPasswordHash!, won[0]![1])).to.equal(true);
      const { dataSource, entities } = server.services.database;
      expect(await dataSource.getRepository(entities.PasswordHistory).countBy({ accountId: account.id })).to.equal(2);
    });

    it('the login page offers 在学生の方 / 卒業生の方 without login_type; the RP can pre-select either', async () => {
      const browser = newBrowser();
      const attempt = await beginAuthorization(await relyingParty(server), { login_type: '' });
      const chooser = await browser.get(attempt.url, RP.redirectUri);
      expect(textOf(chooser)).to.contain('在学生の方').and.contain('卒業生の方');
      expect(textOf(await browser.get(linkByText(chooser, '卒業生の方')))).to.contain('卒業生ログイン');
      expect(textOf(await browser.get(linkByText(chooser, '在学生の方')))).to.contain('在学生ログイン');
    });

    it('an expired initial password is told only to whoever typed it; a new version of the terms is shown at the next login', async () => {
      const email = 'graduate2@example.com';
      const initial = await approvedGraduate(server, email);
      const { dataSource, entities } = server.services.database;
      const accounts = dataSource.getRepository(entities.Account);
      await accounts.update({ email }, { passwordExpiresAt: new Date(Date.now() - 1000) });
      const b = newBrowser();
      const { page } = await graduateLoginPage(server, b);
      expect(textOf(await submitGraduateLogin(b, page, email, initial))).to.contain('初回パスワードの有効期限が切れています');
      expect(textOf(await submitGraduateLogin(b, page, email, 'Wrong9Initial'))).to.contain('正しくありません');
      await accounts.update({ email }, { passwordExpiresAt: new Date(Date.now() + 86400_000) });
      await firstGraduateLogin(server, email, initial);

      const terms = server.config.graduates!.terms;
      const previous = terms.version;
      terms.version = '2099-01';
      try {
        const browser = newBrowser();
        const { attempt, page: login } = await graduateLoginPage(server, browser);
        const shown = await submitGraduateLogin(browser, login, email, NEW_PASSWORD, NEW_SECOND);
        expect(textOf(shown)).to.contain('利用規約が改定されました').and.contain('上記内容に同意する');
        const notAgreed = await browser.submit(shown, /\/terms$/, {}, RP.redirectUri);
        expect(textOf(notAgreed)).to.contain('同意していただく必要があります');
        const agreed = await browser.submit(shown, /\/terms$/, { agree: 'yes' }, RP.redirectUri);
        await exchangeCode(attempt, agreed);
        const account = await accounts.findOneByOrFail({ email });
        expect(account.termsVersion).to.equal('2099-01');
        expect(account.termsAcceptedAt).to.be.instanceOf(Date);
      } finally {
        terms.version = previous;
      }
    });

    it('rejection mails the reason; resubmission lets the applicant correct the same application and resubmit', async () => {
      const rejected = 'rejected@example.com';
      await applyCompletely(server, newBrowser(), rejected);
      await rejectApplication(server.services, STAFF, { applicationId: (await applicationOf(server, rejected)).id, reason: '本人確認書類が不鮮明です。' });
      const no = await server.smtp.waitFor(rejected, (m) => m.subject.includes('利用申請結果'));
      expect(no.text).to.contain('本人確認書類が不鮮明です。');

      const email = 'resubmit@example.com';
      await applyCompletely(server, newBrowser(), email);
      const app = await applicationOf(server, email);
      await requestResubmission(server.services, STAFF, { applicationId: app.id, comment: '生年月日をご確認ください。' });
      const mail = await server.smtp.waitFor(email, (m) => m.text.includes('/graduates/apply/continue?key='));
      expect(mail.text).to.contain('生年月日をご確認ください。');
      const browser = newBrowser();
      const landing = await browser.get(urlIn(mail));
      expect(textOf(landing)).to.contain('再申請の依頼').and.contain('申請を続ける');
      const form = await browser.submit(landing, '/graduates/apply/continue', {});
      expect(textOf(form)).to.contain('再申請の依頼').and.contain('生年月日をご確認ください。');
      expect(form.html).to.contain('value="電電 太郎"');
      const documents = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server, { birth_date: '1999-10-10' })), action: 'next' });
      expect(documents.html).to.contain('/graduates/apply/documents/');
      await upload(browser, server, documents, 'passport', [{ filename: 'passport.png', type: 'image/png', bytes: pngImage(6, 6) }]);
      const confirm = await browser.get(`${server.url}/graduates/apply/confirm`);
      expect(textOf(confirm)).to.contain('1999/10/10');
      await browser.submit(confirm, '/graduates/apply/confirm', {});
      const after = await applicationOf(server, email);
      expect(after.status).to.equal('resubmitted');
      expect(after.form!.birth_date).to.equal('1999-10-10');
      const approved = await approveApplication(server.services, STAFF, { applicationId: after.id });
      expect(approved).to.be.an('object');
      await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請結果のお知らせ') && m.text.includes('初回パスワード'));
    });

    it('G8 lost email: a 変更 application, linked by staff, moves the account and forces G3 again', async () => {
      const oldEmail = 'lost-old@example.com';
      const initial = await approvedGraduate(server, oldEmail);
      const first = await firstGraduateLogin(server, oldEmail, initial);
      const sub = first.tokens.claims()!.sub;

      const newEmail = 'lost-new@example.com';
      const browser = newBrowser();
      const form = await startApplication(server, browser, newEmail);
      const documents = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server, { kind: 'change' })), action: 'next' });
      await upload(browser, server, documents, 'passport', [{ filename: 'p.png', type: 'image/png', bytes: pngImage() }]);
      await browser.submit(await browser.get(`${server.url}/graduates/apply/confirm`), '/graduates/apply/confirm', {});
      const change = await applicationOf(server, newEmail);
      expect(change.kind).to.equal('change');
      let refused = false;
      try {
        await approveApplication(server.services, STAFF, { applicationId: change.id });
      } catch {
        refused = true;
      }
      expect(refused, 'a change needs the account chosen by staff').to.equal(true);
      await approveApplication(server.services, STAFF, { applicationId: change.id, accountId: sub });
      const mail = await server.smtp.waitFor(newEmail, (m) => m.subject.includes('利用申請結果のお知らせ'));
      const newInitial = initialPasswordIn(mail);
      await server.smtp.waitFor(oldEmail);
      // The old session is over, the old credentials no longer work, the new first login forces G3.
      const menu = await first.browser.get(`${server.url}/account?login_type=graduate`);
      expect(textOf(menu)).to.contain('卒業生ログイン');
      const b = newBrowser();
      const { page } = await graduateLoginPage(server, b);
      expect(textOf(await submitGraduateLogin(b, page, oldEmail, NEW_PASSWORD, NEW_SECOND))).to.contain('正しくありません');
      // New passwords: the history rule (passwordPolicy.historySize) refuses the previous ones.
      const moved = await firstGraduateLogin(server, newEmail, newInitial, { password: 'Idou7Pass', second: 'Idou7Daini2' });
      expect(moved.tokens.claims()!.sub).to.equal(sub);
      const userinfo = await oidc.fetchUserInfo(moved.attempt.client, moved.tokens.access_token, sub);
      expect(userinfo.email).to.equal(newEmail);
    });
  });
}
