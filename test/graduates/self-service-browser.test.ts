import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openContext, PHONE, shoot as shootScreen } from '../support/chromium.js';
import { approveApplication } from '../../src/staff/review/service.js';
import { DATABASES, startTestServer, type TestServer } from '../support/harness.js';
import { approvedGraduate, firstGraduateLogin, NEW_PASSWORD, NEW_SECOND, STAFF } from '../support/graduates.js';
import { urlIn } from '../support/smtp.js';

// G5 学籍番号追加登録 (manual 002 §2.3) in headless Chromium on a 375-px phone, by the visible labels;
// screenshots in test-artifacts/screenshots/account/. The approval is made directly (the console is
// tested over HTTP in self-service.test.ts).

const db = DATABASES[0];

(db ? describe : describe.skip)(`G5 in Chromium on a phone (${db?.name ?? 'no database'})`, function () {
  this.timeout(60_000);
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    [browser, server] = await Promise.all([
      launchChromium(),
      startTestServer(db!),
    ]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const shoot = (page: Page, name: string) => shootScreen(page, 'account/g5', `phone-${name}`);

  it('学籍番号追加登録: 送信 → 申請完了 → mail → form → 確認 → 申請 → 申請完了 → (approval) → mail', async () => {
    const email = 'g5-phone@example.com';
    await firstGraduateLogin(server, email, await approvedGraduate(server, email));
    const { context, page } = await openContext(browser, PHONE);

    // 卒業生ログイン through the account menu.
    await page.goto(`${server.url}/account?login_type=graduate`);
    await page.getByLabel('メールアドレス').fill(email);
    await page.getByLabel('パスワード', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('第2パスワード').fill(NEW_SECOND);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.waitForURL(/\/account$/);

    await page.goto(`${server.url}/account/enrollments/new`);
    await page.getByText('学籍番号が複数ある方のみ実施してください', { exact: false }).waitFor();
    await shoot(page, '01-enrollment-notes');
    await page.getByRole('button', { name: '送信', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '申請完了' }).waitFor();
    await shoot(page, '02-enrollment-requested');

    const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('学籍番号追加'));
    await page.goto(urlIn(mail));
    await page.getByRole('button', { name: '登録を続ける', exact: true }).waitFor();
    await shoot(page, '03-enrollment-landing');
    await page.getByRole('button', { name: '登録を続ける', exact: true }).click();
    await page.getByLabel(/^学籍番号/).waitFor();
    await page.getByRole('heading', { level: 1, name: '学籍番号追加登録' }).waitFor();
    await shoot(page, '03-enrollment-form');
    await page.getByLabel(/^在学時氏名（漢字）/).fill('電電 太郎');
    await page.getByLabel(/^在学時氏名（カタカナ）/).fill('電電 太郎');
    // 大学名 → 学部名 → 学科名: three dependent selects (filtered in place with JavaScript).
    await page.getByLabel(/^大学名\s*(必須)?$/).selectOption({ label: 'サンプル大学大学院' });
    await page.getByLabel(/^学部名\s*(必須)?$/).selectOption({ label: '工学研究科' });
    await page.getByLabel(/^学科名\s*(必須)?$/).selectOption({ label: '情報工学専攻' });
    await page.getByLabel(/^学籍番号/).fill('M2409999');
    await page.getByLabel(/^卒業（修了）年月/).fill('2024-03');
    await page.getByRole('button', { name: '確認', exact: true }).click();
    // The kana field in kanji is answered on the same page, nothing else lost.
    await page.getByText('全角カタカナで入力し', { exact: false }).first().waitFor();
    expect(await page.getByLabel(/^学籍番号/).inputValue()).to.equal('M2409999');
    await shoot(page, '04-enrollment-form-error');
    await page.getByLabel(/^在学時氏名（カタカナ）/).fill('デンデン タロウ');
    await page.getByText('卒業（修了）', { exact: true }).click();
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '申請内容の確認' }).waitFor();
    await shoot(page, '05-enrollment-confirm');
    await page.getByRole('button', { name: '申請', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '申請完了' }).waitFor();
    await shoot(page, '06-enrollment-done');

    const { dataSource, entities } = server.services.database;
    const application = await dataSource.getRepository(entities.Application).findOneByOrFail({ email, purpose: 'enrollment' });
    await approveApplication(server.services, STAFF, { applicationId: application.id });
    const done = await server.smtp.waitFor(email, (m) => m.text.includes('学籍番号の追加登録が完了しました'));
    expect(done.text).to.contain('M2409999');
    await context.close();
  });
});
