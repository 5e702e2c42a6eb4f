import { expect } from 'chai';
import { textOf } from '../support/browser.js';
import { accountByEmail, afterAnswers, askForgotten, expectForgotAnswerBeforeWork, lockAsStaff, mailsQueuedFor, watchWorkAroundAnswer } from '../support/reset-by-mail.js';
import {
  approvedGraduate, firstGraduateLogin, graduateLoginPage, NEW_PASSWORD, NEW_SECOND, submitGraduateLogin,
} from '../support/graduates.js';
import { DATABASES, exchangeCode, newBrowser, RP, startTestServer, type TestServer } from '../support/harness.js';
import { urlIn } from '../support/smtp.js';

// G11 パスワードを忘れた場合 and G1's request as an attacker and a locked-out graduate meet them (issue 15):
// the G11 answer is sent before any work that depends on whether the address is registered; G1 does
// the same work for every address; a reset through the mailed link lifts the lock that failed logins
// put on the account (audited), not a lock set by staff.

const FORGOT = '/graduates/password/forgot';
const APPLY = '/graduates/apply';
const SENT = '入力されたメールアドレスが登録されている場合、再設定用のURLを記載したメールを送信しました。';
const LOGIN_FAILED = 'メールアドレス、パスワードまたは第2パスワードが正しくありません';
const RESET = { password: 'Saisettei9Pw', second: 'Saisettei2nd' };

const requestReset = (server: TestServer, email: string) => askForgotten(server, FORGOT, email);

/** G11 through the mailed link, to the new values. */
async function resetByMail(server: TestServer, email: string): Promise<void> {
  expect(textOf(await requestReset(server, email))).to.contain(SENT);
  const browser = newBrowser();
  const reset = await browser.get(urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('パスワードの再設定'))));
  const done = await browser.submit(reset, '/graduates/password/reset', {
    password: RESET.password, password_confirm: RESET.password, second_password: RESET.second, second_password_confirm: RESET.second,
  });
  expect(textOf(done)).to.contain('パスワードおよび第2パスワードが設定されました');
}

/** A login with these values: the client's tokens, or the refusal's text. */
async function login(server: TestServer, email: string, password: string, second: string) {
  const browser = newBrowser();
  const { attempt, page } = await graduateLoginPage(server, browser);
  const answer = await submitGraduateLogin(browser, page, email, password, second);
  if (!answer.location?.startsWith(RP.redirectUri)) return { refused: textOf(answer) };
  return { tokens: await exchangeCode(attempt, answer) };
}

for (const db of DATABASES) {
  describe(`G11 by mail: timing-neutral answer, lockout and staff lock; G1's request (${db.name})`, function () {
    let server: TestServer;
    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    const accountOf = (email: string) => accountByEmail(server, email);
    const graduate = async (email: string) => {
      await firstGraduateLogin(server, email, await approvedGraduate(server, email));
      return accountOf(email);
    };

    it('the G11 answer is sent before the lookup, the token, the mail and the audit event, for a registered and an unknown address alike', async () => {
      const email = 'g11-order@example.com';
      await graduate(email);
      await expectForgotAnswerBeforeWork(server, {
        path: FORGOT, lookup: 'findGraduateByEmail', mailSubject: 'パスワードの再設定', registered: email, unknown: 'nobody-registered@example.com',
      });
    });

    it("G1's request does the same work before its answer for a graduate's address and a new one", async () => {
      const email = 'g1-order@example.com';
      await graduate(email);
      const { services } = server;
      const watch = watchWorkAroundAnswer(server, APPLY, [
        [services.accounts, 'findGraduateByEmail', 'account lookup'],
        [services.accounts, 'findByEmail', 'account lookup'],
        [services.applications, 'countStartedSince', 'limit'],
        [services.applications, 'createDraft', 'draft'],
        [services, 'sendMail', 'mail'],
        [services.audit, 'record', 'audit'],
      ]);
      const work: string[][] = [];
      try {
        for (const address of [email, 'g1-new-address@example.com']) {
          watch.clear();
          const browser = newBrowser();
          const page = await browser.get(`${server.url}${APPLY}`);
          expect(textOf(await browser.submit(page, APPLY, { email: address, email_confirm: address }))).to.contain('確認メールを送信しました');
          await afterAnswers(server);
          work.push(watch.beforeAnswer());
        }
      } finally {
        watch.stop();
      }
      expect(work[0]).to.deep.equal(['limit', 'draft', 'mail', 'audit']);
      expect(work[1]).to.deep.equal(work[0]);
    });

    it('a graduate locked by failed logins resets through the mailed link and can then sign in; the unlock is audited', async () => {
      const email = 'g11-locked@example.com';
      const account = await graduate(email);
      for (let i = 0; i < server.config.throttle.perAccount.maxFailures; i += 1) {
        expect((await login(server, email, 'Wrong9Password', NEW_SECOND)).refused).to.contain(LOGIN_FAILED);
      }
      // Locked: the right values are refused too.
      expect((await login(server, email, NEW_PASSWORD, NEW_SECOND)).refused).to.contain(LOGIN_FAILED);

      await resetByMail(server, email);
      const signedIn = await login(server, email, RESET.password, RESET.second);
      expect(signedIn.refused, 'signed in after the reset').to.equal(undefined);
      expect(signedIn.tokens!.claims()!.sub).to.equal(account.id);
      const unlocked = (await server.services.audit.list(account.id)).filter((e) => e.event === 'account.unlocked');
      expect(unlocked.map((e) => e.detail)).to.deep.equal([{ by: 'reset', userType: 'graduate' }]);
    });

    it('a lock set by staff is not lifted: no link is sent, a link mailed before the lock sets nothing, the failed-login lock stays', async () => {
      const email = 'g11-staff-locked@example.com';
      const account = await graduate(email);
      expect(textOf(await requestReset(server, email))).to.contain(SENT);
      const earlier = urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('パスワードの再設定')));
      for (let i = 0; i < server.config.throttle.perAccount.maxFailures; i += 1) await login(server, email, 'Wrong9Password', NEW_SECOND);

      const queuedBefore = await lockAsStaff(server, account.id, email);
      expect(textOf(await requestReset(server, email))).to.contain(SENT);
      expect(await mailsQueuedFor(server, email), 'no mail to a staff-locked account').to.equal(queuedBefore);

      const browser = newBrowser();
      const reset = await browser.get(earlier);
      const refused = await browser.submit(reset, '/graduates/password/reset', {
        password: RESET.password, password_confirm: RESET.password, second_password: RESET.second, second_password_confirm: RESET.second,
      });
      expect(textOf(refused)).to.contain('URLが正しくありません');
      const after = await accountOf(email);
      expect([after.locked, after.passwordHash]).to.deep.equal([true, account.passwordHash]);
      expect((await server.services.audit.list(account.id)).map((e) => e.event)).to.not.include('account.unlocked');
      // Staff unlock the account: the failed-login lock is still there (only a reset or its expiry lifts it).
      const { dataSource, entities } = server.services.database;
      await dataSource.getRepository(entities.Account).update({ id: account.id }, { locked: false });
      expect((await login(server, email, NEW_PASSWORD, NEW_SECOND)).refused).to.contain(LOGIN_FAILED);
    });
  });
}
