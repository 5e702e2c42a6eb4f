import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { accountThrottleKey } from '../../src/credentials/throttle-keys.js';
import { createStaffUser } from '../../src/staff/members/service.js';
import { StaffStore } from '../../src/staff/staff-store.js';
import { expectAccessible } from '../support/axe.js';
import { findForm, textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { launchChromium, PHONE, shoot, VIEWPORTS } from '../support/chromium.js';
import { firstLogin, fullLogin, openLogin, submitLogin } from '../support/flows.js';
import { approvedGraduate } from '../support/graduates.js';
import { DATABASES, newBrowser, RP, startTestServer, type TestServer } from '../support/harness.js';
import { urlIn } from '../support/smtp.js';
import { enrolmentLinkOn, enrolThroughLink, nextCode, signIn, staffBrowser, type StaffCredentials } from '../support/staff.js';

// The account page of the staff console (sessions, login history, locks, reset mails) and the staff
// members' own passwords (パスワード変更; an administrator's reset of a member's password and TOTP),
// over real HTTP, the real database (both kinds) and the real SMTP listener; every action's audit
// entry is checked. The screens once in Chromium with axe-core (SQLite run only: the markup does not
// depend on the database).

/** The rows of the page's tables as text (the page around them also names events and actions). */
function tablesOf(page: Page): string {
  return [...page.html.matchAll(/<table[\s\S]*?<\/table>/g)].map((m) => textOf({ ...page, html: m[0] })).join(' | ');
}

async function userinfoStatus(server: TestServer, accessToken: string): Promise<number> {
  return (await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

for (const db of DATABASES) {
  describe(`staff console: accounts and staff passwords (${db.name})`, function () {
    this.timeout(90_000);
    let server: TestServer;
    const admin: StaffCredentials = { loginId: 'acc-admin', password: 'AccAdmin2026Pw' };
    const reviewer: StaffCredentials = { loginId: 'acc-reviewer', password: 'AccReview2026Pw' };
    let adminBrowser: HttpBrowser;
    let reviewerBrowser: HttpBrowser;
    let chromium: Browser | undefined;

    before(async () => {
      server = await startTestServer(db);
      for (const [creds, role, name] of [[admin, 'administrator', '管理 一子'], [reviewer, 'reviewer', '審査 二郎']] as const) {
        const created = await createStaffUser(server.services, { loginId: creds.loginId, displayName: name, role, password: creds.password });
        if (created.kind !== 'ok') throw new Error(created.kind);
        creds.enrolmentUrl = created.enrolment.url;
      }
      adminBrowser = await signIn(server, admin);
      reviewerBrowser = await signIn(server, reviewer);
    });
    after(async () => {
      await chromium?.close();
      await server?.stop();
    });

    const auditOf = async (event: string) => (await server.services.audit.list()).filter((e) => e.event === event);
    const accountIdOf = async (userId: string) => (await server.services.accounts.findStudentByDirectoryId(userId))!.id;

    it('lists an account\'s sessions and login history, and ends every session (tokens too), audited', async () => {
      const student = server.students[0]!;
      const email = `acc-s1.${Date.now()}@example.jp`;
      const first = await firstLogin(server, newBrowser(), student, email);
      const second = await fullLogin(server, newBrowser(), student);
      // A wrong second password: a failure in the account's history.
      const failing = newBrowser();
      const login = await openLogin(server, failing);
      await submitLogin(failing, login.page, student, 'Wrong2ndPw9');
      const accountId = await accountIdOf(student.userId);
      expect(await userinfoStatus(server, second.tokens.access_token)).to.equal(200);

      let account = await reviewerBrowser.get(`/admin/accounts/${accountId}`);
      expect(account.status).to.equal(200);
      const sessionsTable = account.html.match(/<div class="table-scroll" role="region" tabindex="0" aria-label="このアカウントのセッション">([\s\S]*?)<\/table>/)?.[1] ?? '';
      expect(sessionsTable.match(/<tr>/g)?.length, 'two sessions and the header').to.equal(3);
      expect(textOf({ ...account, html: sessionsTable })).to.contain('Test RP').and.to.contain('pwd');
      const history = tablesOf(account);
      expect(history).to.contain('ログイン成功').and.to.contain('ログイン失敗').and.to.contain('second_password');
      expect(textOf(account)).to.contain('ロックなし（ログイン失敗 1/5回）');

      account = await reviewerBrowser.submit(account, `/admin/accounts/${accountId}/sessions/end`, {});
      expect(textOf(account)).to.contain('すべてのセッションを終了しました（2件）。').and.to.contain('ログイン中のセッションはありません。');
      expect(await userinfoStatus(server, second.tokens.access_token)).to.equal(401);
      expect(await userinfoStatus(server, first.tokens.access_token)).to.equal(401);
      const ended = (await auditOf('account.sessions_ended')).at(-1)!;
      expect(ended).to.include({ accountId });
      expect(ended.detail).to.deep.include({ sessions: 2 });
      expect(ended.detail!.staffId).to.equal((await new StaffStore(server.services.database).findByLoginId(reviewer.loginId))!.id);
      // The history lists the staff action too.
      expect(tablesOf(await reviewerBrowser.get(`/admin/accounts/${accountId}`))).to.contain('アカウントの全セッション終了');
    });

    it('shows the failed-login lock; unlocking lifts it and the staff lock, and the student signs in again, audited', async () => {
      const student = server.students[1]!;
      const email = `acc-s2.${Date.now()}@example.jp`;
      await firstLogin(server, newBrowser(), student, email);
      const accountId = await accountIdOf(student.userId);
      for (let i = 0; i < server.config.throttle.perAccount.maxFailures; i += 1) {
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        await submitLogin(browser, page, student, 'Wrong2ndPw9');
      }
      const locked = newBrowser();
      const refused = await submitLogin(locked, (await openLogin(server, locked)).page, student, 'Second2ndPw');
      expect(refused.location ?? '').to.not.match(new RegExp(`^${RP.redirectUri}`));

      let account = await reviewerBrowser.get(`/admin/accounts/${accountId}`);
      expect(textOf(account)).to.match(/ログイン失敗によるロック ロック中（\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}まで）/);
      expect(tablesOf(account)).to.contain('ログイン拒否（ロック中）');
      // Locked by staff as well: one unlock lifts both.
      account = await reviewerBrowser.submit(account, `/admin/accounts/${accountId}/lock`, {});
      expect(textOf(account)).to.contain('アカウントをロックしました。');
      account = await reviewerBrowser.submit(account, `/admin/accounts/${accountId}/unlock`, {});
      expect(textOf(account)).to.contain('アカウントのロックとログイン失敗によるロックを解除しました。').and.to.contain('ロックなし（ログイン失敗 0/5回）');
      const unlocked = (await auditOf('account.unlocked')).at(-1)!;
      expect(unlocked).to.include({ accountId });
      expect(unlocked.detail).to.include({ by: 'staff', staffLock: true, loginLock: true });
      expect((await server.services.throttle.lockedKeys([accountThrottleKey(server.config, (await server.services.accounts.findById(accountId))!)]))).to.deep.equal([]);
      const again = await fullLogin(server, newBrowser(), student);
      expect(again.tokens.access_token).to.be.a('string');
      expect((await auditOf('account.locked')).at(-1)).to.include({ accountId });
    });

    it('sends the self-service reset mails from the account page (S6 for a student, G11 for a graduate), audited; refuses a locked account', async () => {
      const student = server.students[2]!;
      const email = `acc-s3.${Date.now()}@example.jp`;
      await firstLogin(server, newBrowser(), student, email);
      const accountId = await accountIdOf(student.userId);
      let account = await reviewerBrowser.get(`/admin/accounts/${accountId}`);
      expect(textOf(account)).to.contain('第2パスワード再設定メールを送信する');
      account = await reviewerBrowser.submit(account, `/admin/accounts/${accountId}/reset-mail`, {});
      expect(textOf(account)).to.contain(`再設定メールを ${email} へ送信しました。`);
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('第2パスワードの再設定'));
      const url = urlIn(mail);
      expect(url).to.match(new RegExp(`^${server.url}/students/second-password/reset\\?token=`));
      // The user's own flow finishes it.
      const browser = newBrowser();
      const reset = await browser.get(url);
      const done = await browser.submit(reset, '/students/second-password/reset', { second_password: 'Reset2ndPw7', second_password_confirm: 'Reset2ndPw7' });
      expect(textOf(done)).to.contain('第2パスワードが変更されました');
      const requested = (await auditOf('second_password.reset_requested')).at(-1)!;
      expect(requested).to.include({ accountId });
      expect(requested.detail).to.include({ matched: true, by: 'staff' });

      // A locked account gets no link (its reset would be refused).
      account = await reviewerBrowser.submit(account, `/admin/accounts/${accountId}/lock`, {});
      const refused = await reviewerBrowser.request('POST', `/admin/accounts/${accountId}/reset-mail`, { _csrf: findForm(account, `/admin/accounts/${accountId}/unlock`).hidden._csrf! });
      expect(refused.status).to.equal(422);
      expect(textOf(refused)).to.contain('ロック中のアカウントには再設定メールを送信できません。');

      const graduateEmail = `acc-g1.${Date.now()}@example.jp`;
      await approvedGraduate(server, graduateEmail);
      const graduate = (await server.services.accounts.findGraduateByEmail(graduateEmail))!;
      account = await reviewerBrowser.get(`/admin/accounts/${graduate.id}`);
      account = await reviewerBrowser.submit(account, `/admin/accounts/${graduate.id}/reset-mail`, {});
      expect(textOf(account)).to.contain(`再設定メールを ${graduateEmail} へ送信しました。`);
      const graduateMail = await server.smtp.waitFor(graduateEmail, (m) => m.subject.includes('パスワードの再設定'));
      expect(urlIn(graduateMail)).to.match(new RegExp(`^${server.url}/graduates/password/reset\\?token=`));
      expect((await auditOf('password.reset_requested')).at(-1)).to.include({ accountId: graduate.id });
    });

    it('lets a staff member change their own password: refusals on the same page, history, other sessions end', async () => {
      // Another session of the same member (as a second browser would hold it).
      const store = new StaffStore(server.services.database);
      const otherSession = await store.createSession((await store.findByLoginId(reviewer.loginId))!.id, true);
      let page = await reviewerBrowser.get('/admin/password');
      expect(textOf(page)).to.contain('パスワード変更').and.to.contain('8文字以上であること。');
      const wrong = await reviewerBrowser.submit(page, '/admin/password', { current_password: 'NotMine2026Pw', new_password: 'Fresh2026Pass', new_password_confirm: 'Fresh2026Pass' });
      expect(wrong.status).to.equal(400);
      expect(textOf(wrong)).to.contain('現在のパスワードが正しくありません。');
      expect((await auditOf('staff.password_change_failed')).at(-1)!.detail).to.include({ reason: 'password' });
      const weak = await reviewerBrowser.submit(wrong, '/admin/password', { current_password: reviewer.password, new_password: 'short', new_password_confirm: 'other' });
      expect(weak.status).to.equal(400);
      expect(textOf(weak)).to.contain('パスワードは8文字以上で入力してください。').and.to.contain('パスワードには半角英大文字(A-Z)を1文字以上含めてください。');
      expect(weak.html).to.contain('id="new_password_confirm-error"');
      // Malformed posts: a message on the page, or not found — never an error page.
      const csrf = findForm(weak, '/admin/password').hidden._csrf!;
      const missing = await reviewerBrowser.request('POST', '/admin/password', { _csrf: csrf, current_password: reviewer.password });
      expect(missing.status).to.equal(400);
      expect(textOf(missing)).to.contain('新しいパスワード');
      const extra = await reviewerBrowser.request('POST', '/admin/password', { _csrf: csrf, current_password: 'x', new_password: 'y', new_password_confirm: 'y', role: 'administrator' });
      expect(extra.status).to.equal(400);
      for (const target of ['/admin/accounts/not-an-id/sessions/end', '/admin/accounts/00000000-0000-4000-8000-000000000000/reset-mail', '/admin/accounts/00000000-0000-4000-8000-000000000000/unlock']) {
        expect((await reviewerBrowser.request('POST', target, { _csrf: csrf })).status, target).to.equal(404);
      }
      expect((await adminBrowser.request('POST', '/admin/staff/not-an-id/reset-password', { _csrf: findForm(await adminBrowser.get('/admin/staff'), '/admin/logout').hidden._csrf! })).status).to.equal(404);
      expect((await reviewerBrowser.request('POST', '/admin/staff/00000000-0000-4000-8000-000000000000/reset-password', { _csrf: csrf })).status, 'reviewers reset nobody').to.equal(403);
      const same = await reviewerBrowser.submit(weak, '/admin/password', { current_password: reviewer.password, new_password: reviewer.password, new_password_confirm: reviewer.password });
      expect(textOf(same)).to.contain('新しいパスワードは現在のものと異なるものにしてください。');

      page = await reviewerBrowser.submit(same, '/admin/password', { current_password: reviewer.password, new_password: 'Fresh2026Pass', new_password_confirm: 'Fresh2026Pass' });
      expect(page.status).to.equal(200);
      expect(textOf(page)).to.contain('パスワードを変更しました。');
      const previous = reviewer.password;
      reviewer.password = 'Fresh2026Pass';
      expect((await auditOf('staff.password_changed')).at(-1)!.detail).to.include({ loginId: reviewer.loginId });
      // This session goes on; the other one ended.
      expect((await reviewerBrowser.request('GET', '/admin/applications')).status).to.equal(200);
      expect(await store.findSession(otherSession)).to.equal(undefined);
      // History: the previous password cannot come back.
      const reused = await reviewerBrowser.submit(page, '/admin/password', { current_password: reviewer.password, new_password: previous, new_password_confirm: previous });
      expect(textOf(reused)).to.contain('パスワードには最近使用したものと異なるものを設定してください。');
      // The old password no longer signs in; the new one does.
      const outsider = staffBrowser(server);
      const old = await outsider.submit(await outsider.get('/admin/login'), '/admin/login', { login_id: reviewer.loginId, password: previous });
      expect(old.status).to.equal(401);
    });

    it('lets an administrator reset a member\'s password and TOTP: sessions end, the next sign-in re-enrols and sets a new password', async () => {
      const store = new StaffStore(server.services.database);
      const target = (await store.findByLoginId(reviewer.loginId))!;
      let staffPage = await adminBrowser.get('/admin/staff');
      staffPage = await adminBrowser.submit(staffPage, `/admin/staff/${target.id}/reset-password`, {});
      expect(textOf(staffPage)).to.contain(`スタッフ「${reviewer.loginId}」のパスワードと二要素認証をリセットしました。`);
      const temporary = staffPage.html.match(/id="initial-password">([^<]+)</)![1]!;
      const link = enrolmentLinkOn(staffPage);
      const reset = (await auditOf('staff.password_reset')).at(-1)!;
      expect(reset.detail).to.include({ targetStaffId: target.id, loginId: reviewer.loginId });
      expect((await adminBrowser.get('/admin/staff')).html, 'shown once').to.not.contain(temporary);
      // Their session ended; the old password and the old authenticator are worth nothing.
      expect((await reviewerBrowser.request('GET', '/admin/applications')).location).to.equal(`${server.url}/admin/login`);
      const outsider = staffBrowser(server);
      expect((await outsider.submit(await outsider.get('/admin/login'), '/admin/login', { login_id: reviewer.loginId, password: reviewer.password })).status).to.equal(401);
      // Own reset is refused here.
      const adminId = (await store.findByLoginId(admin.loginId))!.id;
      const own = await adminBrowser.request('POST', `/admin/staff/${adminId}/reset-password`, { _csrf: findForm(staffPage, '/admin/logout').hidden._csrf! });
      expect(own.status).to.equal(422);

      // The next sign-in: the link, the temporary password, a new authenticator, then パスワード変更 first.
      reviewer.password = temporary;
      reviewer.enrolmentUrl = link;
      const browser = staffBrowser(server);
      const enrolled = await enrolThroughLink(server, browser, reviewer);
      expect(enrolled.url).to.match(/\/admin\/password$/);
      expect(textOf(enrolled)).to.contain('管理者が設定したパスワード');
      for (const path of ['/admin/applications', '/admin/accounts']) {
        expect((await browser.request('GET', path)).location, path).to.equal(`${server.url}/admin/password`);
      }
      const changed = await browser.submit(enrolled, '/admin/password', { current_password: temporary, new_password: 'Chosen2026Pass', new_password_confirm: 'Chosen2026Pass' });
      expect(textOf(changed)).to.contain('パスワードを変更しました。').and.not.to.contain('管理者が設定したパスワード');
      reviewer.password = 'Chosen2026Pass';
      expect((await browser.request('GET', '/admin/applications')).status).to.equal(200);
      expect((await store.findByLoginId(reviewer.loginId))!.passwordChangeRequired).to.equal(false);
      // And a sign-in from scratch works with the new password and the new authenticator.
      const fresh = staffBrowser(server);
      let page = await fresh.submit(await fresh.get('/admin/login'), '/admin/login', { login_id: reviewer.loginId, password: reviewer.password });
      page = await fresh.submit(page, '/admin/totp', { code: await nextCode(reviewer) });
      expect(page.url).to.match(/\/admin\/applications$/);
      reviewerBrowser = fresh;
    });

    it('a member an administrator adds replaces the generated password at the first sign-in', async () => {
      const created = await adminBrowser.submit(await adminBrowser.get('/admin/staff'), '/admin/staff', { login_id: 'acc-newcomer', display_name: '新人 三郎', role: 'reviewer' });
      expect(textOf(created)).to.contain('最初のログインで初期パスワードを自分のパスワードに変更します。');
      const creds: StaffCredentials = { loginId: 'acc-newcomer', password: created.html.match(/id="initial-password">([^<]+)</)![1]!, enrolmentUrl: enrolmentLinkOn(created) };
      const generated = creds.password;
      const browser = staffBrowser(server);
      const enrolled = await enrolThroughLink(server, browser, creds);
      expect(enrolled.url).to.match(/\/admin\/password$/);
      expect((await browser.request('GET', '/admin/accounts')).location).to.equal(`${server.url}/admin/password`);
      const changed = await browser.submit(enrolled, '/admin/password', { current_password: generated, new_password: 'Newcomer2026Pw', new_password_confirm: 'Newcomer2026Pw' });
      expect(textOf(changed)).to.contain('パスワードを変更しました。');
      expect((await browser.request('GET', '/admin/accounts')).status).to.equal(200);
    });

    if (db.name === 'sqlite') {
      it('passes axe on the account, staff, password and audit screens at 1280 and 375 px', async function () {
        this.timeout(120_000);
        const student = server.students[0]!;
        const accountId = await accountIdOf(student.userId);
        await fullLogin(server, newBrowser(), student);
        const adminStaff = (await new StaffStore(server.services.database).findByLoginId(admin.loginId))!;
        // The administrator's console session, handed to Chromium (cookie and signature, path /admin).
        const cookies = ['cert_idp.staff', 'cert_idp.staff.sig'].map((name) => {
          const header = [...adminBrowser.setCookies].reverse().find((c) => c.startsWith(`${name}=`))!;
          return { name, value: header.split(';')[0]!.slice(name.length + 1), url: `${server.url}/admin/` };
        });
        chromium = await launchChromium();
        for (const viewport of VIEWPORTS) {
          const context = await chromium.newContext({ ...viewport.options, locale: 'ja-JP' });
          await context.addCookies(cookies);
          const tab = await context.newPage();
          const screens: Array<[string, string, () => Promise<void>]> = [
            ['account', `/admin/accounts/${accountId}`, async () => {
              // The tables scroll by keyboard: each is a focusable region named after it.
              await tab.getByRole('region', { name: 'このアカウントのセッション' }).focus();
            }],
            ['accounts', `/admin/accounts?q=${student.studentNumber}`, async () => undefined],
            ['audit', `/admin/audit?subject=${accountId}`, async () => undefined],
            ['audit-error', '/admin/audit?from=2026-02-30&to=2026-01-01', async () => {
              await tab.locator('#from-error').getByText('期間（開始日）の入力内容が正しくありません。').waitFor();
            }],
            ['staff', '/admin/staff', async () => undefined],
            ['password-error', '/admin/password', async () => {
              await tab.fill('#current_password', 'wrong-one');
              await tab.fill('#new_password', 'short');
              await tab.fill('#new_password_confirm', 'short');
              await tab.getByRole('button', { name: '変更', exact: true }).click();
              await tab.locator('#current_password-error').getByText('現在のパスワードが正しくありません。').waitFor();
            }],
          ];
          for (const [name, path, act] of screens) {
            await tab.goto(`${server.url}${path}`);
            await act();
            await shoot(tab, 'staff-accounts', `${name}-${viewport.name}`);
            await expectAccessible(tab, `${name} ${viewport.name}`);
          }
          if (viewport === PHONE) {
            // At 375 px the audit table scrolls sideways inside its region, not the page.
            await tab.goto(`${server.url}/admin/audit`);
            const region = tab.getByRole('region', { name: '監査ログ' });
            const widths = await region.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
            expect(widths.scroll).to.be.greaterThan(widths.client);
            await region.focus();
            await tab.keyboard.press('ArrowRight');
            // The keyboard scroll may be animated: wait for it to move rather than read it at once.
            await tab.waitForFunction((el) => el.scrollLeft > 0, await region.elementHandle(), { timeout: 5000 });
          }
          await context.close();
        }
        expect(adminStaff.role).to.equal('administrator');
      });
    }
  });
}
