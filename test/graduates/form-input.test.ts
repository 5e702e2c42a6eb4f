import { randomUUID } from 'node:crypto';
/**
 * Issue #13 (forms) on the graduate application: dates typed the way people type them, 大学名 → 学部名 →
 * 学科名 as three dependent selects without JavaScript, the identity-document step (確認 adds a chosen
 * file; captions), and 申請受付's receipt number on the page and in the mail. Real parts: the server
 * over HTTP, MariaDB and SQLite, the SMTP listener.
 */
import { expect } from 'chai';
import { activeCatalogue, catalogueSelects } from '../../src/applications/catalogue.js';
import { displayDate, normalizeDate, normalizeYearMonth } from '../../src/applications/dates.js';
import { newReceiptNumber, RECEIPT_NUMBER_PATTERN } from '../../src/applications/receipt.js';
import { documentCaption } from '../../src/applications/view.js';
import { createStaffUser } from '../../src/staff/members/service.js';
import { requestResubmission } from '../../src/staff/review/service.js';
import { findForm, textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { applicationOf, startApplication, upload, validForm } from '../support/graduates.js';
import { DATABASES, newBrowser, startTestServer, type TestServer } from '../support/harness.js';
import { multipartBody, pngImage } from '../support/images.js';
import { signIn } from '../support/staff.js';

const MONTHS = ['2015/03', '2015-03', '2015-3', '2015年3月', '2015年03月', '２０１５／０３', '２０１５年３月', '201503', ' 2015 / 3 '];
const BIRTH_DATES = ['1999/09/09', '1999-09-09', '1999-9-9', '1999年9月9日', '１９９９／０９／０９', '１９９９年９月９日', '19990909', '1999.9.9'];

describe('application dates and captions (plain functions)', () => {
  it('reads a year-month in every accepted spelling as YYYY-MM, and leaves other text for the rules to refuse', () => {
    for (const typed of MONTHS) expect(normalizeYearMonth(typed), typed).to.equal('2015-03');
    for (const typed of ['2015', 'March 2015', '15/03', '2015/03/01']) expect(normalizeYearMonth(typed), typed).to.equal(typed);
  });
  it('reads 生年月日 in every accepted spelling as YYYY-MM-DD and shows it as the manual does (1999/09/09)', () => {
    for (const typed of BIRTH_DATES) expect(normalizeDate(typed), typed).to.equal('1999-09-09');
    for (const typed of ['1999/09', 'yesterday', '99/9/9']) expect(normalizeDate(typed), typed).to.equal(typed);
    expect(displayDate('1999-09-09')).to.equal('1999/09/09');
  });
  it('labels a document image by its caption, else by its order (表面, 裏面, 画像N)', () => {
    expect(documentCaption({ caption: 'back' }, 0)).to.equal('裏面');
    expect(documentCaption({ caption: null }, 0)).to.equal('表面');
    expect(documentCaption({ caption: null }, 1)).to.equal('裏面');
    expect(documentCaption({}, 2)).to.equal('画像3');
    expect(documentCaption({ caption: 'other' }, 0, 'en')).to.equal('Other');
  });
  it('makes receipt numbers of the date and 8 unambiguous characters', () => {
    const number = newReceiptNumber(new Date('2026-11-30T20:00:00Z'), () => 0);
    expect(number).to.equal('20261201-0000-0000');
    for (let i = 0; i < 50; i += 1) expect(newReceiptNumber()).to.match(RECEIPT_NUMBER_PATTERN);
  });
  it('offers each select the choices of the one before it', () => {
    const catalogue = [
      { id: 'a', university: 'U1', faculty: 'F1', department: 'D1' },
      { id: 'b', university: 'U1', faculty: 'F2', department: 'D2' },
      { id: 'c', university: 'U2', faculty: 'F1', department: 'D3' },
    ];
    expect(catalogueSelects(catalogue, {})).to.deep.include({ universities: ['U1', 'U2'], faculties: [], departments: [], entryId: '' });
    expect(catalogueSelects(catalogue, { catalogue_university: 'U1' })).to.deep.include({ faculties: ['F1', 'F2'], departments: [] });
    expect(catalogueSelects(catalogue, { catalogue_id: 'c' })).to.deep.include({ university: 'U2', faculty: 'F1', entryId: 'c' });
    // The university changed after the department was chosen: the department no longer counts.
    expect(catalogueSelects(catalogue, { catalogue_university: 'U1', catalogue_faculty: 'F1', catalogue_id: 'c' })).to.deep.include({ entryId: '', departments: [{ id: 'a', department: 'D1' }] });
  });
});

for (const db of DATABASES) {
  describe(`application form input over HTTP (${db.name})`, () => {
    let server: TestServer;
    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    const options = (page: Page, name: string) => {
      const select = page.html.match(new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`))?.[1] ?? '';
      return [...select.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)</g)].map((m) => m[2]!).slice(1);
    };

    it('dates: text inputs, every accepted spelling stored in one form and shown as the manual shows it', async () => {
      const browser = newBrowser();
      const form = await startApplication(server, browser, 'dates@example.com');
      expect(form.html).to.not.match(/type="(date|month)"/);
      expect(form.html).to.match(/<input[^>]*id="birth_date"[^>]*type="text"/);
      for (const [index, month] of MONTHS.entries()) {
        const birth = BIRTH_DATES[index % BIRTH_DATES.length]!;
        const page = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server)), last_enrolled_month: month, graduated_month: month, birth_date: birth, action: 'next' });
        expect(textOf(page), `${month} / ${birth}`).to.contain('本人確認用書類の種類');
        const saved = (await applicationOf(server, 'dates@example.com')).form!;
        expect(saved, `${month} / ${birth}`).to.include({ last_enrolled_month: '2015-03', graduated_month: '2015-03', birth_date: '1999-09-09' });
      }
      const again = await browser.get(`${server.url}/graduates/apply/form`);
      expect(again.html).to.match(/id="birth_date"[^>]*value="1999\/09\/09"/);
      const refused = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server)), last_enrolled_month: '2015年13月', graduated_month: '2015年春', birth_date: '1999/02/30', action: 'next' });
      expect(textOf(refused)).to.contain('最終在学年月は西暦の年月で入力してください（例：2015/03）。').and.contain('生年月日は西暦の正しい日付で入力してください（例：1999/09/09）。')
        .and.contain('卒業（修了）年月は西暦の年月で入力してください（例：2015/03）。');
      // Typed text that is not a date comes back as typed.
      expect(refused.html).to.match(/id="graduated_month"[^>]*value="2015年春"/);
    });

    it('大学名 → 学部名 → 学科名 without JavaScript: each 選択 shows the next list; a 学科 of another 大学 is not taken', async () => {
      const browser = newBrowser();
      const form = await startApplication(server, browser, 'catalogue@example.com');
      expect(options(form, 'catalogue_university')).to.deep.equal(['サンプル大学', 'サンプル大学大学院']);
      expect(options(form, 'catalogue_faculty')).to.deep.equal([]);
      const base = await validForm(server);
      delete base.catalogue_id;
      // 選択 after 大学名: the faculties of that university, nothing typed lost, no message yet.
      const faculties = await browser.submit(form, '/graduates/apply/form', { ...base, name_kanji: '電電 花子', catalogue_university: 'サンプル大学大学院', catalogue_faculty: '', catalogue_id: '', action: 'catalogue' });
      expect(options(faculties, 'catalogue_faculty')).to.deep.equal(['文学研究科', '工学研究科']);
      expect(faculties.html).to.contain('value="電電 花子"').and.not.contain('data-error-summary');
      const departments = await browser.submit(faculties, '/graduates/apply/form', { ...base, catalogue_university: 'サンプル大学大学院', catalogue_faculty: '工学研究科', catalogue_id: '', action: 'catalogue' });
      expect(options(departments, 'catalogue_id')).to.deep.equal(['情報工学専攻']);
      // 確認 with 学部名 chosen but no 学科名: one message, on 学科名.
      const missing = await browser.submit(departments, '/graduates/apply/form', { ...base, catalogue_university: 'サンプル大学大学院', catalogue_faculty: '工学研究科', catalogue_id: '', action: 'next' });
      expect(textOf(missing)).to.contain('学科名を選択してください。').and.not.contain('大学名を選択してください。');
      const catalogue = await activeCatalogue(server.services.database);
      const literature = catalogue.find((e) => e.department === '日本文学科')!;
      // The university was changed after a department of another one was chosen: not taken.
      const mixed = await browser.submit(departments, '/graduates/apply/form', { ...base, catalogue_university: 'サンプル大学大学院', catalogue_faculty: '工学研究科', catalogue_id: literature.id, action: 'next' });
      expect(textOf(mixed)).to.contain('学科名を選択してください。');
      const engineering = catalogue.find((e) => e.department === '情報工学専攻')!;
      const saved = await browser.submit(departments, '/graduates/apply/form', { ...base, catalogue_university: 'サンプル大学大学院', catalogue_faculty: '工学研究科', catalogue_id: engineering.id, action: 'next' });
      expect(textOf(saved)).to.contain('本人確認用書類の種類');
      expect((await applicationOf(server, 'catalogue@example.com')).form).to.include({ university: 'サンプル大学大学院', faculty: '工学研究科', department: '情報工学専攻' });
      // Back on the form, the three selects show the saved choice.
      const back = await browser.get(`${server.url}/graduates/apply/form`);
      expect(back.html).to.contain('<option value="サンプル大学大学院" selected="selected">').and.contain('<option value="工学研究科" selected="selected">')
        .and.contain(`<option value="${engineering.id}" selected="selected">`);
    });

    /** The documents form posted as a browser without JavaScript posts it (multipart, with the pressed button). */
    async function postDocuments(browser: HttpBrowser, page: Page, fields: Record<string, string>, files: Array<{ filename: string; bytes: Buffer }>): Promise<Page> {
      const form = findForm(page, '/graduates/apply/documents');
      const { body, contentType } = multipartBody({ ...form.hidden, ...fields }, files.map((f) => ({ field: 'files', type: 'image/png', ...f })));
      return browser.follow(await browser.request('POST', `${server.url}/graduates/apply/documents`, body, { 'content-type': contentType }));
    }

    it('documents without JavaScript: a file chosen and 確認 pressed is added, with the chosen caption; captions can be changed', async () => {
      const browser = newBrowser();
      const form = await startApplication(server, browser, 'documents@example.com');
      const documents = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server)), action: 'next' });
      expect(documents.html).to.match(/<button[^>]*type="submit"[^>]*name="action"[^>]*value="next"[^>]*>確認</);
      const first = await upload(browser, server, documents, 'drivers_license', [{ filename: 'back.png', type: 'image/png', bytes: pngImage(8, 5) }]);
      expect(textOf(first)).to.contain('画像を追加しました');
      // 確認 with a second file chosen (never added with 画像を追加): it is added, then the confirmation.
      const confirm = await postDocuments(browser, first, { document_type: 'drivers_license', caption: 'front', action: 'next' }, [{ filename: 'front.png', bytes: pngImage(9, 5) }]);
      expect(confirm.url).to.match(/\/graduates\/apply\/confirm$/);
      const { dataSource, entities } = server.services.database;
      const application = await applicationOf(server, 'documents@example.com');
      const stored = await dataSource.getRepository(entities.ApplicationDocument).find({ where: { applicationId: application.id }, order: { position: 'ASC' } });
      expect(stored.map((d) => d.caption)).to.deep.equal([null, 'front']);
      expect(confirm.html).to.contain('alt="運転免許証（表面）"');
      // The first image (no caption: 表面 by its order) is the back: the applicant says so.
      const page = await browser.get(`${server.url}/graduates/apply/documents`);
      const changed = await browser.submit(page, `/graduates/apply/documents/${stored[0]!.id}/caption`, { caption: 'back' });
      expect(textOf(changed)).to.contain('画像の内容を変更しました。');
      expect((await dataSource.getRepository(entities.ApplicationDocument).findOneByOrFail({ id: stored[0]!.id })).caption).to.equal('back');
      expect(changed.html).to.contain('alt="運転免許証（裏面）"');
      // Each image's controls have names of their own (not two 「削除」 or 「画像の内容」).
      expect(changed.html).to.contain('>1枚目の画像の内容<').and.contain('>2枚目の画像の内容<')
        .and.contain('aria-label="1枚目の画像を削除"').and.contain('aria-label="2枚目の画像を削除"').and.contain('aria-label="2枚目の画像の内容を変更"');
      // A caption that is not one of the choices is refused with a message tied to that image's select.
      const bad = await browser.submit(changed, `/graduates/apply/documents/${stored[0]!.id}/caption`, { caption: 'sideways' });
      expect(bad.status).to.equal(400);
      expect(bad.html).to.contain(`id="caption-${stored[0]!.id}-error"`);
      // A page left open after its image was removed: told so, nothing changed.
      const csrf = findForm(changed, /\/caption$/).hidden._csrf!;
      const gone = await browser.request('POST', `${server.url}/graduates/apply/documents/${randomUUID()}/caption`, new URLSearchParams({ _csrf: csrf, caption: 'back' }));
      expect(gone.status).to.equal(404);
      expect(textOf(gone)).to.contain('この画像は既に削除されています。').and.not.contain('画像の内容を変更しました。');
      expect((await dataSource.getRepository(entities.ApplicationDocument).find({ where: { applicationId: application.id } })).map((d) => d.caption).sort()).to.deep.equal(['back', 'front']);
      // 確認 with nothing chosen goes on.
      const next = await postDocuments(browser, changed, { document_type: 'drivers_license', action: 'next' }, []);
      expect(next.url).to.match(/\/graduates\/apply\/confirm$/);
    });

    it('申請受付 shows a receipt number and the next steps; the mail repeats them; a resubmission keeps the number', async () => {
      const email = 'receipt@example.com';
      const browser = newBrowser();
      const form = await startApplication(server, browser, email);
      const documents = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server)), action: 'next' });
      await upload(browser, server, documents, 'passport', [{ filename: 'p.png', type: 'image/png', bytes: pngImage(8, 5) }]);
      const confirm = await browser.get(`${server.url}/graduates/apply/confirm`);
      const done = await browser.submit(confirm, '/graduates/apply/confirm', {});
      const number = done.html.match(/id="receipt-number">([^<]+)</)?.[1];
      expect(number, textOf(done)).to.match(RECEIPT_NUMBER_PATTERN);
      expect(textOf(done)).to.contain('受付番号').and.contain('今後の流れ').and.contain('初回パスワード');
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請受付のお知らせ'));
      expect(mail.text).to.contain(`受付番号：${number}`).and.contain('今後の流れ');
      const application = await applicationOf(server, email);
      expect(application.receiptNumber).to.equal(number);
      // Staff see it on the application, as the applicant will quote it.
      await createStaffUser(server.services, { loginId: 'receipt-admin', displayName: '受付 確認', role: 'reviewer', password: 'Jimu2026Kanri' });
      const staff = await signIn(server, { loginId: 'receipt-admin', password: 'Jimu2026Kanri' });
      expect(textOf(await staff.get(`/admin/applications/${application.id}`))).to.contain(`受付番号 ${number}`);
      expect((await staff.get(`/admin/applications?status=all&q=${number!.toLowerCase()}`)).html).to.contain(`/admin/applications/${application.id}`);
      // The staff ask for a resubmission; the applicant resubmits: the same number.
      await requestResubmission(server.services, { id: '00000000-0000-4000-8000-000000000001' }, { applicationId: application.id, comment: '裏面も添付してください。' });
      const resubmissionMail = await server.smtp.waitFor(email, (m) => m.text.includes('裏面も添付してください。'));
      const url = resubmissionMail.text.match(/https?:\/\/\S+/g)!.find((u) => u.includes('/graduates/apply/continue'))!;
      const again = newBrowser();
      const landing = await again.get(url);
      await again.submit(landing, '/graduates/apply/continue', {});
      const reconfirm = await again.get(`${server.url}/graduates/apply/confirm`);
      const redone = await again.submit(reconfirm, '/graduates/apply/confirm', {});
      expect(redone.html).to.contain(`id="receipt-number">${number}<`);
    });

    it('the next steps come from graduates.nextSteps when configured', async () => {
      // The running server reads the setting when it answers: set it for this test only.
      const graduates = server.services.config.graduates!;
      graduates.nextSteps = { ja: ['審査には2週間ほどかかります。'], en: ['The review takes about two weeks.'] };
      try {
        const browser = newBrowser();
        const form = await startApplication(server, browser, 'next-steps@example.com');
        const documents = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server)), action: 'next' });
        await upload(browser, server, documents, 'passport', [{ filename: 'p.png', type: 'image/png', bytes: pngImage(8, 5) }]);
        const done = await browser.submit(await browser.get(`${server.url}/graduates/apply/confirm`), '/graduates/apply/confirm', {});
        expect(textOf(done)).to.contain('審査には2週間ほどかかります。').and.not.contain('初回パスワードとログイン用のURLが届きます');
        const mail = await server.smtp.waitFor('next-steps@example.com', (m) => m.subject.includes('利用申請受付のお知らせ'));
        expect(mail.text).to.contain('・審査には2週間ほどかかります。');
      } finally {
        delete graduates.nextSteps;
      }
    });
  });
}
