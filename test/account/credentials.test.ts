/**
 * Issue #4 (credentials part): G9 パスワード変更, G10 第2パスワード変更 (graduates), G11 パスワードを忘れた場合,
 * the password history, re-authentication before sensitive changes, and the account menu per user type.
 * Real parts: the server over HTTP, MariaDB and SQLite, the SMTP listener, openid-client as the RP.
 */
import { expect } from 'chai';
import type { Browser, Page as BrowserPage } from 'playwright-core';
import { heading, launchChromium, openContext, PHONE, shoot as shootScreen } from '../support/chromium.js';
import { beginAuthorization, DATABASES, exchangeCode, newBrowser, oidc, relyingParty, RP, startTestServer, type TestServer } from '../support/harness.js';
import { findForm, HttpBrowser, linkByText, textOf, type Page } from '../support/browser.js';
import { firstLogin, fullLogin, NEW_SECOND_PASSWORD } from '../support/flows.js';
import { confirmEmailLink, expectEmailLanding, postEmailToken } from '../support/email-links.js';
import { urlIn } from '../support/smtp.js';
import { sha256Hex, tokenOf } from '../support/students.js';
import { initialPasswordIn } from '../support/staff.js';
import { applyCompletely } from '../support/graduates.js';
import { approveApplication } from '../../src/staff/review/service.js';
import { importPostalCodes } from '../../src/postal/import.js';

const STAFF = { id: '00000000-0000-4000-8000-000000000001' };
const PASSWORD = 'Sotsugyo9Pass';
const SECOND = 'Daini2Himitsu';
const FAILED = 'メールアドレス、パスワードまたは第2パスワードが正しくありません';

async function approvedGraduate(server: TestServer, email: string): Promise<string> {
  await applyCompletely(server, newBrowser(), email);
  const { dataSource, entities } = server.services.database;
  const application = await dataSource.getRepository(entities.Application).findOneByOrFail({ email });
  await approveApplication(server.services, STAFF, { applicationId: application.id });
  return initialPasswordIn(await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請結果のお知らせ')));
}

async function graduateLogin(server: TestServer, browser: HttpBrowser) {
  const attempt = await beginAuthorization(await relyingParty(server), { login_type: 'graduate' });
  return { attempt, page: await browser.get(attempt.url, RP.redirectUri) };
}

function submitGraduateLogin(browser: HttpBrowser, page: Page, email: string, password: string, second = ''): Promise<Page> {
  return browser.submit(page, /\/graduate-login$/, { email, password, second_password: second }, RP.redirectUri);
}

/** A graduate past G3, signed in in the returned browser; `sub` is the account. */
async function signedInGraduate(server: TestServer, email: string) {
  const initial = await approvedGraduate(server, email);
  const browser = newBrowser();
  const { attempt, page } = await graduateLogin(server, browser);
  const setup = await submitGraduateLogin(browser, page, email, initial);
  const done = await browser.submit(setup, /\/password-setup$/, { password: PASSWORD, password_confirm: PASSWORD, second_password: SECOND, second_password_confirm: SECOND });
  const tokens = await exchangeCode(attempt, await browser.get(linkByText(done, 'OK'), RP.redirectUri));
  await server.smtp.waitFor(email, (m) => m.subject.includes('パスワード設定のお知らせ'));
  return { browser, sub: tokens.claims()!.sub };
}

/** What the relying party sees after a graduate login with these values (or the refusal). */
async function rpLogin(server: TestServer, email: string, password: string, second: string) {
  const browser = newBrowser();
  const { attempt, page } = await graduateLogin(server, browser);
  const answer = await submitGraduateLogin(browser, page, email, password, second);
  if (!answer.location?.startsWith(RP.redirectUri)) return { refused: textOf(answer).includes(FAILED) };
  const tokens = await exchangeCode(attempt, answer);
  return { sub: tokens.claims()!.sub, userinfo: await oidc.fetchUserInfo(attempt.client, tokens.access_token, tokens.claims()!.sub) };
}

/** Moves the sign-in of every session of the account back by `minutes` (as if it were older). */
async function ageSignIn(server: TestServer, accountId: string, minutes: number): Promise<void> {
  const { dataSource, entities } = server.services.database;
  const rows = dataSource.getRepository(entities.OidcPayload);
  for (const row of await rows.findBy({ model: 'Session', accountId })) {
    const payload = row.payload as { loginTs: number };
    await rows.update({ model: row.model, id: row.id }, { payload: { ...payload, loginTs: payload.loginTs - minutes * 60 } });
  }
}

async function accountOf(server: TestServer, id: string) {
  const { dataSource, entities } = server.services.database;
  return dataSource.getRepository(entities.Account).findOneByOrFail({ id });
}

/** Posts a form without its CSRF token. */
async function postWithoutCsrf(browser: HttpBrowser, page: Page, action: string | RegExp, fields: Record<string, string>): Promise<Page> {
  const form = findForm(page, action);
  const { _csrf: _dropped, ...hidden } = form.hidden;
  return browser.request('POST', new URL(form.action, page.url).toString(), new URLSearchParams({ ...hidden, ...fields }));
}

for (const db of DATABASES) {
  describe(`account credentials: G9–G11, history, re-authentication (${db.name})`, function () {
    this.timeout(120_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(db);
      await importPostalCodes(server.services.database, 'test/fixtures/postal-codes-sample.csv');
    });
    after(async () => { await server?.stop(); });

    it('the menu shows exactly what applies: graduates and students', async () => {
      const email = 'menu-grad@example.com';
      const { browser } = await signedInGraduate(server, email);
      const menu = await browser.get(`${server.url}/account`);
      const items = [...menu.html.matchAll(/class="menu__item"[^>]*>([^<]+)</g)].map((m) => m[1]!.trim());
      expect(items.filter((i) => !i.startsWith('サービスへ戻る'))).to.deep.equal(['学籍番号追加登録', '個人情報設定・変更', 'メールアドレス変更', 'パスワード変更', '第2パスワード変更', 'マニュアル', 'ログアウト']);
      expect(linkByText(menu, '学籍番号追加登録')).to.equal(`${server.url}/account/enrollments/new`);
      expect(linkByText(menu, '個人情報設定・変更')).to.equal(`${server.url}/account/personal`);
      expect(linkByText(menu, 'パスワード変更')).to.equal(`${server.url}/account/password`);

      const student = newBrowser();
      await firstLogin(server, student, server.students[0]!, 'menu-student@example.ac.jp');
      const studentMenu = await student.get(`${server.url}/account`);
      const studentItems = [...studentMenu.html.matchAll(/class="menu__item"[^>]*>([^<]+)</g)].map((m) => m[1]!.trim());
      expect(studentItems.filter((i) => !i.startsWith('サービスへ戻る'))).to.deep.equal(['メールアドレス変更', '第2パスワード変更', 'マニュアル', 'ログアウト']);
      // A student has no パスワード変更 here (the university's password).
      expect((await student.get(`${server.url}/account/password`)).url).to.equal(`${server.url}/account`);
    });

    it('G9 パスワード変更: rules and refusals on the page, nothing saved; then the new password works and the old one no longer does', async () => {
      const email = 'g9@example.com';
      const { browser, sub } = await signedInGraduate(server, email);
      const menu = await browser.get(`${server.url}/account`);
      const form = await browser.get(linkByText(menu, 'パスワード変更'));
      expect(textOf(form)).to.contain('現在のパスワード').and.contain('新しいパスワード').and.contain('確認');
      const before = (await accountOf(server, sub)).passwordHash;
      const NEXT = 'Kawatta9Pass';
      const cases: Array<[Record<string, string>, string]> = [
        [{ current: 'Wrong9Password' }, '現在のパスワードが正しくありません'],
        [{ password_confirm: 'Kawatta9Pasx' }, '一致しません'],
        [{ password: 'weakpass', password_confirm: 'weakpass' }, '半角英大文字'],
        [{ password: PASSWORD, password_confirm: PASSWORD }, '現在のものと異なる'],
        [{ password: SECOND, password_confirm: SECOND }, 'パスワードと第2パスワードは異なる'],
        [{ current: '' }, '現在のパスワードを入力してください'],
      ];
      const good = { current: PASSWORD, password: NEXT, password_confirm: NEXT };
      for (const [change, message] of cases) {
        const refused = await browser.submit(form, '/account/password', { ...good, ...change });
        expect(refused.url, JSON.stringify(change)).to.equal(`${server.url}/account/password`);
        expect(textOf(refused), JSON.stringify(change)).to.contain(message);
      }
      const noCsrf = await postWithoutCsrf(browser, form, '/account/password', good);
      expect(noCsrf.status).to.equal(403);
      expect(textOf(noCsrf)).to.contain('不正な操作');
      expect((await accountOf(server, sub)).passwordHash).to.equal(before);

      const done = await browser.submit(form, '/account/password', good);
      expect(textOf(done)).to.contain('パスワードが変更されました');
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('パスワード変更のお知らせ'));
      expect(mail.text).to.not.contain(NEXT);
      // History: back to the first password is refused, although it is no longer the current one.
      const back = await browser.submit(await browser.get(`${server.url}/account/password`), '/account/password', { current: NEXT, password: PASSWORD, password_confirm: PASSWORD });
      expect(textOf(back)).to.contain('最近使用したものと異なるもの');

      expect(await rpLogin(server, email, PASSWORD, SECOND)).to.deep.equal({ refused: true });
      const ok = await rpLogin(server, email, NEXT, SECOND);
      expect(ok.sub).to.equal(sub);
      expect(ok.userinfo).to.include({ user_type: 'graduate', email });
      const events = (await server.services.audit.list(sub)).map((e) => e.event);
      expect(events).to.include.members(['password.change_failed', 'password.changed']);
    });

    it('G10 第2パスワード変更 for graduates: 旧第2パスワード / 新第2パスワード, not the password, not a recent one', async () => {
      const email = 'g10@example.com';
      const { browser, sub } = await signedInGraduate(server, email);
      const form = await browser.get(linkByText(await browser.get(`${server.url}/account`), '第2パスワード変更'));
      expect(textOf(form)).to.contain('旧第2パスワード').and.contain('新第2パスワード').and.not.contain('現在の第2パスワード');
      const NEXT = 'Atarashii2nd';
      const good = { current: SECOND, second_password: NEXT, second_password_confirm: NEXT };
      const cases: Array<[Record<string, string>, string]> = [
        [{ current: 'Wrong2Second' }, '旧第2パスワードが正しくありません'],
        [{ second_password_confirm: 'Atarashii2nx' }, '一致しません'],
        [{ second_password: 'short1A', second_password_confirm: 'short1A' }, '8文字以上'],
        [{ second_password: PASSWORD, second_password_confirm: PASSWORD }, 'パスワードと第2パスワードは異なる'],
        [{ second_password: SECOND, second_password_confirm: SECOND }, '現在のものと異なる'],
      ];
      const before = (await accountOf(server, sub)).secondPasswordHash;
      for (const [change, message] of cases) {
        const refused = await browser.submit(form, '/account/second-password', { ...good, ...change });
        expect(textOf(refused), JSON.stringify(change)).to.contain(message);
      }
      expect((await postWithoutCsrf(browser, form, '/account/second-password', good)).status).to.equal(403);
      expect((await accountOf(server, sub)).secondPasswordHash).to.equal(before);
      const done = await browser.submit(form, '/account/second-password', good);
      expect(textOf(done)).to.contain('第2パスワードが変更されました');
      await server.smtp.waitFor(email, (m) => m.subject.includes('第2パスワード変更のお知らせ'));
      const back = await browser.submit(await browser.get(`${server.url}/account/second-password`), '/account/second-password', { current: NEXT, second_password: SECOND, second_password_confirm: SECOND });
      expect(textOf(back)).to.contain('最近使用したものと異なるもの');
      expect(await rpLogin(server, email, PASSWORD, SECOND)).to.deep.equal({ refused: true });
      expect((await rpLogin(server, email, PASSWORD, NEXT)).sub).to.equal(sub);
      expect((await server.services.audit.list(sub)).map((e) => e.event)).to.include.members(['second_password.change_failed', 'second_password.changed']);
    });

    it('G7 メールアドレス変更 by a graduate: the one-time URL goes to the new address, the old one is told; the address is the new login', async () => {
      const oldEmail = 'g7-old@example.com';
      const newEmail = 'g7-new@example.com';
      const { browser, sub } = await signedInGraduate(server, oldEmail);
      const form = await browser.get(`${server.url}/account/email`);
      expect(textOf(form)).to.contain('新しいメールアドレス');
      const mismatch = await browser.submit(form, '/account/email', { email: newEmail, email_confirm: 'other@example.com' });
      expect(textOf(mismatch)).to.contain('一致しません');
      const sent = await browser.submit(form, '/account/email', { email: newEmail, email_confirm: newEmail });
      expect(textOf(sent)).to.contain('確認メールを送信しました');
      const mail = await server.smtp.waitFor(newEmail, (m) => m.subject.includes('メールアドレスの変更'));
      expect(textOf(await confirmEmailLink(newBrowser(), urlIn(mail)))).to.contain('メールアドレスを変更しました');
      await server.smtp.waitFor(oldEmail, (m) => m.subject.includes('メールアドレス変更のお知らせ'));
      const moved = await rpLogin(server, newEmail, PASSWORD, SECOND);
      expect(moved.sub).to.equal(sub);
      expect(moved.userinfo?.email).to.equal(newEmail);
      expect((await rpLogin(server, oldEmail, PASSWORD, SECOND)).refused).to.equal(true);
    });

    it('G7 with a mail scanner in front: HEAD and GETs without cookies show the landing page and change nothing; the button on another device does', async () => {
      const oldEmail = 'g7-scan-old@example.com';
      const newEmail = 'g7-scan-new@example.com';
      const { browser, sub } = await signedInGraduate(server, oldEmail);
      const form = await browser.get(`${server.url}/account/email`);
      await browser.submit(form, '/account/email', { email: newEmail, email_confirm: newEmail });
      const url = urlIn(await server.smtp.waitFor(newEmail, (m) => m.subject.includes('メールアドレスの変更')));
      const { dataSource, entities } = server.services.database;
      const tokenRow = () => dataSource.getRepository(entities.OneTimeToken).findOneByOrFail({ tokenHash: sha256Hex(tokenOf(url)) });
      const scanner = new HttpBrowser();
      const head = await scanner.request('HEAD', url);
      expect(head.status).to.equal(200);
      for (const page of [await new HttpBrowser().get(url), await new HttpBrowser().get(url)]) {
        expectEmailLanding(page, 'change');
        expect(textOf(page)).to.contain('@example.com').and.not.contain('メールアドレスを変更しました');
      }
      expect((await accountOf(server, sub)).email).to.equal(oldEmail);
      expect((await tokenRow()).usedAt).to.equal(null);
      expect(server.smtp.mails.some((m) => m.to.includes(oldEmail) && m.subject.includes('メールアドレス変更のお知らせ'))).to.equal(false);
      expect((await rpLogin(server, oldEmail, PASSWORD, SECOND)).sub).to.equal(sub);

      const done = await confirmEmailLink(newBrowser(), url);
      expect(textOf(done)).to.contain('メールアドレスを変更しました');
      expect((await accountOf(server, sub)).email).to.equal(newEmail);
      await server.smtp.waitFor(oldEmail, (m) => m.subject.includes('メールアドレス変更のお知らせ'));
      expect((await rpLogin(server, newEmail, PASSWORD, SECOND)).sub).to.equal(sub);
      // Used: the landing page and the button both say so.
      const used = await new HttpBrowser().get(url);
      expect(used.status).to.equal(410);
      expect(textOf(used)).to.contain('このURLは既に使用されています。');
      const posted = await postEmailToken(new HttpBrowser(), server.url, '/account/email/confirm', tokenOf(url));
      expect(posted.status).to.equal(410);
    });

    it('G11 パスワードを忘れた場合: same answer for unknown addresses, URL rules, new values; every session ends', async () => {
      const email = 'g11@example.com';
      const { browser: existing, sub } = await signedInGraduate(server, email);
      expect(textOf(await existing.get(`${server.url}/account`))).to.contain('パスワード変更');

      const other = newBrowser();
      const { page: login } = await graduateLogin(server, other);
      const forgotUrl = linkByText(login, 'パスワードを忘れた場合');
      expect(forgotUrl).to.match(/\/graduates\/password\/forgot\?interaction=[A-Za-z0-9_-]+$/);
      const forgot = await other.get(forgotUrl);
      expect(textOf(forgot)).to.contain('パスワード再設定').and.contain('メールアドレス');
      const unknown = await other.submit(forgot, '/graduates/password/forgot', { email: 'nobody-here@example.com' });
      const known = await other.submit(forgot, '/graduates/password/forgot', { email: 'G11@example.com' });
      expect(textOf(known)).to.equal(textOf(unknown));
      expect(known.status).to.equal(unknown.status);
      expect(textOf(known)).to.contain('再設定用のURL');
      expect((await postWithoutCsrf(other, forgot, '/graduates/password/forgot', { email })).status).to.equal(403);

      // An expired URL.
      const first = await server.smtp.waitFor(email, (m) => m.subject.includes('パスワードの再設定'));
      const { dataSource, entities } = server.services.database;
      await dataSource.getRepository(entities.OneTimeToken).update({ accountId: sub, purpose: 'reset_password' }, { expiresAt: new Date(Date.now() - 1000) });
      expect(textOf(await other.get(urlIn(first)))).to.contain('有効期限が切れています');
      // Another purpose's token opens nothing here.
      const foreign = await server.services.tokens.issue('reset_second_password', sub);
      expect(textOf(await other.get(`${server.url}/graduates/password/reset?token=${foreign}`))).to.contain('URLが正しくありません');

      await other.submit(forgot, '/graduates/password/forgot', { email });
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('パスワードの再設定'));
      expect(mail.text).to.contain('URL 期限 : 30 分');
      const reset = await other.get(urlIn(mail));
      expect(textOf(reset)).to.contain('パスワード').and.contain('第2パスワード').and.contain('確認');
      const NEW_PW = 'Saisettei9Pw';
      const NEW_2ND = 'Saisettei2nd';
      const good = { password: NEW_PW, password_confirm: NEW_PW, second_password: NEW_2ND, second_password_confirm: NEW_2ND };
      const cases: Array<[Record<string, string>, string]> = [
        [{ password_confirm: 'Saisettei9Px' }, '一致しません'],
        [{ password: 'weakpass', password_confirm: 'weakpass' }, '半角英大文字'],
        [{ second_password: NEW_PW, second_password_confirm: NEW_PW }, 'パスワードと第2パスワードは異なる'],
        [{ password: PASSWORD, password_confirm: PASSWORD }, '現在のものと異なる'],
        [{ second_password: SECOND, second_password_confirm: SECOND }, '最近使用したものと異なるもの'],
      ];
      const before = await accountOf(server, sub);
      for (const [change, message] of cases) {
        const refused = await other.submit(reset, '/graduates/password/reset', { ...good, ...change });
        expect(refused.url, JSON.stringify(change)).to.equal(`${server.url}/graduates/password/reset`);
        expect(textOf(refused), JSON.stringify(change)).to.contain(message);
      }
      expect((await postWithoutCsrf(other, reset, '/graduates/password/reset', good)).status).to.equal(403);
      const unchanged = await accountOf(server, sub);
      expect([unchanged.passwordHash, unchanged.secondPasswordHash]).to.deep.equal([before.passwordHash, before.secondPasswordHash]);

      const done = await other.submit(reset, '/graduates/password/reset', good);
      expect(textOf(done)).to.contain('パスワードおよび第2パスワードが設定されました');
      expect(textOf(await other.get(linkByText(done, 'OK'), RP.redirectUri))).to.contain('卒業生ログイン');
      // Used up.
      expect(textOf(await other.submit(reset, '/graduates/password/reset', good))).to.contain('既に使用されています');
      await server.smtp.waitFor(email, (m) => m.subject.includes('パスワード再設定のお知らせ'));
      // The existing browser's session ended: the account menu asks for a login again.
      const menu = await existing.get(`${server.url}/account?login_type=graduate`);
      expect(textOf(menu)).to.contain('卒業生ログイン');
      expect(await rpLogin(server, email, PASSWORD, SECOND)).to.deep.equal({ refused: true });
      expect((await rpLogin(server, email, NEW_PW, NEW_2ND)).sub).to.equal(sub);
      expect((await server.services.audit.list(sub)).map((e) => e.event)).to.include.members(['password.reset_requested', 'password.reset']);
    });

    it('G11 also serves an account still on its initial password: afterwards it is no longer initial', async () => {
      const email = 'g11-initial@example.com';
      await approvedGraduate(server, email);
      const browser = newBrowser();
      const forgot = await browser.get(`${server.url}/graduates/password/forgot`);
      await browser.submit(forgot, '/graduates/password/forgot', { email });
      const reset = await browser.get(urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('パスワードの再設定'))));
      const done = await browser.submit(reset, '/graduates/password/reset', { password: 'Shokai9Reset', password_confirm: 'Shokai9Reset', second_password: 'Shokai2Reset', second_password_confirm: 'Shokai2Reset' });
      expect(textOf(done)).to.contain('パスワードおよび第2パスワードが設定されました');
      const result = await rpLogin(server, email, 'Shokai9Reset', 'Shokai2Reset');
      expect(result.userinfo).to.include({ user_type: 'graduate', email });
      expect((await accountOf(server, result.sub!)).passwordIsInitial).to.equal(false);
    });

    it('re-authentication: after an old sign-in a change first asks for the password (wrong one refused), then goes through; students use the university password', async () => {
      const email = 'reauth@example.com';
      const { browser, sub } = await signedInGraduate(server, email);
      await ageSignIn(server, sub, 20);
      const asked = await browser.get(`${server.url}/account/password`);
      expect(asked.url).to.equal(`${server.url}/account/confirm?return=%2Faccount%2Fpassword`);
      expect(textOf(asked)).to.contain('パスワードの再確認');
      const wrong = await browser.submit(asked, '/account/confirm', { password: 'Wrong9Password' });
      expect(textOf(wrong)).to.contain('パスワードが正しくありません');
      // Nowhere but same-site account pages.
      const sneaky = await browser.submit(asked, '/account/confirm', { password: PASSWORD, return: 'https://evil.example/account' });
      expect(sneaky.url).to.equal(`${server.url}/account`);
      const form = await browser.get(`${server.url}/account/password`);
      expect(textOf(form)).to.contain('現在のパスワード');
      const done = await browser.submit(form, '/account/password', { current: PASSWORD, password: 'Reauth9Done', password_confirm: 'Reauth9Done' });
      expect(textOf(done)).to.contain('パスワードが変更されました');
      expect((await server.services.audit.list(sub)).map((e) => e.event)).to.include.members(['account.reauthentication_failed', 'account.reauthenticated']);

      // A student: the university password, asked of the directory; then S5 with the history rule.
      const student = server.students[1]!;
      const sBrowser = newBrowser();
      const { tokens } = await firstLogin(server, sBrowser, student, 'reauth-student@example.ac.jp');
      await ageSignIn(server, tokens.claims()!.sub, 20);
      const emailAsked = await sBrowser.get(`${server.url}/account/email`);
      expect(emailAsked.url).to.contain('/account/confirm?return=%2Faccount%2Femail');
      expect(textOf(await sBrowser.submit(emailAsked, '/account/confirm', { password: 'Not-the-univ1' }))).to.contain('パスワードが正しくありません');
      const back = await sBrowser.submit(emailAsked, '/account/confirm', { password: student.password });
      expect(back.url).to.equal(`${server.url}/account/email`);
      const s5 = await sBrowser.get(`${server.url}/account/second-password`);
      expect(textOf(s5)).to.contain('現在の第2パスワード').and.contain('新しい第2パスワード');
      const changed = await sBrowser.submit(s5, '/account/second-password', { current: NEW_SECOND_PASSWORD, second_password: 'Student2Next', second_password_confirm: 'Student2Next' });
      expect(textOf(changed)).to.contain('第2パスワードが変更されました');
      const reused = await sBrowser.submit(s5, '/account/second-password', { current: 'Student2Next', second_password: NEW_SECOND_PASSWORD, second_password_confirm: NEW_SECOND_PASSWORD });
      expect(textOf(reused)).to.contain('最近使用したものと異なるもの');
      await fullLogin(server, newBrowser(), student, 'Student2Next');
    });

    it('the history keeps only the last N per kind (passwordPolicy.historySize)', async () => {
      const { dataSource, entities } = server.services.database;
      const rows = dataSource.getRepository(entities.PasswordHistory);
      const { recordCredential, isReused } = await import('../../src/credentials/history.js');
      const accountId = '11111111-2222-4333-8444-555555555555';
      const hashes = [];
      for (let i = 0; i < 7; i += 1) hashes.push(await server.services.hasher.hash(`History${i}Pw`));
      for (const hash of hashes) await recordCredential(server.services, accountId, 'password', hash);
      expect(await rows.countBy({ accountId, kind: 'password' })).to.equal(5);
      expect(await isReused(server.services, accountId, 'password', 'History6Pw')).to.equal(true);
      expect(await isReused(server.services, accountId, 'password', 'History2Pw')).to.equal(true);
      expect(await isReused(server.services, accountId, 'password', 'History1Pw')).to.equal(false);
      expect(await isReused(server.services, accountId, 'second_password', 'History6Pw')).to.equal(false);
    });
  });
}

/** G11 in a real headless Chromium on a 375-px phone, by the visible labels, with screenshots. */
const browserDb = DATABASES[0];
(browserDb ? describe : describe.skip)(`G11 パスワードを忘れた場合 in Chromium on a phone (${browserDb?.name ?? 'no database'})`, function () {
  this.timeout(120_000);
  let server: TestServer;
  let chrome: Browser;
  before(async () => {
    chrome = await launchChromium();
    server = await startTestServer(browserDb!);
    await importPostalCodes(server.services.database, 'test/fixtures/postal-codes-sample.csv');
  });
  after(async () => {
    await chrome?.close();
    await server?.stop();
  });

  const shoot = (page: BrowserPage, name: string) => shootScreen(page, 'account/g11', `phone-${name}`);

  it('卒業生ログイン → パスワードを忘れた場合 → 送信 → mail → new values → 設定 → OK → login with them', async () => {
    const email = 'g11-phone@example.com';
    await signedInGraduate(server, email);
    const { context, page } = await openContext(chrome, PHONE);
    const attempt = await beginAuthorization(await relyingParty(server), { login_type: 'graduate' });
    await page.goto(attempt.url);
    await heading(page, '卒業生ログイン');
    await shoot(page, '01-graduate-login');
    await page.getByRole('link', { name: 'パスワードを忘れた場合', exact: true }).click();
    await heading(page, 'パスワード再設定');
    await page.getByLabel('メールアドレス', { exact: true }).fill(email);
    await shoot(page, '02-forgot-password');
    await page.getByRole('button', { name: '送信', exact: true }).click();
    await page.getByText('再設定用のURL', { exact: false }).waitFor();
    await shoot(page, '03-forgot-sent');

    const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('パスワードの再設定'));
    await page.goto(urlIn(mail));
    await heading(page, 'パスワード再設定');
    await page.locator('#password').fill('Phone9Reset');
    await page.locator('#password_confirm').fill('Phone9Reset');
    await page.locator('#second_password').fill('Phone9Reset');
    await page.locator('#second_password_confirm').fill('Phone9Reset');
    await page.getByRole('button', { name: '設定', exact: true }).click();
    await page.getByText('パスワードと第2パスワードは異なるものを設定してください。', { exact: true }).first().waitFor();
    await shoot(page, '04-reset-rule-error');
    await page.locator('#password').fill('Phone9Reset');
    await page.locator('#password_confirm').fill('Phone9Reset');
    await page.locator('#second_password').fill('Phone2Second');
    await page.locator('#second_password_confirm').fill('Phone2Second');
    await page.getByRole('button', { name: '設定', exact: true }).click();
    await page.getByText('パスワードおよび第2パスワードが設定されました', { exact: true }).waitFor();
    await shoot(page, '05-reset-done');

    await page.getByRole('link', { name: 'OK', exact: true }).click();
    await heading(page, '卒業生ログイン');
    await page.getByLabel('メールアドレス', { exact: true }).fill(email);
    await page.getByLabel('パスワード', { exact: true }).fill('Phone9Reset');
    await page.getByLabel('第2パスワード', { exact: true }).fill('Phone2Second');
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(RP.redirectUri));
    const tokens = await exchangeCode(attempt, page.url());
    const userinfo = await oidc.fetchUserInfo(attempt.client, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).to.include({ user_type: 'graduate', email });
    await context.close();
  });
});
