import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible } from '../support/axe.js';
import { openContext, PHONE, shoot, VIEWPORTS, startChromiumAndServer, stopChromiumAndServer } from '../support/chromium.js';
import { approveApplication } from '../../src/staff/review/service.js';
import { DATABASES, type TestServer } from '../support/harness.js';
import { reviewer, seedApplication } from '../support/review.js';
import { nextCode, type StaffCredentials } from '../support/staff.js';

// A clerk's day in headless Chromium (DESIGN §2.3): twenty applications in the queue — filter, sort,
// open a row, compare the data with the zoomed and rotated document, decide (承認 with its confirmation,
// 却下 and 再申請の依頼 with standard reasons), 次の申請へ, until the queue is empty. axe on every
// screen of the review at 1280 and 375 px. One browser, one signed-in context (the phone context
// reuses its cookies); screenshots in test-artifacts/screenshots/staff/review/.

const db = DATABASES[0];

(db ? describe : describe.skip)(`staff review: a clerk's day in Chromium (${db?.name ?? 'no database'})`, function () {
  this.timeout(180_000);
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let creds: StaffCredentials;

  before(async () => {
    ({ browser, server } = await startChromiumAndServer(db!));
    creds = (await reviewer(server, '窓口 さくら')).creds;
    ({ context, page } = await openContext(browser, VIEWPORTS[0]!));
    await page.goto(`${server.url}/admin/login`);
    await page.getByLabel('ログインID').fill(creds.loginId);
    await page.getByLabel('パスワード').fill(creds.password);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByLabel('確認コード').fill(await nextCode(creds));
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await page.waitForURL(/\/admin\/applications$/);
  });
  after(() => stopChromiumAndServer(browser, server));

  const screen = (name: string) => shoot(page, 'staff/review', `desktop-${name}`);

  it('works through twenty applications: filter, sort, open, zoom, decide with standard reasons, 次の申請へ until the queue is empty', async () => {
    // Twenty awaiting review: two past the 5-day target; one 学籍番号追加 (by the graduate of the first,
    // approved at once) that the filter leaves out.
    const applications = [];
    for (let i = 0; i < 19; i += 1) applications.push(await seedApplication(server, { daysAgo: i < 3 ? 8 - i : 1 + (i % 3) }));
    const holder = applications[0]!;
    const { accountId } = await approveApplication(server.services, { id: 'setup' }, { applicationId: holder.id });
    const enrollment = await seedApplication(server, { purpose: 'enrollment', accountId: accountId!, form: { student_number: 'E7000001' } });
    applications.shift();
    applications.push(await seedApplication(server, { daysAgo: 2 }));

    await page.goto(`${server.url}/admin/applications`);
    await page.getByText('全20件', { exact: true }).waitFor();
    expect(await page.locator('.queue-row--overdue').count()).to.equal(2);
    await expectAccessible(page, 'queue, desktop');
    await screen('01-queue');

    // Filter: 申請の内容 = 利用申請 leaves the 学籍番号追加 out.
    await page.getByLabel('申請の内容（利用申請・学籍番号追加・個人情報変更）').selectOption('account');
    await page.getByRole('button', { name: '絞り込む', exact: true }).click();
    await page.getByText('全19件', { exact: true }).waitFor();
    expect(await page.content()).to.not.contain(enrollment.id);
    // Sort by 申請日時 newest first, then back to oldest first.
    const firstEmail = () => page.locator('tr.queue-row').first().locator('.muted').textContent();
    const oldest = await firstEmail();
    await page.getByRole('link', { name: '申請日時', exact: true }).click();
    await page.waitForURL(/dir=desc/);
    expect(await page.locator('th[aria-sort="descending"]').count()).to.equal(1);
    expect(await firstEmail()).to.not.equal(oldest);
    await page.getByRole('link', { name: '申請日時', exact: true }).click();
    await page.waitForURL((url) => !url.search.includes('dir=desc'));
    expect(await page.locator('th[aria-sort="ascending"]').count()).to.equal(1);
    expect(await firstEmail()).to.equal(oldest);
    await screen('02-queue-filtered-sorted');

    // The whole row opens the application: click its student number cell (not the link).
    const lastCell = page.locator('tr.queue-row').first().locator('td').last();
    await lastCell.scrollIntoViewIfNeeded();
    const cell = (await lastCell.boundingBox())!;
    await page.mouse.click(cell.x + cell.width / 2, cell.y + cell.height / 2);
    await page.waitForURL(/\/admin\/applications\/[0-9a-f-]{36}\?purpose=account/);

    let decided = 0;
    const seen = new Set<string>();
    for (;;) {
      const id = new URL(page.url()).pathname.split('/').pop()!;
      expect(seen.has(id), `opened twice: ${id}`).to.equal(false);
      seen.add(id);
      await page.getByRole('heading', { level: 1, name: '申請内容' }).waitFor();

      if (decided === 0) {
        // Two columns at 1280 px: the viewer beside the data, and still in view (sticky) after scrolling.
        const data = (await page.locator('.review__data').boundingBox())!;
        const viewer = (await page.locator('.viewer').boundingBox())!;
        expect(viewer.x).to.be.greaterThan(data.x + data.width - 1);
        // One image at a time, chosen by its label; 裏面 and back to 表面.
        await page.getByRole('button', { name: '裏面', exact: true }).click();
        await page.locator('figure[data-viewer]').nth(1).getByText('裏面', { exact: true }).waitFor();
        expect(await page.locator('figure[data-viewer]').first().isHidden()).to.equal(true);
        await page.getByRole('button', { name: '表面', exact: true }).click();
        const front = page.locator('figure[data-viewer]').first();
        await front.getByText('表面', { exact: true }).waitFor();
        const before = (await front.locator('img').boundingBox())!;
        await front.getByRole('button', { name: '拡大' }).click();
        await front.getByRole('button', { name: '拡大' }).click();
        await front.locator('output').filter({ hasText: '200%' }).waitFor();
        const zoomed = (await front.locator('img').boundingBox())!;
        expect(zoomed.width).to.be.closeTo(before.width * 2, 2);
        await front.getByRole('button', { name: '回転' }).click();
        expect(await front.locator('img').evaluate((img) => (img as HTMLElement).style.transform)).to.equal('rotate(90deg)');
        await expectAccessible(page, 'review page, desktop');
        await screen('03-review');
        // The decision panel beside them, in view with the document.
        const panel = (await page.locator('.decision-panel').boundingBox())!;
        expect(panel.x).to.be.greaterThan(viewer.x + viewer.width - 1);
        // Scrolled down to the data's lower part, the viewer and the panel stay at the top of the window (sticky).
        await page.evaluate(() => window.scrollTo(0, 700));
        expect(await page.evaluate(() => window.scrollY)).to.equal(700);
        for (const sticky of ['.viewer', '.decision-panel']) expect((await page.locator(sticky).boundingBox())!.y, sticky).to.be.within(0, 20);
        await page.screenshot({ path: 'test-artifacts/screenshots/staff/review/desktop-03-review-scrolled.png' });
        await page.evaluate(() => window.scrollTo(0, 0));
      }

      const decision = decided % 3;
      if (decision === 0) {
        await page.getByRole('button', { name: '承認する', exact: true }).click();
        await page.getByRole('heading', { level: 1, name: '承認の確認' }).waitFor();
        if (decided === 0) {
          await expectAccessible(page, 'approval confirmation, desktop');
          await screen('04-confirm');
        }
        await page.getByRole('button', { name: '承認する', exact: true }).click();
        await page.getByText('承認しました。', { exact: true }).waitFor();
      } else if (decision === 1) {
        await page.getByRole('checkbox', { name: '申請内容と本人確認書類の記載内容が一致しませんでした。' }).check();
        await page.getByLabel('却下の理由（自由記述・定型文への追記）').fill('生年月日をご確認ください。');
        await page.getByRole('button', { name: '却下する', exact: true }).click();
        await page.getByText('却下しました。', { exact: true }).waitFor();
      } else {
        await page.getByRole('checkbox', { name: '本人確認書類の裏面の画像も添付してください。' }).check();
        await page.getByRole('button', { name: '再申請を依頼する', exact: true }).click();
        await page.getByText('再申請を依頼しました。', { exact: true }).waitFor();
      }
      decided += 1;
      if (decided === 1) await expectAccessible(page, 'decision done, desktop');
      await page.getByRole('link', { name: '次の申請へ', exact: true }).click();
      await page.waitForLoadState('load');
      if (await page.getByText('この絞り込み条件で審査待ちの申請は、もうありません。', { exact: true }).isVisible()) break;
    }
    expect(decided).to.equal(19);
    await expectAccessible(page, 'queue empty, desktop');
    await screen('05-queue-done');

    const rejected = applications.find((a) => a.id === [...seen][1]);
    const mail = await server.smtp.waitFor(rejected!.email, (m) => m.subject.includes('利用申請結果のお知らせ'));
    expect(mail.text).to.contain('・申請内容と本人確認書類の記載内容が一致しませんでした。\n生年月日をご確認ください。');
    const { rows } = await server.services.applications.queue({ statuses: ['submitted', 'resubmitted'], purpose: 'account' });
    expect(rows).to.deep.equal([]);
    // The 学籍番号追加 that the filter left out still waits.
    expect((await server.services.applications.findById(enrollment.id))!.status).to.equal('submitted');
  });

  it('every screen of the review passes axe at 375 px (the signed-in context reused), with an error state', async () => {
    const application = await seedApplication(server, { form: { name_kanji: '携帯 確認' } });
    const phone = await browser.newContext({ ...PHONE.options, locale: 'ja-JP', storageState: await context.storageState() });
    try {
      const small = await phone.newPage();
      const at = (name: string) => shoot(small, 'staff/review', `phone-${name}`);
      await small.goto(`${server.url}/admin/applications?status=all`);
      await small.getByRole('heading', { level: 1, name: '申請一覧' }).waitFor();
      await expectAccessible(small, 'queue, phone');
      await at('01-queue');
      await small.goto(`${server.url}/admin/applications/${application.id}`);
      await small.getByRole('button', { name: '表面', exact: true }).waitFor();
      await expectAccessible(small, 'review page, phone');
      await at('02-review');
      // An error state: 却下 without a reason.
      await small.getByRole('button', { name: '却下する', exact: true }).click();
      await small.getByText('理由（定型文または自由記述）を入力してください', { exact: false }).first().waitFor();
      await expectAccessible(small, 'review page with an error, phone');
      await at('03-review-error');
      await small.getByRole('button', { name: '承認する', exact: true }).click();
      await small.getByRole('heading', { level: 1, name: '承認の確認' }).waitFor();
      await expectAccessible(small, 'approval confirmation, phone');
      await at('04-confirm');
      await small.getByRole('button', { name: '承認する', exact: true }).click();
      await small.getByText('承認しました。', { exact: true }).waitFor();
      await expectAccessible(small, 'decision done, phone');
      await at('05-done');
    } finally {
      await phone.close();
    }
  });
});
