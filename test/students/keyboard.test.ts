/**
 * S1 → S2 → S3 (manual 000_…) with the keyboard only, in Chromium: Tab and Shift+Tab move the focus,
 * typing fills the fields, Enter presses buttons and follows links; no click anywhere. Every element
 * the focus stops on must show a visible focus indicator (test/support/keyboard.ts).
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { openContext, VIEWPORTS, startChromiumAndServer, stopChromiumAndServer } from '../support/chromium.js';
import { beginAuthorization, DATABASES, relyingParty, RP, type TestServer } from '../support/harness.js';
import { press, tabTo, typeInto } from '../support/keyboard.js';
import { urlIn } from '../support/smtp.js';

const db = DATABASES[0];
const SECOND_PASSWORD = 'Keyboard2ndPw';

(db ? describe : describe.skip)(`current-student journey with the keyboard only (${db?.name ?? 'no database'})`, function () {
  this.timeout(90_000);
  let server: TestServer;
  let browser: Browser;

  before(async () => { ({ browser, server } = await startChromiumAndServer(db!)); });
  after(() => stopChromiumAndServer(browser, server));

  it('S1 email registration → S2 second password → S3 login, Tab/Shift+Tab/Enter only, the focus always visible', async () => {
    const student = server.students[0]!;
    const email = 'keyboard@example.ac.jp';
    const { context, page } = await openContext(browser, VIEWPORTS[0]!);

    // ---- S1: the login with the second password empty.
    const attempt = await beginAuthorization(await relyingParty(server));
    await page.goto(attempt.url);
    // The first Tab reaches the skip link, which is shown when focused and leads to the content.
    await tabTo(page, page.locator('a.skip'), { max: 1 });
    await typeInto(page, page.getByLabel('ユーザID', { exact: true }), student.userId);
    await typeInto(page, page.getByLabel('パスワード', { exact: true }), student.password);
    await press(page, page.getByRole('button', { name: 'ログイン', exact: true }));

    await page.getByRole('heading', { level: 1, name: 'メールアドレス設定' }).waitFor();
    await typeInto(page, page.locator('#email'), email);
    await typeInto(page, page.locator('#email_confirm'), `typo-${email}`);
    // A typo in the confirmation: go back with Shift+Tab from the button and correct it.
    await tabTo(page, page.getByRole('button', { name: '確認', exact: true }));
    await tabTo(page, page.locator('#email_confirm'), { backwards: true });
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(email);
    await press(page, page.getByRole('button', { name: '確認', exact: true }));
    await page.getByText('確認メールを送信しました。', { exact: true }).waitFor();

    const mail = await server.smtp.waitFor(email, (m) => m.text.includes('/students/email/confirm'));
    await page.goto(urlIn(mail));
    await press(page, page.getByRole('button', { name: 'メールアドレスを設定する', exact: true }));
    await page.getByRole('heading', { level: 1, name: 'メールアドレス設定完了' }).waitFor();
    await press(page, page.getByRole('link', { name: 'ログインページへ移動', exact: true }));

    // ---- S2: 第2パスワード設定, first against the rules, then right.
    await page.getByRole('heading', { level: 1, name: '第2パスワード設定' }).waitFor();
    await typeInto(page, page.locator('#second_password'), 'abc');
    await typeInto(page, page.locator('#second_password_confirm'), 'abc');
    await press(page, page.getByRole('button', { name: '設定', exact: true }));
    await page.getByRole('alert').first().waitFor();
    await typeInto(page, page.locator('#second_password'), SECOND_PASSWORD);
    await typeInto(page, page.locator('#second_password_confirm'), SECOND_PASSWORD);
    await press(page, page.getByRole('button', { name: '設定', exact: true }));
    await page.getByText('第2パスワードが設定されました', { exact: true }).waitFor();
    const first = page.waitForRequest((request) => request.url().startsWith(RP.redirectUri));
    await press(page, page.getByRole('link', { name: 'OK', exact: true }));
    expect(new URL((await first).url()).searchParams.get('code')).to.be.a('string');
    await context.close();

    // ---- S3: a new browser, all three values.
    const again = await openContext(browser, VIEWPORTS[0]!);
    const login = await beginAuthorization(await relyingParty(server));
    await again.page.goto(login.url);
    await typeInto(again.page, again.page.getByLabel('ユーザID', { exact: true }), student.userId);
    await typeInto(again.page, again.page.getByLabel('パスワード', { exact: true }), student.password);
    await typeInto(again.page, again.page.getByLabel('第2パスワード', { exact: true }), SECOND_PASSWORD);
    const callback = again.page.waitForRequest((request) => request.url().startsWith(RP.redirectUri));
    await press(again.page, again.page.getByRole('button', { name: 'ログイン', exact: true }));
    expect(new URL((await callback).url()).searchParams.get('code')).to.be.a('string');
    await again.context.close();
  });
});
