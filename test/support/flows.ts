import { expect } from 'chai';
import type { HttpBrowser, Page } from './browser.js';
import { linkByText, textOf } from './browser.js';
import { confirmEmailLink } from './email-links.js';
import { urlIn } from './smtp.js';
import { beginAuthorization, exchangeCode, relyingParty, RP, type AuthorizationAttempt, type TestServer, type TestStudent } from './harness.js';

export const NEW_SECOND_PASSWORD = 'Second2ndPw';

/** Opens the client's authorization URL and returns the login page. */
export async function openLogin(server: TestServer, browser: HttpBrowser, extra: Record<string, string> = {}): Promise<{ attempt: AuthorizationAttempt; page: Page }> {
  const attempt = await beginAuthorization(await relyingParty(server), extra);
  const page = await browser.get(attempt.url, RP.redirectUri);
  return { attempt, page };
}

export function submitLogin(browser: HttpBrowser, page: Page, student: Pick<TestStudent, 'userId' | 'password'>, secondPassword = ''): Promise<Page> {
  return browser.submit(page, /\/login$/, { user_id: student.userId, password: student.password, second_password: secondPassword }, RP.redirectUri);
}

/**
 * S1 + S2 as the manual describes them: login with an empty second password, register the
 * address through the mailed URL, go back to the login, set the second password, OK → client.
 */
export async function firstLogin(server: TestServer, browser: HttpBrowser, student: TestStudent, email: string, secondPassword = NEW_SECOND_PASSWORD) {
  const { attempt, page } = await openLogin(server, browser);
  const emailPage = await submitLogin(browser, page, student);
  expect(textOf(emailPage)).to.contain('メールアドレス設定');
  const sent = await browser.submit(emailPage, /\/email$/, { email, email_confirm: email });
  expect(textOf(sent)).to.contain('確認メールを送信しました');
  const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('メールアドレスの登録'));
  const done = await confirmEmailLink(browser, urlIn(mail));
  expect(textOf(done)).to.contain('メールアドレス設定完了');
  const secondPage = await browser.get(linkByText(done, 'ログインページへ移動'), RP.redirectUri);
  expect(textOf(secondPage)).to.contain('第2パスワード設定');
  const setDone = await browser.submit(secondPage, /\/second-password$/, { second_password: secondPassword, second_password_confirm: secondPassword });
  expect(textOf(setDone)).to.contain('第2パスワードが設定されました');
  const callback = await browser.get(linkByText(setDone, 'OK'), RP.redirectUri);
  return { attempt, callback, tokens: await exchangeCode(attempt, callback) };
}

/** S3: a complete login of a student who has finished the first-login steps. */
export async function fullLogin(server: TestServer, browser: HttpBrowser, student: TestStudent, secondPassword = NEW_SECOND_PASSWORD, extra: Record<string, string> = {}) {
  const { attempt, page } = await openLogin(server, browser, extra);
  const callback = await submitLogin(browser, page, student, secondPassword);
  return { attempt, callback, tokens: await exchangeCode(attempt, callback) };
}
