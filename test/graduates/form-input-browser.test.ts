/**
 * Issue #13 (forms) in a real headless Chromium, with JavaScript and without it: after a failed
 * submit the error summary has the focus and its links move the focus to their fields; 大学名 → 学部名 →
 * 学科名 filter in place (JavaScript) or through 選択 (none); a chosen identity-document file is added
 * when chosen (JavaScript) or by 確認 (none) — never dropped.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { expectAccessible } from '../support/axe.js';
import { heading, PHONE, text, startChromiumAndServer, stopChromiumAndServer } from '../support/chromium.js';
import { DATABASES, type TestServer } from '../support/harness.js';
import { pngImage } from '../support/images.js';
import { urlIn } from '../support/smtp.js';

/** One database (the pages do not depend on it). */
const db = DATABASES[0];

function field(scope: Page | Locator, label: string): Locator {
  return scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(必須)?$`));
}

(db ? describe : describe.skip)(`application form in Chromium, with and without JavaScript (${db?.name ?? 'no database'})`, function () {
  this.timeout(90_000);
  let server: TestServer;
  let browser: Browser;
  before(async () => { ({ browser, server } = await startChromiumAndServer(db!)); });
  after(() => stopChromiumAndServer(browser, server));

  /** G1 up to 申請者情報登録 in this context: the address, the mailed URL, 利用許諾. */
  async function applicationForm(context: BrowserContext, email: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${server.url}/graduates/apply`);
    await field(page, 'メールアドレス').fill(email);
    await field(page, 'メールアドレス（確認）').fill(email);
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await text(page, '確認メールを送信しました。');
    await page.goto(urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請の手続き'))));
    await page.getByRole('button', { name: '申請を続ける', exact: true }).click();
    await page.getByRole('checkbox', { name: '上記内容に同意する', exact: true }).check();
    await page.getByRole('button', { name: '同意する', exact: true }).click();
    await heading(page, '申請者情報登録');
    return page;
  }

  async function fillRequired(page: Page): Promise<void> {
    await field(page, '氏名（漢字）').fill('電電 太郎');
    await field(page, '氏名（カタカナ）').fill('デンデン タロウ');
    await field(page, '氏名（ローマ字）').fill('DENDEN TAROU');
    await field(page, '生年月日').fill('１９９９年９月９日');
    await field(page, '最終在学年月').fill('2015/03');
    await page.getByRole('radio', { name: '卒業（修了）', exact: true }).check();
  }

  const options = (select: Locator) => select.locator('option').evaluateAll((list) => list.map((o) => o.textContent!.trim()).slice(1));

  it('with JavaScript: the summary takes the focus and its links lead to the fields; the selects filter in place; Enter means 確認; a chosen file is added at once', async () => {
    const context = await browser.newContext({ ...PHONE.options, locale: 'ja-JP' });
    const page = await applicationForm(context, 'js-on@example.com');
    // Nothing typed: the summary, focused, counts and links the problems.
    await page.getByRole('radio', { name: '新規', exact: true }).uncheck().catch(() => undefined);
    await field(page, '氏名（漢字）').fill('');
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await page.locator('[data-error-summary]').waitFor();
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-error-summary'))).to.equal(true);
    await page.locator('[data-error-summary]').getByRole('link', { name: '氏名（漢字）を入力してください。', exact: true }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('name_kanji');
    await page.locator('[data-error-summary]').getByRole('link', { name: '卒業 / 退学 / 除籍 種別を選択してください。', exact: true }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('leaving_type');
    expect(await page.getByRole('radio', { name: '除籍', exact: true }).getAttribute('aria-invalid')).to.equal('true');
    await expectAccessible(page, 'application form with errors (375 px)');

    // 大学名 → 学部名 → 学科名 in place: no 選択 button, no page load.
    await fillRequired(page);
    expect(await page.getByRole('button', { name: /選択$/ }).count(), 'the 選択 buttons are hidden').to.equal(0);
    const url = page.url();
    let loads = 0;
    page.on('load', () => { loads += 1; });
    await field(page, '大学名').selectOption({ label: 'サンプル大学大学院' });
    expect(await options(field(page, '学部名'))).to.deep.equal(['文学研究科', '工学研究科']);
    await field(page, '学部名').selectOption({ label: '工学研究科' });
    expect(await options(field(page, '学科名'))).to.deep.equal(['情報工学専攻']);
    // Another university empties the lists after it.
    await field(page, '大学名').selectOption({ label: 'サンプル大学' });
    expect(await options(field(page, '学部名'))).to.deep.equal(['文学部', '外国語学部', '理学部', '工学部']);
    expect(await options(field(page, '学科名'))).to.deep.equal([]);
    await field(page, '学部名').selectOption({ label: '理学部' });
    await field(page, '学科名').selectOption({ label: '数学科' });
    expect(loads).to.equal(0);
    expect(page.url()).to.equal(url);
    // Enter in a text field means 確認, not the 郵便番号 検索 or 選択 buttons that come before it.
    await field(page, '氏名（漢字）').press('Enter');

    // 本人確認書類: choosing the file adds it (no 画像を追加 press), with the chosen caption.
    await heading(page, '本人確認書類');
    // The file chosen before the type waits for it, then is added.
    await page.locator('#caption').selectOption({ label: '表面' });
    await field(page, '本人確認用書類の画像').setInputFiles({ name: 'passport.png', mimeType: 'image/png', buffer: pngImage(320, 200) });
    await text(page, '本人確認用書類の種類を選択すると、選択したファイルが追加されます。');
    await field(page, '本人確認用書類の種類').selectOption({ label: 'パスポート' });
    await text(page, '画像を追加しました。');
    await page.getByRole('img', { name: 'パスポート（表面）', exact: true }).waitFor();
    await expectAccessible(page, 'documents with an image (375 px)');
    const { dataSource, entities } = server.services.database;
    const application = await dataSource.getRepository(entities.Application).findOneByOrFail({ email: 'js-on@example.com' });
    expect(application.form).to.include({ birth_date: '1999-09-09', last_enrolled_month: '2015-03', university: 'サンプル大学', faculty: '理学部', department: '数学科' });
    expect(await dataSource.getRepository(entities.ApplicationDocument).countBy({ applicationId: application.id })).to.equal(1);
    await context.close();
  });

  it('without JavaScript: 選択 shows the next list; a file chosen and 確認 pressed is added', async () => {
    const context = await browser.newContext({ ...PHONE.options, locale: 'ja-JP', javaScriptEnabled: false });
    const page = await applicationForm(context, 'js-off@example.com');
    await fillRequired(page);
    await field(page, '大学名').selectOption({ label: 'サンプル大学大学院' });
    expect(await options(field(page, '学部名'))).to.deep.equal([]);
    await page.getByRole('button', { name: '大学名を選択', exact: true }).click();
    await heading(page, '申請者情報登録');
    expect(await options(field(page, '学部名'))).to.deep.equal(['文学研究科', '工学研究科']);
    expect(await field(page, '氏名（漢字）').inputValue(), 'nothing typed is lost').to.equal('電電 太郎');
    await field(page, '学部名').selectOption({ label: '文学研究科' });
    await page.getByRole('button', { name: '学部名を選択', exact: true }).click();
    await field(page, '学科名').selectOption({ label: '日本文学専攻' });
    await page.getByRole('button', { name: '確認', exact: true }).click();

    await heading(page, '本人確認書類');
    await field(page, '本人確認用書類の種類').selectOption({ label: '運転免許証' });
    await field(page, '本人確認用書類の画像').setInputFiles({ name: 'licence.png', mimeType: 'image/png', buffer: pngImage(320, 200) });
    // Without JavaScript nothing happens on choosing: 確認 adds the file and goes on.
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await heading(page, '申請内容の確認');
    await page.getByRole('img', { name: '運転免許証（表面）', exact: true }).waitFor();
    await page.getByRole('button', { name: '申請', exact: true }).click();
    await heading(page, '申請受付');
    expect(await page.locator('#receipt-number').innerText()).to.match(/^\d{8}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await context.close();
  });
});
