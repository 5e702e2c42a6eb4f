import argon2 from 'argon2';
import { expect } from 'chai';
import { jwtVerify, createRemoteJWKSet } from 'jose';
import { newBrowser, oidc, DATABASES, startTestServer, RP, type TestServer, relyingParty, exchangeCode, beginAuthorization } from '../support/harness.js';
import { linkByText, textOf } from '../support/browser.js';
import { confirmEmailLink } from '../support/email-links.js';
import { urlIn } from '../support/smtp.js';
import { firstLogin, fullLogin, NEW_SECOND_PASSWORD, openLogin, submitLogin } from '../support/flows.js';

for (const db of DATABASES) {
  describe(`current-student journey over HTTP (${db.name})`, function () {
    let server: TestServer;
    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    it('S1 → S2 → S3: first login, email registration, second password, login; claims checked one by one', async () => {
      const student = server.students[0]!;
      const browser = newBrowser();
      const first = await firstLogin(server, browser, student, 'taro@example.ac.jp');
      const firstClaims = first.tokens.claims()!;
      expect(firstClaims.acr).to.equal('urn:cert-idp:acr:two-passwords');
      expect(firstClaims.amr).to.deep.equal(['pwd']);

      // S3 in a new browser: all three values.
      const { tokens, attempt } = await fullLogin(server, newBrowser(), student);
      const claims = tokens.claims()!;
      expect(claims.iss).to.equal(server.url);
      expect(claims.aud).to.equal('test-rp');
      expect(claims.sub).to.equal(firstClaims.sub);
      expect(claims.sub).to.match(/^[0-9a-f-]{36}$/);
      expect(claims.sub).to.not.equal(student.userId);
      expect(claims.amr).to.deep.equal(['pwd']);

      // The ID token is signed RS256 with a key from the JWKS.
      const jwks = createRemoteJWKSet(new URL(`${server.url}/jwks`));
      const verified = await jwtVerify(tokens.id_token!, jwks, { issuer: server.url, audience: 'test-rp' });
      expect(verified.protectedHeader.alg).to.equal('RS256');

      const userinfo = await oidc.fetchUserInfo(attempt.client, tokens.access_token, claims.sub);
      expect(userinfo.sub).to.equal(claims.sub);
      expect(userinfo.email).to.equal('taro@example.ac.jp');
      expect(userinfo.email_verified).to.equal(true);
      expect(userinfo.name).to.equal('試験 1郎');
      expect(userinfo.family_name).to.equal('試験');
      expect(userinfo.given_name).to.equal('1郎');
      expect(userinfo['family_name#ja-Kana-JP']).to.equal('シケン');
      expect(userinfo['given_name#ja-Kana-JP']).to.equal('1ロウ');
      expect(userinfo['family_name#ja-Latn-JP']).to.equal('SHIKEN');
      expect(userinfo['given_name#ja-Latn-JP']).to.equal('Taro1');
      expect(userinfo.user_type).to.equal('student');
      expect(userinfo.enrollments).to.deep.equal([{
        student_number: student.studentNumber, university: 'サンプル大学', faculty: '文学部', department: '日本文学科', status: 'enrolled', graduated_on: null,
      }]);
    });

    it('a second-password hash made by node-argon2 with other parameters verifies, and the next successful login stores it with the configured ones', async () => {
      const student = server.students[10]!;
      await firstLogin(server, newBrowser(), student, 'rehash@example.ac.jp');
      const accounts = server.services.database.dataSource.getRepository(server.services.database.entities.Account);
      const older = await argon2.hash(NEW_SECOND_PASSWORD, { type: argon2.argon2id, memoryCost: 19456, timeCost: 3, parallelism: 1 });
      await accounts.update({ directoryId: student.userId }, { secondPasswordHash: older });
      const browser = newBrowser();
      const { page } = await openLogin(server, browser);
      expect(textOf(await submitLogin(browser, page, student, 'Wrong2ndPw9'))).to.contain('正しくありません');
      expect((await accounts.findOneByOrFail({ directoryId: student.userId })).secondPasswordHash).to.equal(older);
      await fullLogin(server, newBrowser(), student);
      const stored = (await accounts.findOneByOrFail({ directoryId: student.userId })).secondPasswordHash!;
      expect(stored).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await server.services.hasher.verify(stored, NEW_SECOND_PASSWORD)).to.equal(true);
      await fullLogin(server, newBrowser(), student);
      expect((await accounts.findOneByOrFail({ directoryId: student.userId })).secondPasswordHash).to.equal(stored);
    });

    it('a login that stops half-way resumes at the missing step next time, and no step can be skipped', async () => {
      const student = server.students[1]!;
      const browser = newBrowser();
      // Stop after the address mail was requested, without opening it.
      const { page } = await openLogin(server, browser);
      const emailPage = await submitLogin(browser, page, student);
      await browser.submit(emailPage, /\/email$/, { email: 'hanako@example.ac.jp', email_confirm: 'hanako@example.ac.jp' });
      const mail = await server.smtp.waitFor('hanako@example.ac.jp');

      // A new authorization in a new browser: the email step again (not skipped).
      const again = newBrowser();
      const { attempt, page: login2 } = await openLogin(server, again);
      const step = await submitLogin(again, login2, student);
      expect(textOf(step)).to.contain('メールアドレス設定');
      // Posting the next step's form to this interaction (with a valid CSRF token) does not skip the email step.
      const uid = step.url.match(/\/interaction\/([^/?]+)/)![1]!;
      const csrf = step.html.match(/name="_csrf" value="([^"]+)"/)![1]!;
      const forged = await again.follow(await again.request('POST', `${server.url}/interaction/${uid}/second-password`,
        new URLSearchParams({ _csrf: csrf, second_password: 'Abcdefg12', second_password_confirm: 'Abcdefg12' })), RP.redirectUri);
      expect(textOf(forged)).to.contain('メールアドレス設定');
      const account = await server.services.database.dataSource.getRepository(server.services.database.entities.Account).findOneByOrFail({ directoryId: student.userId });
      expect(account.secondPasswordHash).to.equal(null);
      expect(account.emailVerified).to.equal(false);

      // The mail of the stopped login still completes the address; the next login resumes at the second password.
      const done = await confirmEmailLink(browser, urlIn(mail));
      expect(textOf(done)).to.contain('メールアドレス設定完了');
      const resumed = await again.get(`${server.url}/interaction/${uid}`, RP.redirectUri);
      expect(textOf(resumed)).to.contain('第2パスワード設定');
      const set = await again.submit(resumed, /\/second-password$/, { second_password: 'Resume9Later', second_password_confirm: 'Resume9Later' });
      const callback = await again.get(linkByText(set, 'OK'), RP.redirectUri);
      expect((await exchangeCode(attempt, callback)).claims()!.acr).to.equal('urn:cert-idp:acr:two-passwords');
    });

    it('offline_access (prompt=consent) gives a refresh token; refresh, revocation and introspection work; introspection is for allowed clients only', async () => {
      const student = server.students[2]!;
      await firstLogin(server, newBrowser(), student, 'jiro@example.ac.jp');
      const { tokens, attempt } = await fullLogin(server, newBrowser(), student, NEW_SECOND_PASSWORD, { scope: 'openid offline_access email', prompt: 'consent' });
      expect(tokens.refresh_token, 'refresh token').to.be.a('string');
      const refreshed = await oidc.refreshTokenGrant(attempt.client, tokens.refresh_token!);
      expect(refreshed.access_token).to.be.a('string').and.not.equal(tokens.access_token);
      expect(refreshed.claims()!.sub).to.equal(tokens.claims()!.sub);

      const resourceServer = await relyingParty(server, 'resource-server');
      const active = await oidc.tokenIntrospection(resourceServer, refreshed.access_token);
      expect(active.active).to.equal(true);
      expect(active.sub).to.equal(tokens.claims()!.sub);
      // The relying party itself may not introspect.
      let refused = false;
      try {
        const own = await oidc.tokenIntrospection(attempt.client, refreshed.access_token);
        refused = own.active === false;
      } catch {
        refused = true;
      }
      expect(refused, 'introspection by a client without may_introspect').to.equal(true);

      await oidc.tokenRevocation(attempt.client, refreshed.refresh_token ?? tokens.refresh_token!);
      let refreshFailed = false;
      try {
        await oidc.refreshTokenGrant(attempt.client, refreshed.refresh_token ?? tokens.refresh_token!);
      } catch {
        refreshFailed = true;
      }
      expect(refreshFailed, 'refresh with a revoked token').to.equal(true);
      await oidc.tokenRevocation(attempt.client, refreshed.access_token);
      expect((await oidc.tokenIntrospection(resourceServer, refreshed.access_token)).active).to.equal(false);
    });

    it('client_secret_post and a public client with PKCE both complete the code flow', async () => {
      const student = server.students[3]!;
      await firstLogin(server, newBrowser(), student, 'saburo@example.ac.jp');
      for (const [clientId, method] of [['test-rp-post', 'post'], ['public-app', 'none']] as const) {
        const browser = newBrowser();
        const attempt = await beginAuthorization(await relyingParty(server, clientId, method));
        const page = await browser.get(attempt.url, RP.redirectUri);
        const callback = await submitLogin(browser, page, student, NEW_SECOND_PASSWORD);
        const tokens = await exchangeCode(attempt, callback);
        expect(tokens.claims()!.aud).to.equal(clientId);
      }
      // A public client without PKCE is refused.
      const publicClient = await relyingParty(server, 'public-app', 'none');
      const noPkce = oidc.buildAuthorizationUrl(publicClient, { redirect_uri: RP.redirectUri, scope: 'openid', state: 'x' });
      const answer = await newBrowser().request('GET', noPkce.toString());
      expect(answer.location ?? '').to.contain('error=invalid_request');
    });

    it('an existing session signs in without the form; prompt=login and max_age force the login again', async () => {
      const student = server.students[4]!;
      const browser = newBrowser();
      await firstLogin(server, browser, student, 'shiro@example.ac.jp');
      const silent = await openLogin(server, browser);
      expect(silent.page.location ?? '').to.satisfy((l: string) => l.startsWith(RP.redirectUri));
      await exchangeCode(silent.attempt, silent.page);
      for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Array<Record<string, string>>) {
        const forced = await openLogin(server, browser, extra);
        expect(forced.page.location, JSON.stringify(extra)).to.equal(undefined);
        expect(textOf(forced.page)).to.contain('在学生ログイン');
        const callback = await submitLogin(browser, forced.page, student, NEW_SECOND_PASSWORD);
        await exchangeCode(forced.attempt, callback);
      }
      // prompt=none with a session answers silently; without one it answers login_required.
      const none = await openLogin(server, newBrowser(), { prompt: 'none' });
      expect(none.page.location ?? '').to.contain('error=login_required');
    });

    it('ui_locales=en shows the English screens; the language switch changes it', async () => {
      const browser = newBrowser();
      const { page } = await openLogin(server, browser, { ui_locales: 'en' });
      expect(textOf(page)).to.contain('Student Login').and.contain('User ID').and.contain('Second password');
      const japanese = await browser.get(linkByText(page, '日本語'));
      expect(textOf(japanese)).to.contain('在学生ログイン');
      const bad = await newBrowser().request('GET', (await beginAuthorization(await relyingParty(server), { login_type: 'alien' })).url);
      expect(bad.location ?? '').to.contain('error=invalid_request');
    });

    it('a client that is not first-party asks for consent; denying returns access_denied', async () => {
      const student = server.students[5]!;
      const browser = newBrowser();
      await firstLogin(server, browser, student, 'goro@example.ac.jp');
      const thirdParty = await relyingParty(server, 'third-party');
      const attempt = await beginAuthorization(thirdParty);
      const consent = await browser.get(attempt.url, RP.redirectUri);
      expect(textOf(consent)).to.contain('Third Party App').and.contain('メールアドレス');
      const denied = await browser.submit(consent, /\/consent$/, { decision: 'deny' }, RP.redirectUri);
      expect(denied.location ?? '').to.contain('error=access_denied');
      const attempt2 = await beginAuthorization(thirdParty);
      const consent2 = await browser.get(attempt2.url, RP.redirectUri);
      const allowed = await browser.submit(consent2, /\/consent$/, { decision: 'allow' }, RP.redirectUri);
      expect((await exchangeCode(attempt2, allowed)).claims()!.aud).to.equal('third-party');
    });

    it('S4 change email: mail to the new address, notice to the old one; claims follow', async () => {
      const student = server.students[6]!;
      const browser = newBrowser();
      await firstLogin(server, browser, student, 'old@example.ac.jp');
      const menu = await browser.get(`${server.url}/account`);
      expect(textOf(menu)).to.contain('メールアドレス変更').and.contain('第2パスワード変更').and.contain('マニュアル');
      expect(linkByText(menu, 'マニュアル')).to.equal(server.config.manualUrl.student);
      const form = await browser.get(linkByText(menu, 'メールアドレス変更'));
      const mismatch = await browser.submit(form, '/account/email', { email: 'new@example.ac.jp', email_confirm: 'other@example.ac.jp' });
      expect(textOf(mismatch)).to.contain('一致しません');
      expect(mismatch.html).to.contain('value="new@example.ac.jp"');
      const sent = await browser.submit(form, '/account/email', { email: 'new@example.ac.jp', email_confirm: 'new@example.ac.jp' });
      expect(textOf(sent)).to.contain('確認メールを送信しました');
      const mail = await server.smtp.waitFor('new@example.ac.jp', (m) => m.subject.includes('メールアドレスの変更'));
      expect(mail.text).to.contain('URL 期限 : 30 分').and.contain('送信専用');
      expect(urlIn(mail).startsWith(`${server.url}/account/email/confirm?token=`)).to.equal(true);
      // Opened on another device, without a session.
      const done = await confirmEmailLink(newBrowser(), urlIn(mail));
      expect(textOf(done)).to.contain('メールアドレスを変更しました');
      const notice = await server.smtp.waitFor('old@example.ac.jp', (m) => m.subject.includes('メールアドレス変更のお知らせ'));
      expect(notice.text).to.not.contain('new@example.ac.jp');
      const { tokens, attempt } = await fullLogin(server, newBrowser(), student);
      const userinfo = await oidc.fetchUserInfo(attempt.client, tokens.access_token, tokens.claims()!.sub);
      expect(userinfo.email).to.equal('new@example.ac.jp');
      const audit = (await server.services.audit.list(tokens.claims()!.sub)).map((e) => e.event);
      expect(audit).to.include.members(['email.change_requested', 'email.changed']);
    });

    it('S5 change second password: wrong current refused, rules enforced, the new one works, the old one no longer does, a mail tells the user', async () => {
      const student = server.students[7]!;
      const browser = newBrowser();
      await firstLogin(server, browser, student, 'change2@example.ac.jp');
      const form = await browser.get(`${server.url}/account/second-password`);
      expect(textOf(form)).to.contain('現在の第2パスワード').and.contain('新しい第2パスワード');
      const wrong = await browser.submit(form, '/account/second-password', { current: 'Wrong1234x', second_password: 'Brand9NewPw', second_password_confirm: 'Brand9NewPw' });
      expect(textOf(wrong)).to.contain('現在の第2パスワードが正しくありません');
      const same = await browser.submit(form, '/account/second-password', { current: NEW_SECOND_PASSWORD, second_password: NEW_SECOND_PASSWORD, second_password_confirm: NEW_SECOND_PASSWORD });
      expect(textOf(same)).to.contain('現在のものと異なる');
      const weak = await browser.submit(form, '/account/second-password', { current: NEW_SECOND_PASSWORD, second_password: 'short1A', second_password_confirm: 'short1A' });
      expect(textOf(weak)).to.contain('8文字以上');
      const done = await browser.submit(form, '/account/second-password', { current: NEW_SECOND_PASSWORD, second_password: 'Brand9NewPw', second_password_confirm: 'Brand9NewPw' });
      expect(textOf(done)).to.contain('第2パスワードが変更されました');
      await server.smtp.waitFor('change2@example.ac.jp', (m) => m.subject.includes('第2パスワード変更のお知らせ'));
      await fullLogin(server, newBrowser(), student, 'Brand9NewPw');
      const oldBrowser = newBrowser();
      const { page } = await openLogin(server, oldBrowser);
      const old = await submitLogin(oldBrowser, page, student, NEW_SECOND_PASSWORD);
      expect(textOf(old)).to.contain('ユーザID、パスワードまたは第2パスワードが正しくありません。');
    });

    it('S6 forgotten second password: mail → new second password → login; the sessions of the account end', async () => {
      const student = server.students[8]!;
      const browser = newBrowser();
      const before = await firstLogin(server, browser, student, 'forgot@example.ac.jp');
      const sub = before.tokens.claims()!.sub;
      await oidc.fetchUserInfo(before.attempt.client, before.tokens.access_token, sub);
      const { page } = await openLogin(server, newBrowser());
      const other = newBrowser();
      const { page: login } = await openLogin(server, other);
      const forgot = await other.get(linkByText(login, '第2パスワードを忘れた場合'));
      expect(textOf(forgot)).to.contain('第2パスワード再設定');
      const answer = await other.submit(forgot, '/students/second-password/forgot', { email: 'FORGOT@example.ac.jp' });
      expect(textOf(answer)).to.contain('再設定用のURL');
      const mail = await server.smtp.waitFor('forgot@example.ac.jp', (m) => m.subject.includes('第2パスワードの再設定'));
      const reset = await other.get(urlIn(mail));
      // The reset screen has its 注意事項 box, as the change screen does.
      expect(textOf(reset)).to.contain('注意事項').and.contain('「変更」ボタンを押すと、第2パスワードが再設定されます。');
      const mismatch = await other.submit(reset, '/students/second-password/reset', { second_password: 'Reset2Second', second_password_confirm: 'Reset2Secondx' });
      expect(textOf(mismatch)).to.contain('一致しません');
      const done = await other.submit(reset, '/students/second-password/reset', { second_password: 'Reset2Second', second_password_confirm: 'Reset2Second' });
      expect(textOf(done)).to.contain('第2パスワードが変更されました');
      const back = await other.get(linkByText(done, 'OK'), RP.redirectUri);
      expect(textOf(back)).to.contain('在学生ログイン');
      // The first browser's session ended: the account menu asks for a login again.
      const menu = await browser.get(`${server.url}/account`);
      expect(textOf(menu)).to.contain('在学生の方').and.contain('卒業生の方');
      expect(textOf(await browser.get(`${server.url}/account?login_type=student`))).to.contain('在学生ログイン');
      // …and so did what the relying party holds: the access token issued before the reset is refused.
      let refused = false;
      await oidc.fetchUserInfo(before.attempt.client, before.tokens.access_token, sub).catch(() => { refused = true; });
      expect(refused, 'userinfo with a token issued before the reset').to.equal(true);
      await fullLogin(server, newBrowser(), student, 'Reset2Second');
      void page;
    });

    it('logout from the account menu (RP-initiated, product pages) ends the session', async () => {
      const student = server.students[9]!;
      const browser = newBrowser();
      const { tokens, attempt } = await firstLogin(server, browser, student, 'logout@example.ac.jp');
      const menu = await browser.get(`${server.url}/account`);
      const confirm = await browser.get(linkByText(menu, 'ログアウト'));
      expect(textOf(confirm)).to.contain('ログアウトしますか');
      const form = confirm.html.match(/<form[^>]*id="op.logoutForm"[^>]*action="([^"]+)"/);
      expect(form, 'provider logout form').to.not.equal(null);
      const xsrf = confirm.html.match(/name="xsrf" value="([^"]+)"/)![1]!;
      const done = await browser.follow(await browser.request('POST', new URL(form![1]!, server.url).toString(), new URLSearchParams({ xsrf, logout: 'yes' })));
      expect(textOf(done)).to.contain('ログアウトしました');
      // The provider's end_session.success event records the logout beside the answer, not before it.
      const events = async () => (await server.services.audit.list(tokens.claims()!.sub)).map((e) => e.event);
      for (let waited = 0; waited < 5000 && !(await events()).includes('logout'); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await events()).to.include('logout');
      const again = await openLogin(server, browser);
      expect(textOf(again.page)).to.contain('在学生ログイン');
      // RP-initiated logout from the client with id_token_hint goes back to its post_logout_redirect_uri.
      const b2 = newBrowser();
      const second = await fullLogin(server, b2, student);
      const endUrl = oidc.buildEndSessionUrl(attempt.client, { id_token_hint: second.tokens.id_token!, post_logout_redirect_uri: RP.postLogoutUri });
      const confirm2 = await b2.get(endUrl.toString());
      const xsrf2 = confirm2.html.match(/name="xsrf" value="([^"]+)"/)![1]!;
      const action2 = confirm2.html.match(/<form[^>]*action="([^"]+)"/)![1]!;
      const out = await b2.request('POST', new URL(action2, server.url).toString(), new URLSearchParams({ xsrf: xsrf2, logout: 'yes' }));
      expect(out.location ?? '').to.satisfy((l: string) => l.startsWith(RP.postLogoutUri));
      void tokens;
    });
  });
}
