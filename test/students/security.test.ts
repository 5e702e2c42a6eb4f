import { readFileSync, writeFileSync } from 'node:fs';
import argon2 from 'argon2';
import { expect } from 'chai';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { findForm, HttpBrowser, linkByText, textOf, type Page } from '../support/browser.js';
import { firstLogin, NEW_SECOND_PASSWORD, openLogin, submitLogin } from '../support/flows.js';
import {
  beginAuthorization, DATABASES, exchangeCode, newBrowser, oidc, relyingParty, RP, startTestServer, type TestServer, type TestStudent,
} from '../support/harness.js';
import { urlIn } from '../support/smtp.js';
import { confirmEmailLink, postEmailToken } from '../support/email-links.js';
import { emailOf, registrationUrl as mailedRegistrationUrl, sha256Hex, tokenOf } from '../support/students.js';

// Negative tests of the current student's sign-in over real HTTP against the real server (DESIGN §2.1,
// §3, §5): one-time URLs, the second-password rules, generic login failures, throttling, CSRF,
// enumeration, code replay, malformed bodies and stale interactions. Security headers, what the
// database keeps and what the logs hold: test/ops/security.test.ts.

const MSG = {
  loginFailed: 'ユーザID、パスワードまたは第2パスワードが正しくありません。',
  tokenTitle: 'URLを開けません',
  tokenExpired: 'URLの有効期限が切れています。お手数ですが、もう一度最初から操作してください。',
  tokenUsed: 'このURLは既に使用されています。',
  tokenUnknown: 'URLが正しくありません。メールに記載されたURLをそのまま開いてください。',
  sessionExpiredTitle: 'ログインの有効期限切れ',
  sessionExpired: 'ログインの有効期限が切れました',
  csrf: '画面の有効期限が切れたか、不正な操作です。もう一度お試しください。',
  tooLarge: '入力内容が大きすぎます。',
  forgotSent: '入力されたメールアドレスが登録されている場合、再設定用のURLを記載したメールを送信しました。',
  secondPasswordTitle: '第2パスワード設定',
  secondPasswordSet: '第2パスワードが設定されました',
  emailDone: 'メールアドレス設定完了',
  emailSetup: 'メールアドレス設定',
} as const;

/** A student whose university password happens to satisfy the second-password rules. */
const ALPHANUMERIC_STUDENT: TestStudent = { userId: 'tsame01', password: 'Kw8rTzq2Lm', studentNumber: '26T9001', status: 'enrolled' };

/** A readable page, never a stack trace or an internal error text. */
function expectReadablePage(page: Page): void {
  expect(page.status, `status of ${page.url}`).to.be.below(500);
  expect(page.html).to.match(/<html\b/i);
  expect(page.html).to.match(/<h1\b/);
  expect(page.html).to.not.match(/\bat \S+ \(?[^\s)]*:\d+:\d+\)?/);
  expect(page.html).to.not.contain('Error:');
  expect(page.html).to.not.contain('node_modules');
  expect(page.html).to.not.match(/\/src\/\w+/);
}

/** The value of the user_id input as the page fills it in. */
function userIdValue(page: Page): string | undefined {
  const input = page.html.match(/<input\b[^>]*\bname="user_id"[^>]*>/)?.[0];
  return input?.match(/\bvalue="([^"]*)"/)?.[1];
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Builds a raw form body string (to send what URLSearchParams would not). */
function rawForm(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Appends a student to the directory file the harness wrote (configure runs before the server reads it). */
function addDirectoryStudent(file: string, student: TestStudent, passwordHash: string): void {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { students: unknown[] };
  doc.students.push({
    user_id: student.userId,
    password_hash: passwordHash,
    name: { family: '同一', given: '太郎' },
    student_number: student.studentNumber,
    university: 'サンプル大学',
    faculty: '文学部',
    department: '日本文学科',
    status: 'enrolled',
  });
  writeFileSync(file, toYaml(doc));
}

for (const db of DATABASES) {
  describe(`security: negative tests over HTTP (${db.name})`, function () {
    let server: TestServer;
    let nextStudent = 0;
    let completedStudent: Promise<{ student: TestStudent; email: string }> | undefined;

    const repositories = () => {
      const { dataSource, entities } = server.services.database;
      return {
        tokens: dataSource.getRepository(entities.OneTimeToken),
        accounts: dataSource.getRepository(entities.Account),
        outbox: dataSource.getRepository(entities.MailOutbox),
        throttle: dataSource.getRepository(entities.LoginThrottle),
        audit: dataSource.getRepository(entities.AuditEvent),
      };
    };

    /** A fresh enrolled student no other test has touched. */
    const freshStudent = (): TestStudent => {
      const student = server.students[nextStudent];
      nextStudent += 1;
      if (!student || student.status !== 'enrolled') throw new Error('out of enrolled test students');
      return student;
    };

    /** A student who finished the first-login steps (email + second password NEW_SECOND_PASSWORD). */
    const completed = () => completedStudent ??= (async () => {
      const student = freshStudent();
      const email = emailOf(student);
      await firstLogin(server, newBrowser(), student, email);
      return { student, email };
    })();

    /** S1 up to the mailed one-time URL (not opened). */
    const registrationUrl = (browser: HttpBrowser, student: TestStudent, email = emailOf(student)) => mailedRegistrationUrl(server, browser, student, email);

    /** S1 complete, then back to the login: the 第2パスワード設定 screen. */
    async function secondPasswordScreen(browser: HttpBrowser, student: TestStudent): Promise<Page> {
      const done = await confirmEmailLink(browser, await registrationUrl(browser, student));
      expect(textOf(done)).to.contain(MSG.emailDone);
      const page = await browser.get(linkByText(done, 'ログインページへ移動'), RP.redirectUri);
      expect(textOf(page)).to.contain(MSG.secondPasswordTitle);
      findForm(page, /\/second-password$/);
      return page;
    }

    async function failedLoginPage(student: Pick<TestStudent, 'userId' | 'password'>, secondPassword: string, browser = newBrowser()): Promise<Page> {
      const { page } = await openLogin(server, browser);
      return submitLogin(browser, page, student, secondPassword);
    }

    async function lockedEvents(): Promise<number> {
      return (await server.services.audit.list()).filter((e) => e.event === 'login.locked').length;
    }

    before(async () => {
      nextStudent = 0;
      completedStudent = undefined;
      const hash = await argon2.hash(ALPHANUMERIC_STUDENT.password, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
      server = await startTestServer(db, (config) => {
        addDirectoryStudent(config.directoryFilePath!, ALPHANUMERIC_STUDENT, hash);
        // Low enough to reach in a test; every test starts with an empty throttle table.
        config.throttle.perIp = { maxFailures: 12, windowMinutes: 15, lockMinutes: 15 };
      });
    });
    after(async () => { await server?.stop(); });
    beforeEach(async () => { await repositories().throttle.clear(); });

    // ---------------------------------------------------------------- 1. one-time URLs

    describe('one-time URLs', () => {
      it('an expired URL says so (410) and registers nothing', async () => {
        const student = freshStudent();
        const browser = newBrowser();
        const url = await registrationUrl(browser, student);
        const row = await repositories().tokens.findOneByOrFail({ tokenHash: sha256Hex(tokenOf(url)) });
        expect(row.purpose).to.equal('register_email');
        expect(row.expiresAt.getTime() - row.createdAt.getTime()).to.equal(server.config.lifetimes.oneTimeUrlMinutes * 60_000);
        expect(server.config.lifetimes.oneTimeUrlMinutes).to.equal(30);
        const moved = await repositories().tokens.update({ tokenHash: row.tokenHash }, { expiresAt: new Date(Date.now() - 60_000) });
        expect(moved.affected).to.equal(1);

        const page = await browser.get(url);
        expect(page.status).to.equal(410);
        expect(textOf(page)).to.contain(MSG.tokenTitle).and.contain(MSG.tokenExpired);
        expect(textOf(page)).to.not.contain(MSG.emailDone);
        expect(page.html).to.not.match(/<form\b/);
        // The landing page's button, posted anyway: the same answer.
        const posted = await postEmailToken(browser, server.url, '/students/email/confirm', tokenOf(url));
        expect(posted.status).to.equal(410);
        expect(textOf(posted)).to.contain(MSG.tokenExpired).and.not.contain(MSG.emailDone);
        const account = await repositories().accounts.findOneBy({ directoryId: student.userId });
        expect(account?.emailVerified).to.equal(false);
        expect(await server.services.accounts.findByEmail(emailOf(student))).to.equal(null);
      });

      it('a URL opened a second time says it was already used (410)', async () => {
        const student = freshStudent();
        const browser = newBrowser();
        const url = await registrationUrl(browser, student);
        const first = await confirmEmailLink(browser, url);
        expect(first.status).to.equal(200);
        expect(textOf(first)).to.contain(MSG.emailDone);

        const other = newBrowser();
        for (const again of [
          await browser.get(url), await other.get(url),
          await postEmailToken(browser, server.url, '/students/email/confirm', tokenOf(url)),
          await postEmailToken(other, server.url, '/students/email/confirm', tokenOf(url)),
        ]) {
          expect(again.status).to.equal(410);
          expect(textOf(again)).to.contain(MSG.tokenUsed);
          expect(textOf(again)).to.not.contain(MSG.emailDone);
        }
      });

      it('a token opens nothing at another purpose\'s URL, and stays usable at its own', async () => {
        const student = freshStudent();
        const browser = newBrowser();
        const url = await registrationUrl(browser, student);
        const token = encodeURIComponent(tokenOf(url));

        const reset = await newBrowser().get(`${server.url}/students/second-password/reset?token=${token}`);
        expect(reset.status).to.equal(400);
        expect(textOf(reset)).to.contain(MSG.tokenUnknown);
        expect(reset.html).to.not.match(/name="second_password"/);

        const change = await browser.get(`${server.url}/account/email/confirm?token=${token}`);
        expect(change.status).to.equal(400);
        expect(textOf(change)).to.contain(MSG.tokenUnknown);
        const changePost = await postEmailToken(browser, server.url, '/account/email/confirm', tokenOf(url));
        expect(changePost.status).to.equal(400);
        expect(textOf(changePost)).to.contain(MSG.tokenUnknown);
        expect(await server.services.accounts.findByEmail(emailOf(student))).to.equal(null);

        // Still unused: it works where it belongs.
        const own = await confirmEmailLink(browser, url);
        expect(own.status).to.equal(200);
        expect(textOf(own)).to.contain(MSG.emailDone);

        // And the other way round: a reset token does not confirm an address.
        const { email } = await completed();
        const requester = newBrowser();
        const forgot = await requester.get(`${server.url}/students/second-password/forgot`);
        expect(textOf(await requester.submit(forgot, '/students/second-password/forgot', { email }))).to.contain(MSG.forgotSent);
        const resetUrl = urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('第2パスワードの再設定')));
        const resetToken = encodeURIComponent(tokenOf(resetUrl));
        for (const path of ['/students/email/confirm', '/account/email/confirm']) {
          const page = await newBrowser().get(`${server.url}${path}?token=${resetToken}`);
          expect(page.status, path).to.equal(400);
          expect(textOf(page)).to.contain(MSG.tokenUnknown);
          const posted = await postEmailToken(newBrowser(), server.url, path, tokenOf(resetUrl));
          expect(posted.status, `POST ${path}`).to.equal(400);
          expect(textOf(posted)).to.contain(MSG.tokenUnknown);
        }
        const resetForm = await newBrowser().get(resetUrl);
        expect(resetForm.status).to.equal(200);
        expect(resetForm.html).to.match(/name="second_password"/);
      });

      it('a garbage or forged token opens nothing (400), on every one-time URL and on the reset form post', async () => {
        const forged = Buffer.alloc(32, 7).toString('base64url');
        const queries = ['token=garbage', `token=${forged}`, '', 'token=', `token=${'A'.repeat(5000)}`, 'token=..%2F..%2Fetc%2Fpasswd', `token=${forged}&token=${forged}`, 'token[a]=b', 'token=%E0%A4%A'];
        for (const path of ['/students/email/confirm', '/students/second-password/reset', '/account/email/confirm']) {
          for (const query of queries) {
            const page = await newBrowser().get(`${server.url}${path}?${query}`);
            expect(page.status, `${path}?${query.slice(0, 40)}`).to.equal(400);
            expect(textOf(page)).to.contain(MSG.tokenUnknown);
            expectReadablePage(page);
          }
        }
        // Posting the reset form with a forged token sets nothing.
        const browser = newBrowser();
        const forgot = await browser.get(`${server.url}/students/second-password/forgot`);
        const { hidden } = findForm(forgot, '/students/second-password/forgot');
        const posted = await browser.request('POST', `${server.url}/students/second-password/reset`, new URLSearchParams({
          _csrf: hidden._csrf!, token: forged, second_password: 'Zq7wXkpm2', second_password_confirm: 'Zq7wXkpm2',
        }));
        expect(posted.status).to.equal(400);
        expect(textOf(posted)).to.contain(MSG.tokenUnknown);
        // And the address links' buttons, posted with a forged or garbage token.
        for (const path of ['/students/email/confirm', '/account/email/confirm']) {
          for (const token of [forged, 'garbage', '']) {
            const page = await postEmailToken(browser, server.url, path, token);
            expect(page.status, `POST ${path} ${token}`).to.equal(400);
            expect(textOf(page)).to.contain(MSG.tokenUnknown);
            expectReadablePage(page);
          }
        }
      });
    });

    // ---------------------------------------------------------------- 2. second-password rules

    describe('second-password rules on 第2パスワード設定', () => {
      let browser: HttpBrowser;
      let screen: Page;
      let student: TestStudent;
      const rejected: string[] = [];

      before(async () => {
        student = freshStudent();
        browser = newBrowser();
        screen = await secondPasswordScreen(browser, student);
      });

      async function submitSecond(value: string, confirmation = value, page = screen, b = browser): Promise<Page> {
        return b.submit(page, /\/second-password$/, { second_password: value, second_password_confirm: confirmation });
      }

      function expectRejected(result: Page, message: string, value: string, absent: string[] = []): void {
        expect(result.status).to.be.oneOf([200, 400, 422]);
        const text = textOf(result);
        expect(text).to.contain(MSG.secondPasswordTitle);
        expect(text).to.contain(message);
        for (const other of absent) expect(text).to.not.contain(other);
        expect(text).to.not.contain(MSG.secondPasswordSet);
        findForm(result, /\/second-password$/);
        if (value) expect(result.html, 'the candidate is echoed').to.not.contain(escapeHtml(value));
        rejected.push(value);
      }

      const cases: Array<{ name: string; value: string; confirmation?: string; message: string; absent?: string[] }> = [
        { name: 'too short (7 characters)', value: 'Zq7wXkp', message: '第2パスワードは8文字以上で入力してください。' },
        { name: 'no uppercase letter', value: 'zq7wxkpm2', message: '第2パスワードには半角英大文字(A-Z)を1文字以上含めてください。' },
        { name: 'no lowercase letter', value: 'ZQ7WXKPM2', message: '第2パスワードには半角英小文字(a-z)を1文字以上含めてください。' },
        { name: 'no digit', value: 'ZqwXkpmRt', message: '第2パスワードには半角数字(0-9)を1文字以上含めてください。' },
        { name: 'full-width letters and digits', value: 'Ｚｑ７ｗＸｋｐｍ２', message: '第2パスワードには半角英数字以外を含めないでください。' },
        {
          name: 'half-width symbols', value: 'Zq7wXkpm!', message: '第2パスワードには半角英数字以外を含めないでください。',
          absent: ['半角英大文字(A-Z)を1文字以上', '半角英小文字(a-z)を1文字以上', '半角数字(0-9)を1文字以上'],
        },
        { name: 'a space inside', value: 'Zq7w Xkpm2', message: '第2パスワードには半角英数字以外を含めないでください。' },
        { name: 'a common password (Password1)', value: 'Password1', message: '第2パスワードは推測されやすいため使用できません。' },
        { name: 'longer than 64 characters', value: `Zq7${'w'.repeat(62)}`, message: '第2パスワードは64文字以内で入力してください。' },
        { name: '確認 does not match', value: 'Zq7wXkpm2', confirmation: 'Zq7wXkpm3', message: '第2パスワードと確認の入力が一致しません。' },
      ];
      for (const c of cases) {
        it(`refuses ${c.name} with its message on the same page`, async () => {
          expectRejected(await submitSecond(c.value, c.confirmation), c.message, c.value, c.absent);
        });
      }

      it('refuses an empty value', async () => {
        const result = await submitSecond('');
        expectRejected(result, '第2パスワードを入力してください。', '');
      });

      it('refuses the university password as second password', async () => {
        const b = newBrowser();
        const page = await secondPasswordScreen(b, ALPHANUMERIC_STUDENT);
        const result = await submitSecond(ALPHANUMERIC_STUDENT.password, ALPHANUMERIC_STUDENT.password, page, b);
        expect(textOf(result)).to.contain('第2パスワードに大学のパスワードは設定できません。');
        expect(result.html).to.not.contain(ALPHANUMERIC_STUDENT.password);
        findForm(result, /\/second-password$/);
        const account = await repositories().accounts.findOneBy({ directoryId: ALPHANUMERIC_STUDENT.userId });
        expect(account?.secondPasswordHash).to.equal(null);

        // A valid one is accepted; a later login with the university password as second password fails.
        const done = await submitSecond('Rt5yUiop9', 'Rt5yUiop9', result, b);
        expect(textOf(done)).to.contain(MSG.secondPasswordSet);
        const failed = await failedLoginPage(ALPHANUMERIC_STUDENT, ALPHANUMERIC_STUDENT.password);
        expect(textOf(failed)).to.contain(MSG.loginFailed);
        expect(failed.location).to.equal(undefined);
      });

      it('none of the refused values was set: later logins with them fail', async () => {
        expect(rejected.length).to.be.greaterThan(5);
        const account = await repositories().accounts.findOneBy({ directoryId: student.userId });
        expect(account?.secondPasswordHash).to.equal(null);

        // With no second password set, a login still stops at 第2パスワード設定 (never reaches the client).
        const b = newBrowser();
        const { page } = await openLogin(server, b);
        const again = await submitLogin(b, page, student, 'Password1');
        expect(again.location ?? '').to.not.contain(RP.redirectUri);
        expect(textOf(again)).to.contain(MSG.secondPasswordTitle);
        const set = await submitSecond('Yh6tGbnm3', 'Yh6tGbnm3', again, b);
        expect(textOf(set)).to.contain(MSG.secondPasswordSet);

        for (const value of ['Password1', 'Zq7wXkpm2', 'Zq7wXkpm3']) {
          const failed = await failedLoginPage(student, value);
          expect(failed.location, value).to.equal(undefined);
          expect(textOf(failed)).to.contain(MSG.loginFailed);
        }
        const ok = await failedLoginPage(student, 'Yh6tGbnm3');
        expect(ok.location ?? '').to.match(new RegExp(`^${RP.redirectUri}\\?code=`));
      });

      it('four values set at once (two tabs, a double click): one is stored, the others are told so', async () => {
        const racer = freshStudent();
        const b = newBrowser();
        const page = await secondPasswordScreen(b, racer);
        const values = ['Qa1wsXed4', 'Qa1wsXed5', 'Qa1wsXed6', 'Qa1wsXed7'];
        const results = await Promise.all(values.map((value) => submitSecond(value, value, page, b)));
        const winners = values.filter((_value, i) => textOf(results[i]!).includes(MSG.secondPasswordSet));
        expect(winners, results.map((r) => `${r.status} ${textOf(r).slice(0, 80)}`).join(' | ')).to.have.length(1);
        for (const result of results.filter((r) => !textOf(r).includes(MSG.secondPasswordSet))) {
          expect(result.status).to.equal(409);
          expect(textOf(result)).to.contain('第2パスワードは、別の画面で既に設定されています。');
        }
        const account = (await repositories().accounts.findOneBy({ directoryId: racer.userId }))!;
        expect(await argon2.verify(account.secondPasswordHash!, winners[0]!), 'the one stored is the one reported set').to.equal(true);
        const { dataSource, entities } = server.services.database;
        expect(await dataSource.getRepository(entities.PasswordHistory).countBy({ accountId: account.id, kind: 'second_password' })).to.equal(1);
        expect((await server.services.audit.list(account.id)).filter((e) => e.event === 'second_password.set')).to.have.length(1);
      });
    });

    // ---------------------------------------------------------------- 3. wrong credentials

    it('wrong password, unknown user, wrong or missing second password and a withdrawn student get one identical answer', async () => {
      const { student } = await completed();
      const withdrawn = server.students[server.students.length - 1]!;
      expect(withdrawn.status).to.equal('withdrawn');
      const attempts: Array<{ name: string; userId: string; password: string; second: string }> = [
        { name: 'wrong university password', userId: student.userId, password: 'Wrong-Pass-9x', second: NEW_SECOND_PASSWORD },
        { name: 'unknown user', userId: 'nosuchuser', password: student.password, second: NEW_SECOND_PASSWORD },
        { name: 'wrong second password', userId: student.userId, password: student.password, second: 'Wrong2ndPw9' },
        { name: 'missing second password', userId: student.userId, password: student.password, second: '' },
        { name: 'withdrawn student', userId: withdrawn.userId, password: withdrawn.password, second: NEW_SECOND_PASSWORD },
        { name: 'withdrawn student, no second password', userId: withdrawn.userId, password: withdrawn.password, second: '' },
      ];
      const texts: string[] = [];
      const statuses: number[] = [];
      for (const a of attempts) {
        const page = await failedLoginPage({ userId: a.userId, password: a.password }, a.second);
        expect(page.location, a.name).to.equal(undefined);
        expect(textOf(page), a.name).to.contain(MSG.loginFailed);
        expect(userIdValue(page), a.name).to.equal(a.userId);
        for (const secret of [a.password, a.second].filter(Boolean)) expect(page.html, `${a.name}: a password is echoed`).to.not.contain(escapeHtml(secret));
        findForm(page, /\/login$/);
        texts.push(textOf(page));
        statuses.push(page.status);
      }
      expect(statuses[0]).to.be.oneOf([200, 400, 401]);
      expect(new Set(statuses).size, `statuses ${statuses.join(',')}`).to.equal(1);
      // The visible text (user ID value and interaction id live in attributes) is the same every time.
      for (let i = 1; i < texts.length; i += 1) expect(texts[i], attempts[i]!.name).to.equal(texts[0]);
    });

    it('markup typed as user ID is echoed escaped, never as markup', async () => {
      const userId = '"><script>alert(1)</script><b x="';
      const page = await failedLoginPage({ userId, password: 'whatever1' }, '');
      expect(textOf(page)).to.contain(MSG.loginFailed);
      expect(page.html).to.not.contain('<script>alert(1)');
      expect(page.html).to.not.contain('<b x=');
      expect(userIdValue(page)).to.equal(escapeHtml(userId));
    });

    // ---------------------------------------------------------------- 4. throttling

    it('locks an account after perAccount.maxFailures failures: even the right credentials then get the generic error', async () => {
      const { maxFailures } = server.config.throttle.perAccount;
      expect(maxFailures).to.be.lessThan(server.config.throttle.perIp.maxFailures);
      const student = freshStudent();
      const lockedBefore = await lockedEvents();
      const wrong = await failedLoginPage({ userId: student.userId, password: 'Wrong-Pass-9x' }, '');
      expect(textOf(wrong)).to.contain(MSG.loginFailed);
      for (let i = 2; i < maxFailures; i += 1) {
        expect(textOf(await failedLoginPage({ userId: student.userId, password: `Wrong-Pass-${i}x` }, ''))).to.contain(MSG.loginFailed);
      }
      expect(await lockedEvents(), 'locked before maxFailures').to.equal(lockedBefore);
      expect(textOf(await failedLoginPage({ userId: student.userId, password: 'Wrong-Pass-last' }, ''))).to.contain(MSG.loginFailed);
      const lockedNow = (await server.services.audit.list()).filter((e) => e.event === 'login.locked');
      expect(lockedNow.length).to.equal(lockedBefore + 1);
      expect(lockedNow.at(-1)?.detail?.lockedNow).to.equal(true);

      // The right university password (which would lead to メールアドレス設定) now gets the same page.
      const locked = await failedLoginPage(student, '');
      expect(locked.location).to.equal(undefined);
      expect(textOf(locked)).to.equal(textOf(wrong));
      expect(locked.status).to.equal(wrong.status);
      expect(textOf(locked)).to.not.contain(MSG.emailSetup);
      expect(await lockedEvents()).to.equal(lockedBefore + 2);
      expect(await repositories().accounts.findOneBy({ directoryId: student.userId })).to.equal(null);

      // Only that account: another student signs in from the same address.
      const other = freshStudent();
      const otherPage = await failedLoginPage(other, '');
      expect(textOf(otherPage)).to.contain(MSG.emailSetup);
    });

    it('attempts sent in parallel get no more than perAccount.maxFailures credential checks', async () => {
      const { maxFailures } = server.config.throttle.perAccount;
      const student = freshStudent();
      // Below the per-address limit, so that only the account's key can refuse them.
      const burst = Math.min(maxFailures * 3, server.config.throttle.perIp.maxFailures - 1);
      expect(burst).to.be.greaterThan(maxFailures * 2);
      const audit = async () => {
        const events = await server.services.audit.list();
        return { failures: events.filter((e) => e.event === 'login.failure').length, locked: events.filter((e) => e.event === 'login.locked').length };
      };
      // Every login form first, then every post at once (as a scripted attacker would).
      const forms = await Promise.all(Array.from({ length: burst }, async () => {
        const browser = newBrowser();
        return { browser, page: (await openLogin(server, browser)).page };
      }));
      const before = await audit();
      const pages = await Promise.all(forms.map(({ browser, page }, i) => submitLogin(browser, page, { userId: student.userId, password: `Wrong-Pass-${i}x` })));
      const after = await audit();
      for (const page of pages) expect(textOf(page)).to.contain(MSG.loginFailed);
      const checked = after.failures - before.failures;
      // (Fewer may be checked: a count read while others are being made refuses conservatively.)
      expect(checked, `${checked} of ${burst} parallel attempts were checked`).to.be.at.most(maxFailures);
      expect(after.locked - before.locked, 'refused attempts are audited as login.locked').to.be.at.least(burst - checked);
      // And the right password is refused afterwards.
      expect(textOf(await failedLoginPage(student, ''))).to.contain(MSG.loginFailed);
    });

    it('locks a client address after perIp.maxFailures failures (X-Forwarded-For does not get round it)', async () => {
      const { maxFailures } = server.config.throttle.perIp;
      const lockedBefore = await lockedEvents();
      for (let i = 0; i < maxFailures; i += 1) {
        const page = await failedLoginPage({ userId: `ghost${i}`, password: 'Wrong-Pass-1x' }, '');
        expect(textOf(page)).to.contain(MSG.loginFailed);
      }
      expect(await lockedEvents()).to.equal(lockedBefore + 1);

      const student = freshStudent();
      const blocked = await failedLoginPage(student, '');
      expect(blocked.location).to.equal(undefined);
      expect(textOf(blocked)).to.contain(MSG.loginFailed);
      expect(textOf(blocked)).to.not.contain(MSG.emailSetup);

      const spoofing = new HttpBrowser({ headers: { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.9' } });
      const spoofed = await failedLoginPage(student, '', spoofing);
      expect(textOf(spoofed)).to.contain(MSG.loginFailed);
      const events = (await server.services.audit.list()).filter((e) => e.event === 'login.locked');
      expect(events.length).to.equal(lockedBefore + 3);
      expect(events.every((e) => e.ip !== '203.0.113.9')).to.equal(true);

      // Once the lock is lifted, the same credentials work: it was the lock that refused them.
      await repositories().throttle.clear();
      expect(textOf(await failedLoginPage(student, ''))).to.contain(MSG.emailSetup);
    });

    // ---------------------------------------------------------------- 5. CSRF

    it('a login post without a CSRF token, with another browser\'s token, or without cookies gets 403 and logs nobody in', async () => {
      const student = freshStudent();
      const browser = newBrowser();
      const { page } = await openLogin(server, browser);
      const form = findForm(page, /\/login$/);
      const action = new URL(form.action, page.url).toString();
      const credentials = { user_id: student.userId, password: student.password, second_password: '' };
      const auditBefore = (await server.services.audit.list()).length;

      const other = newBrowser();
      const otherToken = findForm((await openLogin(server, other)).page, /\/login$/).hidden._csrf!;
      expect(otherToken).to.not.equal(form.hidden._csrf);

      const { _csrf: _own, ...withoutToken } = form.hidden;
      const posts: Array<[string, HttpBrowser, URLSearchParams]> = [
        ['no token', browser, new URLSearchParams({ ...withoutToken, ...credentials })],
        ['empty token', browser, new URLSearchParams({ ...form.hidden, _csrf: '', ...credentials })],
        ['another browser\'s token', browser, new URLSearchParams({ ...form.hidden, _csrf: otherToken, ...credentials })],
        ['own token without cookies (cross-site)', new HttpBrowser(), new URLSearchParams({ ...form.hidden, ...credentials })],
      ];
      for (const [name, b, body] of posts) {
        const result = await b.request('POST', action, body);
        expect(result.status, name).to.equal(403);
        expect(result.location, name).to.equal(undefined);
        expect(textOf(result), name).to.contain(MSG.csrf);
        expectReadablePage(result);
      }
      expect((await server.services.audit.list()).length, 'audit events').to.equal(auditBefore);
      expect(await repositories().accounts.findOneBy({ directoryId: student.userId })).to.equal(null);

      // The same form with its own token still works.
      const ok = await submitLogin(browser, page, student);
      expect(textOf(ok)).to.contain(MSG.emailSetup);
    });

    // ---------------------------------------------------------------- 6. forgotten second password

    it('the forgotten-second-password answer is the same for an unknown address; only a registered one gets mail', async () => {
      const { email } = await completed();
      const unknown = 'nobody-here@example.ac.jp';
      const unfinished = freshStudent();
      await confirmEmailLink(newBrowser(), await registrationUrl(newBrowser(), unfinished)); // address registered, no second password yet

      const answers: Page[] = [];
      for (const address of [unknown, email, emailOf(unfinished), email.toUpperCase()]) {
        // A forged Host header must not steer the mailed URL (built from the issuer only).
        const browser = new HttpBrowser({ headers: { host: 'evil.example.test', 'x-forwarded-host': 'evil.example.test' } });
        const forgot = await browser.get(`${server.url}/students/second-password/forgot`);
        answers.push(await browser.submit(forgot, '/students/second-password/forgot', { email: address }));
      }
      for (const answer of answers) {
        expect(answer.status).to.equal(answers[0]!.status);
        expect(textOf(answer)).to.equal(textOf(answers[0]!));
        expect(textOf(answer)).to.contain(MSG.forgotSent);
      }
      expect(answers[0]!.status).to.equal(200);

      const first = await server.smtp.waitFor(email, (m) => m.subject.includes('第2パスワードの再設定'));
      expect(urlIn(first)).to.match(new RegExp(`^${server.url}/students/second-password/reset\\?token=`));
      const second = await server.smtp.waitFor(email, (m) => m.subject.includes('第2パスワードの再設定'));
      expect(urlIn(second)).to.not.equal(urlIn(first));
      // The later request replaced the earlier URL.
      expect((await newBrowser().get(urlIn(first))).status).to.equal(410);
      expect((await newBrowser().get(urlIn(second))).status).to.equal(200);

      const { outbox } = repositories();
      expect(await outbox.countBy({ recipient: unknown })).to.equal(0);
      expect(await outbox.findBy({ recipient: emailOf(unfinished) }).then((rows) => rows.filter((r) => r.subject.includes('再設定')).length)).to.equal(0);
      expect(server.smtp.mails.filter((m) => m.to.includes(unknown))).to.have.length(0);
    });

    // ---------------------------------------------------------------- 7. authorization code replay

    it('a replayed authorization code is refused and revokes the tokens of the first exchange', async () => {
      const { student } = await completed();
      const browser = newBrowser();
      const attempt = await beginAuthorization(await relyingParty(server));
      const page = await browser.get(attempt.url, RP.redirectUri);
      const callback = await submitLogin(browser, page, student, NEW_SECOND_PASSWORD);
      const tokens = await exchangeCode(attempt, callback);
      const sub = tokens.claims()!.sub;
      expect((await oidc.fetchUserInfo(attempt.client, tokens.access_token, sub)).sub).to.equal(sub);

      let replay: unknown;
      try {
        await exchangeCode(attempt, callback);
      } catch (error) {
        replay = error;
      }
      expect(replay, 'the second exchange succeeded').to.be.instanceOf(Error);
      expect((replay as { error?: string }).error).to.equal('invalid_grant');

      let userinfo: unknown;
      try {
        await oidc.fetchUserInfo(attempt.client, tokens.access_token, sub);
      } catch (error) {
        userinfo = error;
      }
      expect(userinfo, 'userinfo still answers with the revoked access token').to.be.instanceOf(Error);
      expect((userinfo as { status?: number; response?: Response }).status ?? (userinfo as { response?: Response }).response?.status).to.equal(401);
    });

    it('one authorization code sent to the token endpoint several times at once gives tokens once', async () => {
      const { student } = await completed();
      const browser = newBrowser();
      const attempt = await beginAuthorization(await relyingParty(server));
      const callback = await submitLogin(browser, await browser.get(attempt.url, RP.redirectUri), student, NEW_SECOND_PASSWORD);
      // The same request as openid-client makes it, six times at the same moment (a retrying or racing client).
      const code = new URL(callback.location!).searchParams.get('code')!;
      const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: RP.redirectUri, code_verifier: attempt.verifier });
      const answers = await Promise.all(Array.from({ length: 6 }, () => fetch(`${server.url}/token`, {
        method: 'POST', body, headers: { authorization: `Basic ${Buffer.from(`test-rp:${RP.secret}`).toString('base64')}` },
      })));
      const results = await Promise.all(answers.map(async (answer) => ({ status: answer.status, body: await answer.json() as { error?: string; access_token?: string } })));
      expect(results.filter((result) => result.status === 200), JSON.stringify(results.map((r) => r.status))).to.have.length(1);
      expect(results.filter((result) => result.status !== 200).map((result) => result.body.error)).to.deep.equal(Array(5).fill('invalid_grant'));
    });

    // ---------------------------------------------------------------- 8. malformed and oversized bodies

    describe('malformed and oversized form bodies', () => {
      async function loginForm(browser: HttpBrowser) {
        const { page } = await openLogin(server, browser);
        const form = findForm(page, /\/login$/);
        return { page, action: new URL(form.action, page.url).toString(), csrf: form.hidden._csrf! };
      }

      it('a 100 KB login post gets 413 and a readable page', async () => {
        const browser = newBrowser();
        const { action, csrf } = await loginForm(browser);
        const body = new URLSearchParams({ _csrf: csrf, user_id: 'a'.repeat(100 * 1024), password: 'x', second_password: '' });
        const result = await browser.request('POST', action, body);
        expect(result.status).to.equal(413);
        expect(textOf(result)).to.contain(MSG.tooLarge);
        expectReadablePage(result);
      });

      it('repeated, array and object fields get the login page with a message', async () => {
        const browser = newBrowser();
        const { action, csrf, page } = await loginForm(browser);
        const token = encodeURIComponent(csrf);
        for (const body of [
          rawForm([['_csrf', token], ['user_id', 'a'], ['user_id', 'b'], ['password', 'x'], ['second_password', '']]),
          rawForm([['_csrf', token], ['user_id[]', 'a'], ['password', 'x'], ['second_password', '']]),
          rawForm([['_csrf', token], ['user_id[a]', 'b'], ['password[__proto__]', 'x'], ['second_password', '']]),
          rawForm([['_csrf', token], ['user_id', 't0001'], ['password', 'x'], ['password', 'y'], ['second_password', '']]),
        ]) {
          const result = await browser.request('POST', action, body);
          expect(result.status, body).to.equal(page.status);
          expectReadablePage(result);
          findForm(result, /\/login$/);
          expect(textOf(result), body).to.match(/(ユーザID|パスワード)の入力内容が正しくありません。/);
        }
        // A repeated CSRF field is no token at all.
        const twice = await browser.request('POST', action, rawForm([['_csrf', token], ['_csrf', token], ['user_id', 'a'], ['password', 'x'], ['second_password', '']]));
        expect(twice.status).to.equal(403);
        expectReadablePage(twice);
      });

      it('a JSON body, a text body, an unknown charset and a missing body get a 4xx page or the login page with a message', async () => {
        const browser = newBrowser();
        const { action, csrf } = await loginForm(browser);
        const fields = { _csrf: csrf, user_id: 't0001', password: 'x', second_password: '' };
        const cases: Array<[string, string | undefined, Record<string, string>]> = [
          ['json', JSON.stringify(fields), { 'content-type': 'application/json' }],
          ['text', 'hello', { 'content-type': 'text/plain' }],
          ['unknown charset', new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded; charset=x-unknown-42' }],
          ['no body', undefined, {}],
        ];
        for (const [name, body, headers] of cases) {
          const result = await browser.request('POST', action, body, headers);
          expect(result.location, name).to.equal(undefined);
          expectReadablePage(result);
          if (result.status === 200) {
            findForm(result, /\/login$/);
            expect(textOf(result), name).to.contain(MSG.loginFailed);
          } else {
            expect(result.status, name).to.be.within(400, 499);
            expect(textOf(result), name).to.contain('エラー');
          }
        }
      });

      it('invalid percent-encoding gets a page, never a 500, and the server still works afterwards', async () => {
        const browser = newBrowser();
        const { action, csrf, page } = await loginForm(browser);
        const token = encodeURIComponent(csrf);
        for (const body of [
          rawForm([['_csrf', token], ['user_id', '%E0%A4%A'], ['password', '%'], ['second_password', '%ZZ']]),
          rawForm([['_csrf', token], ['user_id', '%FF%FE'], ['password', '%C0%80'], ['second_password', '']]),
          rawForm([['_csrf', token], ['user_id', 't0001%00'], ['password', '%00'], ['second_password', '']]),
          `${rawForm([['_csrf', token], ['user_id', 'x']])}&&&=&%=%&password=x&second_password=`,
        ]) {
          const result = await browser.request('POST', action, body);
          expect(result.status, body).to.be.below(500);
          expectReadablePage(result);
          if (result.status === 200) {
            findForm(result, /\/login$/);
            expect(textOf(result), body).to.match(/正しくありません|入力してください|入力内容を確認してください/);
          }
        }
        // Still serving: discovery and a login page, and a real login goes through.
        const discovery = await fetch(`${server.url}/.well-known/openid-configuration`);
        expect(discovery.status).to.equal(200);
        const fresh = await openLogin(server, newBrowser());
        expect(fresh.page.status).to.equal(200);
        findForm(fresh.page, /\/login$/);
        expect(page.status).to.equal(200);
        const { student } = await completed();
        const good = await failedLoginPage(student, NEW_SECOND_PASSWORD);
        expect(good.location ?? '').to.match(new RegExp(`^${RP.redirectUri}\\?code=`));
      });
    });

    // ---------------------------------------------------------------- 9. stale interactions

    it('a post from another browser and a post to a finished login show the "login expired" page (400); their address opened elsewhere leads to a fresh login (issue 10)', async () => {
      const expectExpired = (page: Page, what: string) => {
        expect(page.status, what).to.equal(400);
        expect(textOf(page), what).to.contain(MSG.sessionExpiredTitle).and.contain(MSG.sessionExpired);
        expectReadablePage(page);
      };
      // An address this service does not know (or no longer keeps): the account menu's login.
      const unknown = await newBrowser().request('GET', `${server.url}/interaction/doesnotexist`);
      expect(unknown.status, 'GET unknown').to.equal(302);
      expect(unknown.location).to.equal(`${server.url}/account`);

      const { student } = await completed();
      const browser = newBrowser();
      const { page } = await openLogin(server, browser);
      const uid = new URL(page.url).pathname.split('/')[2]!;
      // Another browser cannot use (or even see) this login: it is told to log in at the service (test-rp has no login start).
      const intruder = newBrowser();
      const elsewhere = await intruder.get(page.url);
      expect(elsewhere.status, 'GET from another browser').to.equal(200);
      expect(textOf(elsewhere)).to.contain('ログインのご案内').and.not.contain(MSG.loginFailed);
      expect(elsewhere.html).to.not.match(/<form[^>]*\/login"/);
      expectReadablePage(elsewhere);
      const intruderToken = findForm((await openLogin(server, intruder)).page, /\/login$/).hidden._csrf!;
      expectExpired(await intruder.request('POST', `${server.url}/interaction/${uid}/login`, new URLSearchParams({
        _csrf: intruderToken, user_id: student.userId, password: student.password, second_password: NEW_SECOND_PASSWORD,
      })), 'POST from another browser');

      const callback = await submitLogin(browser, page, student, NEW_SECOND_PASSWORD);
      expect(callback.location ?? '').to.match(new RegExp(`^${RP.redirectUri}\\?code=`));
      // The same (finished) login form posted again, e.g. from the back button.
      expectExpired(await browser.submit(page, /\/login$/, { user_id: student.userId, password: student.password, second_password: NEW_SECOND_PASSWORD }), 'POST finished');
      const finished = await browser.request('GET', page.url);
      expect(finished.status, 'GET finished').to.equal(302);
      expect(finished.location).to.equal(`${server.url}/account`);
    });
  });

  describe(`security: the client-address lock behind a proxy (${db.name})`, function () {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(db, (config) => {
        config.env.trustProxy = true;
        config.throttle.perIp = { maxFailures: 3, windowMinutes: 15, lockMinutes: 15 };
      });
    });
    after(async () => { await server?.stop(); });

    it('counts an IPv6 client by its /64: other addresses of that network are locked too, another network is not', async () => {
      const from = (ip: string) => new HttpBrowser({ headers: { 'x-forwarded-for': ip } });
      const login = async (ip: string, student: Pick<TestStudent, 'userId' | 'password'>) => {
        const browser = from(ip);
        return submitLogin(browser, (await openLogin(server, browser)).page, student, '');
      };
      const locked = async () => (await server.services.audit.list()).filter((e) => e.event === 'login.locked');
      // Each failure from another address of one /64, as a client rotating its addresses sends them.
      for (let i = 1; i <= 3; i += 1) {
        expect(textOf(await login(`2001:db8:7:1::${i}`, { userId: `ghost${i}`, password: 'Wrong-Pass-1x' }))).to.contain(MSG.loginFailed);
      }
      expect(await locked()).to.have.length(1);

      const [student, other] = server.students.filter((s) => s.status === 'enrolled');
      const refused = await login('2001:db8:7:1:a:b:c:d', student!);
      expect(textOf(refused)).to.contain(MSG.loginFailed).and.not.contain(MSG.emailSetup);
      const events = await locked();
      expect(events).to.have.length(2);
      // The audit log keeps the address itself, not its network.
      expect(events[1]!.ip).to.equal('2001:db8:7:1:a:b:c:d');

      // The next /64 and an IPv4 client have budgets of their own.
      expect(textOf(await login('2001:db8:7:2::1', student!))).to.contain(MSG.emailSetup);
      expect(textOf(await login('192.0.2.10', other!))).to.contain(MSG.emailSetup);
    });
  });
}
