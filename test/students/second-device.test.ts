import { expect } from 'chai';
import { findForm, linkByText, textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { firstLogin, NEW_SECOND_PASSWORD, openLogin, submitLogin } from '../support/flows.js';
import {
  beginAuthorization, DATABASES, exchangeCode, newBrowser, relyingParty, RP, startTestServer, type TestServer,
} from '../support/harness.js';
import { expectLoginStart, resetLinkPastAScanner, RP_LOGIN, withLoginStart } from '../support/second-device.js';
import { urlIn } from '../support/smtp.js';
import { emailOf, sha256Hex, tokenOf } from '../support/students.js';

// Issue 10, a second device: /interaction/<uid> — where S1's ログインページへ移動 and the OK after an S6
// reset lead — opened in a browser that did not start that login leads to a fresh login of the
// service the user came from (the client's initiate_login_uri, else a page saying to go back to it;
// the account menu's login when the interaction is gone), while the first browser's login goes on.
// And S6's mailed link: a cookie-less scanner's HEAD, GET, GET change nothing; the reset is finished
// in a second browser.

const FORGOT = '/students/second-password/forgot';
const RESET = '/students/second-password/reset';
const RESET_SECOND = 'Device2Second';

const uidOf = (page: Page) => {
  const match = new URL(page.url).pathname.match(/^\/interaction\/([^/]+)$/);
  if (!match) throw new Error(`not an interaction page: ${page.status} ${page.url}`);
  return match[1]!;
};

for (const db of DATABASES) {
  describe(`second device: /interaction/<uid> elsewhere, S6 reset link (${db.name})`, function () {
    let server: TestServer;
    before(async () => { server = await startTestServer(db, withLoginStart); });
    after(async () => { await server?.stop(); });

    const at = (path: string) => `${server.url}${path}`;

    it('another browser is sent to the client\'s login start (login_type kept, iss named); the first browser\'s login goes on', async () => {
      const first = newBrowser();
      const { page } = await openLogin(server, first);
      expect(textOf(page)).to.contain('在学生ログイン');
      const uid = uidOf(page);

      for (const method of ['HEAD', 'GET', 'GET']) {
        const elsewhere = await newBrowser().request(method, at(`/interaction/${uid}`));
        expect(elsewhere.status, method).to.equal(302);
        const location = new URL(elsewhere.location!);
        expect(`${location.origin}${location.pathname}`).to.equal(RP_LOGIN);
        expect(location.searchParams.get('login_type')).to.equal('student');
        expect(location.searchParams.get('iss')).to.equal(server.url);
      }
      // Without login_type in the request, none is added.
      const plain = await openLogin(server, newBrowser(), { login_type: '' });
      const noType = await newBrowser().request('GET', plain.page.url);
      expect(new URL(noType.location!).searchParams.has('login_type')).to.equal(false);

      // The first browser's login goes on: its page again, then the first-login step after the login.
      const again = await first.get(at(`/interaction/${uid}`), RP.redirectUri);
      expect(again.status).to.equal(200);
      expect(textOf(again)).to.contain('在学生ログイン');
      const next = await submitLogin(first, again, server.students[0]!);
      expect(textOf(next)).to.contain('メールアドレス設定');
    });

    it('a client without a login start: a page (200) saying to go back to the service and log in, not an error', async () => {
      const attempt = await beginAuthorization(await relyingParty(server, 'test-rp-post', 'post'));
      const page = await newBrowser().get(attempt.url, RP.redirectUri);
      const elsewhere = await newBrowser().get(page.url);
      expect(elsewhere.status).to.equal(200);
      expect(textOf(elsewhere)).to.contain('ログインのご案内').and.contain('test-rp-post に戻り、もう一度ログインしてください。');
      expect(textOf(elsewhere)).to.not.contain('有効期限切れ');
      const english = await newBrowser().get(`${page.url}?lang=en`);
      expect(textOf(english)).to.contain('Please go back to test-rp-post and log in again.');
    });

    it('an unknown or finished interaction leads to the account menu\'s login; one of the menu\'s own logins keeps its login_type', async () => {
      for (const uid of ['doesnotexist', 'AAAAAAAAAAAAAAAAAAAAA', '..%2F..%2Fadmin']) {
        const answer = await newBrowser().request('GET', at(`/interaction/${uid}`));
        expect(answer.status, uid).to.equal(302);
        expect(answer.location, uid).to.equal(at('/account'));
      }
      // It is a working login page.
      const login = await newBrowser().get(at('/interaction/doesnotexist'), RP.redirectUri);
      expect(login.status).to.equal(200);
      expect(uidOf(login)).to.be.a('string');
      expect(textOf(login)).to.contain('ログイン');

      // A finished login: its address now leads to the menu's login, in the first browser too.
      const student = server.students[1]!;
      await firstLogin(server, newBrowser(), student, emailOf(student));
      const first = newBrowser();
      const { page } = await openLogin(server, first);
      const finishedUid = uidOf(page);
      const code = await submitLogin(first, page, student, NEW_SECOND_PASSWORD);
      expect(code.location ?? '').to.match(new RegExp(`^${RP.redirectUri}\\?code=`));
      for (const browser of [first, newBrowser()]) {
        const stale = await browser.request('GET', at(`/interaction/${finishedUid}`));
        expect(stale.status).to.equal(302);
        expect(stale.location).to.equal(at('/account'));
      }

      // The account menu's own login (graduate pre-selected) opened elsewhere: the menu's login, same type.
      const menuLogin = await newBrowser().get(at('/account?login_type=graduate'));
      const elsewhere = await newBrowser().request('GET', at(`/interaction/${uidOf(menuLogin)}`));
      expect(elsewhere.location).to.equal(at('/account?login_type=graduate'));
    });

    it('S6: a scanner\'s HEAD, GET, GET change nothing; the reset is finished in a second browser, whose OK leads to the client\'s login; both browsers then sign in', async () => {
      const student = server.students[2]!;
      const email = emailOf(student);
      await firstLogin(server, newBrowser(), student, email);
      // Browser A: the login page → 第2パスワードを忘れた場合 → the address; then the mail gateway.
      const first = newBrowser();
      const { attempt, page } = await openLogin(server, first);
      const uid = uidOf(page);
      const { url, tokenRow } = await resetLinkPastAScanner(server, {
        browser: first, loginPage: page, link: '第2パスワードを忘れた場合', forgotPath: FORGOT, resetPath: RESET, email, subject: '第2パスワードの再設定', landingText: '第2パスワード',
      });

      // Browser B (the phone): the link, the form, the new second password.
      const second = newBrowser();
      const form = await second.get(url);
      const done = await second.submit(form, RESET, { second_password: RESET_SECOND, second_password_confirm: RESET_SECOND });
      expect(textOf(done)).to.contain('第2パスワードが変更されました');
      expect((await tokenRow()).usedAt).to.not.equal(null);
      const ok = linkByText(done, 'OK');
      expect(new URL(ok).pathname).to.equal(`/interaction/${uid}`);
      expectLoginStart((await second.get(ok, RP_LOGIN)).location, 'student', server.url);
      // The relying party's login start sends B to a fresh authorization: B signs in with the new value.
      await signIn(second, student, RESET_SECOND);

      // Browser A: the login it started goes on, with the new second password.
      const resumed = await first.get(ok, RP.redirectUri);
      expect(textOf(resumed)).to.contain('在学生ログイン');
      const callback = await submitLogin(first, resumed, student, RESET_SECOND);
      expect((await exchangeCode(attempt, callback)).claims()!.acr).to.equal('urn:cert-idp:acr:two-passwords');

      // The link is used up now: 410 on the landing page and on the POST.
      const used = await newBrowser().get(url);
      expect(used.status).to.equal(410);
      const replay = await second.submit(form, RESET, { second_password: 'Another2ndPw', second_password_confirm: 'Another2ndPw' });
      expect(replay.status).to.equal(410);
    });

    it('S6: an expired link says so (410) on the landing page and on the POST; at the graduates\' reset (another purpose) it opens nothing (400)', async () => {
      const student = server.students[3]!;
      const email = emailOf(student);
      await firstLogin(server, newBrowser(), student, email);
      const browser = newBrowser();
      const sent = await browser.submit(await browser.get(at(FORGOT)), FORGOT, { email });
      expect(textOf(sent)).to.contain('再設定用のURLを記載したメールを送信しました');
      const url = urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('第2パスワードの再設定')));
      const token = tokenOf(url);
      const { dataSource, entities } = server.services.database;
      const tokens = dataSource.getRepository(entities.OneTimeToken);

      // Another purpose's address: unknown there, on the landing page and on the POST; the token stays usable.
      const elsewhere = `${server.url}/graduates/password/reset?token=${encodeURIComponent(token)}`;
      expect((await newBrowser().get(elsewhere)).status).to.equal(400);
      const other = newBrowser();
      const csrf = findForm(await other.get(`${server.url}/graduates/password/forgot`), '/graduates/password/forgot').hidden._csrf!;
      const wrongPost = await other.request('POST', elsewhere, new URLSearchParams({
        _csrf: csrf, token, password: 'Tigau9Mokuteki', password_confirm: 'Tigau9Mokuteki', second_password: 'Tigau2Mokuteki', second_password_confirm: 'Tigau2Mokuteki',
      }));
      expect(wrongPost.status, textOf(wrongPost)).to.equal(400);
      expect(textOf(wrongPost)).to.contain('URLが正しくありません');

      // Expired after the form was opened: 410 on the POST, and on the landing page.
      const form = await browser.get(url);
      expect(form.status).to.equal(200);
      await tokens.update({ tokenHash: sha256Hex(token) }, { expiresAt: new Date(Date.now() - 60_000) });
      const posted = await browser.submit(form, RESET, { second_password: RESET_SECOND, second_password_confirm: RESET_SECOND });
      expect(posted.status).to.equal(410);
      expect(textOf(posted)).to.contain('有効期限');
      for (const method of ['HEAD', 'GET']) expect((await newBrowser().request(method, url)).status, method).to.equal(410);
      expect((await tokens.findOneByOrFail({ tokenHash: sha256Hex(token) })).usedAt).to.equal(null);
    });

    async function signIn(browser: HttpBrowser, student: TestServer['students'][number], secondPassword: string): Promise<void> {
      const { attempt, page } = await openLogin(server, browser);
      const callback = await submitLogin(browser, page, student, secondPassword);
      const tokens = await exchangeCode(attempt, callback);
      expect(tokens.claims()!.acr).to.equal('urn:cert-idp:acr:two-passwords');
    }
  });
}
