import { expect } from 'chai';
import { textOf } from '../support/browser.js';
import { accountByEmail, askForgotten, expectForgotAnswerBeforeWork, lockAsStaff, mailsQueuedFor, resetSecondPasswordByMail } from '../support/reset-by-mail.js';
import { firstLogin, fullLogin, NEW_SECOND_PASSWORD, openLogin, submitLogin } from '../support/flows.js';
import { DATABASES, exchangeCode, newBrowser, oidc, RP, startTestServer, type TestServer, type TestStudent } from '../support/harness.js';
import { urlIn } from '../support/smtp.js';
import { emailOf } from '../support/students.js';

// S6 第2パスワードを忘れた場合 as an attacker and a locked-out student meet it (issue 15): the answer is
// sent before any work that depends on whether the address is registered (so it takes as long either
// way); a reset through the mailed link lifts the lock that failed logins put on the account (audited),
// not a lock set by staff; a graceful stop right after the answer still queues the mail.

const FORGOT = '/students/second-password/forgot';
const SENT = '入力されたメールアドレスが登録されている場合、再設定用のURLを記載したメールを送信しました。';
const LOGIN_FAILED = 'ユーザID、パスワードまたは第2パスワードが正しくありません。';
const RESET_SECOND = 'Reset2Second';

const requestReset = (server: TestServer, email: string) => askForgotten(server, FORGOT, email);

const resetByMail = (server: TestServer, email: string, secondPassword = RESET_SECOND) => resetSecondPasswordByMail(server, email, secondPassword);

async function failedLogin(server: TestServer, student: TestStudent, secondPassword: string): Promise<string> {
  const browser = newBrowser();
  const { page } = await openLogin(server, browser);
  const answer = await submitLogin(browser, page, student, secondPassword);
  expect(answer.location ?? '', 'no code for the client').to.not.match(new RegExp(`^${RP.redirectUri}`));
  return textOf(answer);
}

for (const db of DATABASES) {
  describe(`S6 by mail: timing-neutral answer, lockout and staff lock (${db.name})`, function () {
    let server: TestServer;
    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    const accountOf = (email: string) => accountByEmail(server, email);

    it('the answer is sent before the lookup, the token, the mail and the audit event, for a registered and an unknown address alike', async () => {
      const student = server.students[0]!;
      await firstLogin(server, newBrowser(), student, emailOf(student));
      await expectForgotAnswerBeforeWork(server, {
        path: FORGOT, lookup: 'findByEmail', mailSubject: '第2パスワードの再設定', registered: emailOf(student), unknown: 'nobody-registered@example.ac.jp',
      });
    });

    it('a student locked by failed logins resets the second password through the mailed link and can then sign in; the unlock is audited', async () => {
      const student = server.students[1]!;
      const email = emailOf(student);
      await firstLogin(server, newBrowser(), student, email);
      for (let i = 0; i < server.config.throttle.perAccount.maxFailures; i += 1) {
        expect(await failedLogin(server, student, 'Wrong2ndPw9')).to.contain(LOGIN_FAILED);
      }
      // Locked: the right values are refused too.
      expect(await failedLogin(server, student, NEW_SECOND_PASSWORD)).to.contain(LOGIN_FAILED);

      await resetByMail(server, email);
      const { tokens } = await fullLogin(server, newBrowser(), student, RESET_SECOND);
      const sub = tokens.claims()!.sub;
      const unlocked = (await server.services.audit.list(sub)).filter((e) => e.event === 'account.unlocked');
      expect(unlocked.map((e) => e.detail)).to.deep.equal([{ by: 'reset', userType: 'student' }]);
    });

    it('a reset of an account that was not locked records no unlock', async () => {
      const student = server.students[2]!;
      const email = emailOf(student);
      await firstLogin(server, newBrowser(), student, email);
      await resetByMail(server, email);
      const account = await accountOf(email);
      expect((await server.services.audit.list(account.id)).map((e) => e.event)).to.include('second_password.reset').and.not.include('account.unlocked');
    });

    it('the reset also ends what relying parties hold: a refresh token issued before it is refused, one issued after works', async () => {
      const student = server.students[4]!;
      const email = emailOf(student);
      await firstLogin(server, newBrowser(), student, email);
      const offlineTokens = async () => {
        const browser = newBrowser();
        const { attempt, page } = await openLogin(server, browser, { scope: 'openid offline_access', prompt: 'consent' });
        const tokens = await exchangeCode(attempt, await submitLogin(browser, page, student, currentSecond));
        expect(tokens.refresh_token, 'a refresh token').to.be.a('string');
        return { client: attempt.client, refreshToken: tokens.refresh_token! };
      };
      let currentSecond = NEW_SECOND_PASSWORD;
      const before = await offlineTokens();
      expect((await oidc.refreshTokenGrant(before.client, before.refreshToken)).access_token).to.be.a('string');
      await resetByMail(server, email);
      currentSecond = RESET_SECOND;
      let refused: unknown;
      await oidc.refreshTokenGrant(before.client, before.refreshToken).catch((error: unknown) => { refused = error; });
      expect((refused as { error?: string } | undefined)?.error, 'the refresh token issued before the reset').to.equal('invalid_grant');
      const after = await offlineTokens();
      expect((await oidc.refreshTokenGrant(after.client, after.refreshToken)).access_token).to.be.a('string');
    });

    it('a lock set by staff is not lifted: no link is sent, and a link mailed before the lock sets nothing', async () => {
      const student = server.students[3]!;
      const email = emailOf(student);
      await firstLogin(server, newBrowser(), student, email);
      expect(textOf(await requestReset(server, email))).to.contain(SENT);
      const earlier = urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('第2パスワードの再設定')));

      const account = await accountOf(email);
      const queuedBefore = await lockAsStaff(server, account.id, email);
      expect(textOf(await requestReset(server, email))).to.contain(SENT);
      expect(await mailsQueuedFor(server, email), 'no mail to a staff-locked account').to.equal(queuedBefore);
      const requested = (await server.services.audit.list(account.id)).filter((e) => e.event === 'second_password.reset_requested');
      expect(requested.at(-1)?.detail).to.deep.equal({ matched: false });

      const browser = newBrowser();
      const reset = await browser.get(earlier);
      const refused = await browser.submit(reset, '/students/second-password/reset', { second_password: RESET_SECOND, second_password_confirm: RESET_SECOND });
      expect(textOf(refused)).to.contain('URLが正しくありません');
      expect((await accountOf(email)).secondPasswordHash).to.equal(account.secondPasswordHash);
      expect((await accountOf(email)).locked).to.equal(true);
    });
  });

  describe(`S6 by mail: a graceful stop right after the answer (${db.name})`, function () {
    it('the mail of a request answered just before the stop is still queued before the outbox and the database close', async () => {
      const server = await startTestServer(db);
      let stopped = false;
      try {
        const student = server.students[0]!;
        const email = emailOf(student);
        await firstLogin(server, newBrowser(), student, email);
        const { services } = server;
        const events: string[] = [];
        // The request's mail is queued only once the HTTP listener has closed (the stop is under way).
        const listenerClosed = new Promise<void>((resolve) => server.running.server.once('close', () => resolve()));
        const sendMail = services.sendMail;
        services.sendMail = async (to, content) => {
          await listenerClosed;
          await sendMail(to, content);
          events.push(`queued: ${content.subject}`);
        };
        const outboxStop = services.outbox.stop.bind(services.outbox);
        services.outbox.stop = async () => {
          events.push('outbox stopped');
          await outboxStop();
        };
        expect(textOf(await requestReset(server, email))).to.contain(SENT);
        stopped = true;
        await server.stop();
        expect(events).to.have.length(2);
        expect(events[0]).to.match(/^queued: .*第2パスワードの再設定/);
        expect(events[1]).to.equal('outbox stopped');
      } finally {
        if (!stopped) await server.stop();
      }
    });
  });
}
