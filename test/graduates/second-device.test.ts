import { expect } from 'chai';
import { findForm, linkByText, textOf } from '../support/browser.js';
import { approveApplication } from '../../src/staff/review/service.js';
import {
  applicationOf, applyCompletely, approvedGraduate, firstGraduateLogin, graduateLoginPage, STAFF, submitGraduateLogin,
} from '../support/graduates.js';
import { DATABASES, exchangeCode, newBrowser, RP, startTestServer, type TestServer } from '../support/harness.js';
import { expectLoginStart, resetLinkPastAScanner, RP_LOGIN, withLoginStart } from '../support/second-device.js';
import { urlIn } from '../support/smtp.js';
import { sha256Hex, tokenOf } from '../support/students.js';
import { scanLikeAMailGateway } from '../support/scanner.js';

// Issue 10, G11 パスワードを忘れた場合 from a second device: requested from the login in browser A, the
// mailed link passes a cookie-less scanner (HEAD, GET, GET: nothing used up, nothing changed), is
// finished in browser B, whose OK leads to the client's graduate login; B signs in with the new
// values, and A's login goes on.

const FORGOT = '/graduates/password/forgot';
const RESET = '/graduates/password/reset';
const NEW = { password: 'Futatsume9Pw', second: 'Futatsume2nd' };

for (const db of DATABASES) {
  describe(`G11 from a second device (${db.name})`, function () {
    let server: TestServer;
    before(async () => { server = await startTestServer(db, withLoginStart); });
    after(async () => { await server?.stop(); });

    const at = (path: string) => `${server.url}${path}`;

    it('a scanner changes nothing; browser B finishes the reset, its OK leads to the graduate login of the client; both browsers then sign in', async () => {
      const email = 'g11-second-device@example.com';
      await firstGraduateLogin(server, email, await approvedGraduate(server, email));
      // Browser A: 卒業生ログイン → パスワードを忘れた場合 → the address; then the mail gateway.
      const first = newBrowser();
      const { attempt, page } = await graduateLoginPage(server, first);
      const uid = new URL(page.url).pathname.split('/')[2]!;
      const { url, tokenRow } = await resetLinkPastAScanner(server, {
        browser: first, loginPage: page, link: 'パスワードを忘れた場合', forgotPath: FORGOT, resetPath: RESET, email, subject: 'パスワードの再設定', landingText: 'パスワード',
      });

      // Browser B: the form, the new values, OK → the client's login start with the graduate login.
      const second = newBrowser();
      const form = await second.get(url);
      const done = await second.submit(form, RESET, {
        password: NEW.password, password_confirm: NEW.password, second_password: NEW.second, second_password_confirm: NEW.second,
      });
      expect(textOf(done)).to.contain('パスワードおよび第2パスワードが設定されました');
      expect((await tokenRow()).usedAt).to.not.equal(null);
      const ok = linkByText(done, 'OK');
      expect(new URL(ok).pathname).to.equal(`/interaction/${uid}`);
      expectLoginStart((await second.get(ok, RP_LOGIN)).location, 'graduate', server.url);

      // The relying party's login start: a fresh authorization in B, signed in with the new values.
      const fresh = await graduateLoginPage(server, second);
      const callback = await submitGraduateLogin(second, fresh.page, email, NEW.password, NEW.second);
      const sub = (await exchangeCode(fresh.attempt, callback)).claims()!.sub;

      // Browser A: its login goes on with the new values.
      const resumed = await first.get(ok, RP.redirectUri);
      expect(textOf(resumed)).to.contain('卒業生ログイン');
      const firstCallback = await submitGraduateLogin(first, resumed, email, NEW.password, NEW.second);
      expect((await exchangeCode(attempt, firstCallback)).claims()!.sub).to.equal(sub);

      // Used up: 410 on the landing page and on the POST.
      expect((await newBrowser().get(url)).status).to.equal(410);
      const replay = await second.submit(form, RESET, {
        password: 'Mouichido9Pw', password_confirm: 'Mouichido9Pw', second_password: 'Mouichido2nd', second_password_confirm: 'Mouichido2nd',
      });
      expect(replay.status).to.equal(410);
    });
    it('an expired link says so (410) on the landing page and on the POST; at the students\' reset (another purpose) it opens nothing (400)', async () => {
      const email = 'g11-expired@example.com';
      await firstGraduateLogin(server, email, await approvedGraduate(server, email));
      const browser = newBrowser();
      const sent = await browser.submit(await browser.get(at(FORGOT)), FORGOT, { email });
      expect(textOf(sent)).to.contain('再設定用のURLを記載したメールを送信しました');
      const url = urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('パスワードの再設定')));
      const token = tokenOf(url);
      const { dataSource, entities } = server.services.database;
      const tokens = dataSource.getRepository(entities.OneTimeToken);

      const elsewhere = at(`/students/second-password/reset?token=${encodeURIComponent(token)}`);
      expect((await newBrowser().get(elsewhere)).status).to.equal(400);
      const other = newBrowser();
      const csrf = findForm(await other.get(at('/students/second-password/forgot')), '/students/second-password/forgot').hidden._csrf!;
      const wrongPost = await other.request('POST', elsewhere, new URLSearchParams({
        _csrf: csrf, token, second_password: 'Tigau2Mokuteki', second_password_confirm: 'Tigau2Mokuteki',
      }));
      expect(wrongPost.status, textOf(wrongPost)).to.equal(400);

      const form = await browser.get(url);
      expect(form.status).to.equal(200);
      await tokens.update({ tokenHash: sha256Hex(token) }, { expiresAt: new Date(Date.now() - 60_000) });
      const posted = await browser.submit(form, RESET, {
        password: NEW.password, password_confirm: NEW.password, second_password: NEW.second, second_password_confirm: NEW.second,
      });
      expect(posted.status).to.equal(410);
      for (const method of ['HEAD', 'GET']) expect((await newBrowser().request(method, url)).status, method).to.equal(410);
      expect((await tokens.findOneByOrFail({ tokenHash: sha256Hex(token) })).usedAt).to.equal(null);
    });
  });
}

for (const db of DATABASES) {
  describe(`the approval mail's ログインはこちらから without a client login start (${db.name})`, function () {
    let server: TestServer;
    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    it('leads a fresh browser (after a scanner\'s HEAD, GET, GET) to 卒業生ログイン through the account menu\'s login', async () => {
      const email = 'approval-link@example.com';
      await applyCompletely(server, newBrowser(), email);
      await approveApplication(server.services, STAFF, { applicationId: (await applicationOf(server, email)).id });
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請結果のお知らせ'));
      const url = mail.text.match(/ログインはこちらから\s+(https?:\/\/\S+)/)![1]!;
      expect(url).to.equal(`${server.url}/account?login_type=graduate`);
      for (const seen of await scanLikeAMailGateway(url)) expect(seen.status).to.equal(302);
      const page = await newBrowser().get(url, RP.redirectUri);
      expect(page.status).to.equal(200);
      expect(textOf(page)).to.contain('卒業生ログイン');
      expect(page.html).to.match(/action="\/interaction\/[^"/]+\/graduate-login"/);
    });
  });
}
