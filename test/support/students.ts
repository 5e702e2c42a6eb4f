import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { textOf, type HttpBrowser } from './browser.js';
import { openLogin, submitLogin } from './flows.js';
import type { TestServer, TestStudent } from './harness.js';
import { urlIn } from './smtp.js';

// The current student's first steps as the security suites need them (test/students/security.test.ts,
// test/ops/security.test.ts): one-time URLs and what is stored of them.

/** The address a test registers for a student. */
export const emailOf = (student: Pick<TestStudent, 'userId'>) => `${student.userId}@example.ac.jp`;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** The token of a one-time URL. */
export function tokenOf(url: string): string {
  const token = new URL(url).searchParams.get('token');
  if (!token) throw new Error(`no token in ${url}`);
  return token;
}

/** S1 up to the mailed one-time URL (not opened). */
export async function registrationUrl(server: TestServer, browser: HttpBrowser, student: TestStudent, email = emailOf(student)): Promise<string> {
  const { page } = await openLogin(server, browser);
  const emailPage = await submitLogin(browser, page, student);
  expect(textOf(emailPage)).to.contain('メールアドレス設定');
  const sent = await browser.submit(emailPage, /\/email$/, { email, email_confirm: email });
  expect(textOf(sent)).to.contain('確認メールを送信しました');
  const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('メールアドレスの登録'));
  return urlIn(mail);
}
