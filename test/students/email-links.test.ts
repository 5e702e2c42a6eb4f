/**
 * Issue 10 (mailed links): S1 メールアドレス設定 and S4 メールアドレス変更 by a current student. A mail
 * scanner (cookie-less, HEAD then GET twice, before the user) changes nothing: the address is not set,
 * the token stays usable, nothing is audited or mailed; the landing page's button then does the step.
 * Used / expired / unknown / wrong-purpose tokens on the landing page and on its POST: test/students/
 * security.test.ts. G7 (graduates): test/account/credentials.test.ts. Real parts: the server over HTTP,
 * MariaDB and SQLite, the SMTP listener.
 */
import { expect } from 'chai';
import { HttpBrowser, linkByText, textOf } from '../support/browser.js';
import { confirmEmailLink, expectEmailLanding, pressEmailButton } from '../support/email-links.js';
import { firstLogin } from '../support/flows.js';
import { DATABASES, newBrowser, RP, startTestServer, type TestServer } from '../support/harness.js';
import { urlIn } from '../support/smtp.js';
import { registrationUrl, sha256Hex, tokenOf } from '../support/students.js';
import { scanLikeAMailGateway } from '../support/scanner.js';

const scan = scanLikeAMailGateway;

for (const db of DATABASES) {
  describe(`mailed address links survive mail scanners (${db.name})`, function () {
    let server: TestServer;
    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    const repositories = () => {
      const { dataSource, entities } = server.services.database;
      return { accounts: dataSource.getRepository(entities.Account), tokens: dataSource.getRepository(entities.OneTimeToken) };
    };
    const tokenRow = (url: string) => repositories().tokens.findOneByOrFail({ tokenHash: sha256Hex(tokenOf(url)) });

    it('S1: the scanner\'s HEAD and GETs show the landing page and set nothing; the user\'s button then sets the address', async () => {
      const student = server.students[1]!;
      const email = `s1-scan-${db.name}@example.ac.jp`;
      const browser = newBrowser();
      const url = await registrationUrl(server, browser, student, email);
      const account = await repositories().accounts.findOneByOrFail({ directoryId: student.userId });

      const [head, ...gets] = await scan(url);
      expect(head!.status).to.equal(200);
      expect(head!.body.length).to.equal(0);
      for (const page of gets) {
        expectEmailLanding(page, 'register');
        expect(textOf(page)).to.contain('@example.ac.jp').and.not.contain('メールアドレス設定完了');
        expect(page.html).to.not.contain(email); // shown masked
        expect(page.html).to.contain(`name="token" value="${tokenOf(url)}"`);
      }

      // Nothing changed: the address not set, the token unused, nothing audited.
      const untouched = await repositories().accounts.findOneByOrFail({ id: account.id });
      expect(untouched.emailVerified).to.equal(false);
      expect(await server.services.accounts.findByEmail(email)).to.equal(null);
      expect((await tokenRow(url)).usedAt).to.equal(null);
      expect((await server.services.audit.list(account.id)).map((e) => e.event)).to.not.include('email.registered');

      // The user opens the link and presses the button: メールアドレス設定完了 → ログインページへ移動 continues the login.
      const landing = await browser.get(url);
      expectEmailLanding(landing, 'register');
      const done = await pressEmailButton(browser, landing);
      expect(done.status).to.equal(200);
      expect(textOf(done)).to.contain('メールアドレス設定完了').and.contain('メールアドレスを設定しました。');
      const set = await repositories().accounts.findOneByOrFail({ id: account.id });
      expect(set.emailVerified).to.equal(true);
      expect(set.email).to.equal(email);
      expect((await tokenRow(url)).usedAt).to.not.equal(null);
      expect((await server.services.audit.list(account.id)).map((e) => e.event)).to.include('email.registered');
      const secondPage = await browser.get(linkByText(done, 'ログインページへ移動'), RP.redirectUri);
      expect(textOf(secondPage)).to.contain('第2パスワード設定');

      // The scanner coming back later sees a used link, and still changes nothing.
      const [headAfter, getAfter] = await scan(url);
      expect(headAfter!.status).to.equal(410);
      expect(getAfter!.status).to.equal(410);
      expect(textOf(getAfter!)).to.contain('このURLは既に使用されています。');
    });

    it('S1: the landing page in English (?lang=en); its button works only with the CSRF cookie of the browser that loaded it', async () => {
      const student = server.students[2]!;
      const url = await registrationUrl(server, newBrowser(), student, `s1-en-${db.name}@example.ac.jp`);
      const page = await newBrowser().get(`${url}&lang=en`);
      expect(page.status).to.equal(200);
      expect(textOf(page)).to.contain('Email Address Setting').and.contain('Set the email address');
      const refused = await pressEmailButton(newBrowser(), page);
      expect(refused.status).to.equal(403);
      expect((await tokenRow(url)).usedAt).to.equal(null);
    });

    it('S4: the scanner changes nothing; the button on another device changes the address and tells the old one', async () => {
      const student = server.students[3]!;
      const oldEmail = `s4-old-${db.name}@example.ac.jp`;
      const newEmail = `s4-new-${db.name}@example.ac.jp`;
      const browser = newBrowser();
      await firstLogin(server, browser, student, oldEmail);
      const form = await browser.get(`${server.url}/account/email`);
      const sent = await browser.submit(form, '/account/email', { email: newEmail, email_confirm: newEmail });
      expect(textOf(sent)).to.contain('確認メールを送信しました');
      const url = urlIn(await server.smtp.waitFor(newEmail, (m) => m.subject.includes('メールアドレスの変更')));
      const account = await repositories().accounts.findOneByOrFail({ directoryId: student.userId });

      const [head, ...gets] = await scan(url);
      expect(head!.status).to.equal(200);
      for (const page of gets) {
        expectEmailLanding(page, 'change');
        expect(textOf(page)).to.not.contain('メールアドレスを変更しました');
      }
      expect((await repositories().accounts.findOneByOrFail({ id: account.id })).email).to.equal(oldEmail);
      expect(await server.services.accounts.findByEmail(newEmail)).to.equal(null);
      expect((await tokenRow(url)).usedAt).to.equal(null);
      expect(server.smtp.mails.some((m) => m.subject.includes('メールアドレス変更のお知らせ'))).to.equal(false);
      expect((await server.services.audit.list(account.id)).map((e) => e.event)).to.not.include('email.changed');

      // The user, on a device without a session.
      const done = await confirmEmailLink(newBrowser(), url);
      expect(textOf(done)).to.contain('メールアドレスを変更しました');
      expect((await repositories().accounts.findOneByOrFail({ id: account.id })).email).to.equal(newEmail);
      await server.smtp.waitFor(oldEmail, (m) => m.subject.includes('メールアドレス変更のお知らせ'));
      const again = await new HttpBrowser().get(url);
      expect(again.status).to.equal(410);
    });
  });
}
