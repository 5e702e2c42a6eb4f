/**
 * G1 (manual 002 §2.1) with the keyboard only, in Chromium: 新規登録手続き → mail → 利用申請 → 利用許諾 →
 * 申請者情報登録 (郵便番号 検索 included) → 本人確認書類 (the file chooser opened with Space) → 申請内容の確認 →
 * 申請受付. Tab and Shift+Tab move the focus; typing, Space, the arrow keys and Enter do the rest; no click.
 * Every element the focus stops on must show a visible focus indicator (test/support/keyboard.ts).
 */
import type { Browser, Page } from 'playwright-core';
import { openContext, VIEWPORTS, startChromiumAndServer, stopChromiumAndServer } from '../support/chromium.js';
import { validForm, withCatalogueSelects } from '../support/graduates.js';
import { DATABASES, type TestServer } from '../support/harness.js';
import { pngImage } from '../support/images.js';
import { chooseOption, chooseRadio, openFileChooser, press, tabTo, tick, typeDate, typeInto } from '../support/keyboard.js';
import { importPostalCodes } from '../../src/postal/import.js';
import { urlIn } from '../support/smtp.js';

const db = DATABASES[0];

/** Fills the application form's fields in the order the focus meets them, by the kind of each control. */
async function fillByKeyboard(page: Page, values: Record<string, string>): Promise<void> {
  const names = await page.locator('main form.card').evaluate((form) => [...new Set(
    [...form.querySelectorAll<HTMLInputElement>('input[name], select[name], textarea[name]')]
      .filter((control) => control.type !== 'hidden' && control.type !== 'submit').map((control) => control.name),
  )]);
  for (const name of names) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    const control = page.locator(`main [name="${name}"]`);
    const tag = await control.first().evaluate((element) => element.tagName.toLowerCase());
    const type = await control.first().getAttribute('type');
    // What 検索 filled in already is left as it is.
    if (type !== 'radio' && (await control.first().inputValue()) === value) continue;
    if (tag === 'select') await chooseOption(page, control, value);
    else if (type === 'radio') await chooseRadio(page, page.locator(`main fieldset:has(input[name="${name}"])`).last(), value);
    else if (/^\d{4}-\d{2}(-\d{2})?$/.test(value)) await typeDate(page, control, value);
    else await typeInto(page, control, value);
    if (name === 'home_postal_code') {
      // 検索 fills the address in place (public/js/postal-search.js).
      await press(page, page.locator('button[value="postal:home"]'));
      await page.locator('[data-postal-message="home"]:not(:empty)').waitFor();
    }
  }
}

(db ? describe : describe.skip)(`graduate application with the keyboard only (${db?.name ?? 'no database'})`, function () {
  this.timeout(90_000);
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    ({ browser, server } = await startChromiumAndServer(db!));
    await importPostalCodes(server.services.database, 'test/fixtures/postal-codes-sample.csv');
  });
  after(() => stopChromiumAndServer(browser, server));

  it('G1 from 新規登録手続き to 申請受付, Tab/Shift+Tab/Enter/Space only, the focus always visible', async () => {
    const email = 'graduate-keyboard@example.com';
    const { context, page } = await openContext(browser, VIEWPORTS[0]!);

    await page.goto(`${server.url}/graduates/apply`);
    await typeInto(page, page.locator('#email'), email);
    await typeInto(page, page.locator('#email_confirm'), email);
    await press(page, page.getByRole('button', { name: '確認', exact: true }));
    await page.getByText('確認メールを送信しました。', { exact: true }).waitFor();

    const mail = await server.smtp.waitFor(email, (m) => m.text.includes('/graduates/apply/continue'));
    await page.goto(urlIn(mail));
    await press(page, page.getByRole('button', { name: '申請を続ける', exact: true }));
    await page.getByRole('heading', { level: 1, name: '利用許諾' }).waitFor();
    await tick(page, page.getByRole('checkbox', { name: '上記内容に同意する', exact: true }));
    await press(page, page.getByRole('button', { name: '同意する', exact: true }));

    await page.getByRole('heading', { level: 1, name: '申請者情報登録' }).waitFor();
    const values = await withCatalogueSelects(server, await validForm(server));
    await fillByKeyboard(page, values);
    // Back up with Shift+Tab to the first field and check it kept what was typed.
    await tabTo(page, page.locator('#name_romaji'), { backwards: true, max: 200 });
    await press(page, page.locator('button.button--primary[name=action][value=next]'));

    await page.getByRole('heading', { level: 1, name: '本人確認書類' }).waitFor();
    await chooseOption(page, page.locator('#document_type'), 'drivers_license');
    await tabTo(page, page.locator('#files'));
    const chooser = await openFileChooser(page, page.locator('#files'));
    // A chosen file is added at once (public/js/document-upload.js); 確認 is the form's own button.
    await chooser.setFiles([{ name: 'front.png', mimeType: 'image/png', buffer: pngImage(320, 200) }]);
    await page.getByText('画像を追加しました。', { exact: true }).waitFor();
    await press(page, page.getByRole('button', { name: '確認', exact: true }));

    await page.getByRole('heading', { level: 1, name: '申請内容の確認' }).waitFor();
    await press(page, page.getByRole('button', { name: '申請', exact: true }));
    await page.getByRole('heading', { level: 1, name: '申請受付' }).waitFor();
    await context.close();
  });
});
