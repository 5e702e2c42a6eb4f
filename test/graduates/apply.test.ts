import { expect } from 'chai';
import { DATABASES, newBrowser, startTestServer, type TestServer } from '../support/harness.js';
import { textOf } from '../support/browser.js';
import { urlIn } from '../support/smtp.js';
import { pdfBytes, pngImage } from '../support/images.js';
import { openMailedUrl, startApplication, upload, validForm } from '../support/graduates.js';
import { importPostalCodes } from '../../src/postal/import.js';
import { requestApplication } from '../../src/graduates/apply/service.js';

for (const db of DATABASES) {
  describe(`graduate application G1 over HTTP (${db.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(db);
      await importPostalCodes(server.services.database, 'test/fixtures/postal-codes-sample.csv');
    });
    after(async () => { await server?.stop(); });

    it('新規登録 → mail → 利用許諾 → form → documents → 確認 → 申請 → 申請受付; stored encrypted and without metadata', async () => {
      const browser = newBrowser();
      const email = 'denden@example.com';
      const form = await startApplication(server, browser, email);
      expect(textOf(form)).to.contain('申請者情報登録').and.contain('申請種別').and.contain('氏名（カタカナ）').and.contain('必須');
      const documents = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server)), action: 'next' });
      expect(textOf(documents)).to.contain('本人確認用書類の画像');
      expect(documents.html).to.contain('capture="environment"').and.contain('accept="image/jpeg,image/gif,image/png"');
      const uploaded = await upload(browser, server, documents, 'drivers_license', [
        { filename: 'front.png', type: 'image/png', bytes: pngImage(8, 5, 'GPS 34.7N 135.5E') },
        { filename: 'back.png', type: 'image/png', bytes: pngImage(8, 5) },
      ]);
      expect(textOf(uploaded)).to.contain('画像を追加しました');
      const preview = uploaded.html.match(/src="(\/graduates\/apply\/documents\/[^"]+)"/)![1]!;
      const image = await fetch(`${server.url}${preview}`, { headers: { cookie: '' } });
      expect(image.status, 'no preview without the applicant cookie').to.equal(400);
      const own = await browser.request('GET', `${server.url}${preview}`);
      expect(own.status).to.equal(200);

      const confirm = await browser.get(`${server.url}/graduates/apply/confirm`);
      expect(textOf(confirm)).to.contain('電電 太郎').and.contain('デンデン タロウ').and.contain('サンプル大学 / 外国語学部 / 外国語学科').and.contain('運転免許証');
      const done = await browser.submit(confirm, '/graduates/apply/confirm', {});
      expect(textOf(done)).to.contain('申請受付').and.contain('利用申請を受け付けました');
      await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請受付のお知らせ'));

      const { dataSource, entities } = server.services.database;
      const application = await dataSource.getRepository(entities.Application).findOneByOrFail({ email });
      expect(application.status).to.equal('submitted');
      expect(application.termsVersion).to.equal(server.config.graduates!.terms.version);
      expect(application.form).to.include({ name_kanji: '電電 太郎', university: 'サンプル大学', faculty: '外国語学部', department: '外国語学科', document_type: 'drivers_license' });
      const stored = await dataSource.getRepository(entities.ApplicationDocument).findBy({ applicationId: application.id });
      expect(stored).to.have.length(2);
      for (const doc of stored) {
        expect(doc.data.includes(Buffer.from('IHDR')), 'encrypted at rest').to.equal(false);
        const plain = server.services.vault.decrypt(doc.data);
        expect(plain.subarray(1, 4).toString()).to.equal('PNG');
        expect(plain.includes(Buffer.from('GPS')), 'metadata stripped').to.equal(false);
      }
      // After 申請 the applicant can no longer change it.
      const after = await browser.get(`${server.url}/graduates/apply/form`);
      expect(after.status).to.equal(400);
      expect(after.html).to.not.contain('name="name_kanji"');
    });

    it('bad input gets its message on the same page and loses nothing else typed', async () => {
      const browser = newBrowser();
      const form = await startApplication(server, browser, 'bad-input@example.com');
      const good = await validForm(server);
      const cases: Array<[Record<string, string>, string, string]> = [
        [{ name_kana: '電電 タロウ' }, 'name_kana', '全角カタカナ'],
        [{ name_romaji: 'でんでん taro' }, 'name_romaji', '半角英字'],
        [{ name_kanji: '電電太郎' }, 'name_kanji', 'スペース'],
        [{ birth_date: '1999-02-30' }, 'birth_date', '正しい日付'],
        [{ birth_date: '2999-01-01' }, 'birth_date', '未来'],
        [{ last_enrolled_month: '2022-13' }, 'last_enrolled_month', '年月'],
        [{ name_kanji: '' }, 'name_kanji', '入力してください'],
        [{ catalogue_id: '' }, 'catalogue_university', '大学名を選択してください'],
        [{ catalogue_university: 'サンプル大学', catalogue_id: '' }, 'catalogue_faculty', '学部名を選択してください'],
        [{ home_postal_code: '53-00011' }, 'home_postal_code', 'XXX-XXXX'],
      ];
      for (const [change, field, message] of cases) {
        const page = await browser.submit(form, '/graduates/apply/form', { ...good, ...change, action: 'next' });
        expect(page.url, JSON.stringify(change)).to.contain('/graduates/apply/form');
        expect(textOf(page), JSON.stringify(change)).to.contain(message);
        expect(page.html).to.match(new RegExp(`id="${field}-error"`));
        // Everything else stays as typed.
        if (field !== 'name_romaji') expect(page.html).to.contain('value="DENDEN TAROU"');
        expect(page.html).to.contain('value="090-1234-5678"');
      }
      // Full-width and half-width input is normalised, not refused.
      const normalised = await browser.submit(form, '/graduates/apply/form', { ...good, name_kana: 'ﾃﾞﾝﾃﾞﾝ　ﾀﾛｳ', name_romaji: 'denden tarou', mobile_phone: '０９０−１２３４−５６７８', action: 'next' });
      expect(textOf(normalised)).to.contain('本人確認用書類の種類');
      const { dataSource, entities } = server.services.database;
      const saved = await dataSource.getRepository(entities.Application).findOneByOrFail({ email: 'bad-input@example.com' });
      expect(saved.form).to.include({ name_kana: 'デンデン タロウ', name_romaji: 'DENDEN TAROU', mobile_phone: '090-1234-5678' });

      // Uploads: a PDF renamed .png, an oversized image, too many files, no type chosen.
      const documents = await browser.get(`${server.url}/graduates/apply/documents`);
      const pdf = await upload(browser, server, documents, 'passport', [{ filename: 'scan.png', type: 'image/png', bytes: pdfBytes() }]);
      expect(pdf.status).to.equal(400);
      expect(textOf(pdf)).to.contain('scan.png').and.contain('「jpeg」「gif」「png」のみ');
      expect(pdf.html).to.contain('value="passport" selected');
      const huge = Buffer.concat([pngImage(), Buffer.alloc(server.config.graduates!.uploads.maxBytes)]);
      const big = await upload(browser, server, documents, 'passport', [{ filename: 'big.png', type: 'image/png', bytes: huge }]);
      expect(textOf(big)).to.contain('big.png').and.contain('大きすぎます');
      const many = Array.from({ length: server.config.graduates!.uploads.maxFiles + 1 }, (_, i) => ({ filename: `p${i}.png`, type: 'image/png', bytes: pngImage() }));
      const tooMany = await upload(browser, server, documents, 'passport', many);
      expect(textOf(tooMany)).to.contain(`${server.config.graduates!.uploads.maxFiles}枚まで`);
      const noType = await upload(browser, server, documents, '', [{ filename: 'a.png', type: 'image/png', bytes: pngImage() }]);
      expect(textOf(noType)).to.contain('本人確認用書類の種類を選択してください');
      expect(await dataSource.getRepository(entities.ApplicationDocument).countBy({ applicationId: saved.id })).to.equal(0);
      // Nothing typed on the form was lost by the rejected files.
      const back = await browser.get(`${server.url}/graduates/apply/form`);
      expect(back.html).to.contain('value="DENDEN TAROU"').and.contain('value="090-1234-5678"');
      // 申請 without any image is refused on the confirmation page.
      const confirm = await browser.get(`${server.url}/graduates/apply/confirm`);
      const refused = await browser.submit(confirm, '/graduates/apply/confirm', {});
      expect(textOf(refused)).to.contain('1枚以上');
    });

    it('the terms: no agreement or a tampered version is refused; an expired or reused URL is refused', async () => {
      const browser = newBrowser();
      const request = await browser.get(`${server.url}/graduates/apply`);
      await browser.submit(request, '/graduates/apply', { email: 'terms@example.com', email_confirm: 'terms@example.com' });
      const mail = await server.smtp.waitFor('terms@example.com');
      const terms = await openMailedUrl(browser, urlIn(mail));
      const noAgree = await browser.submit(terms, '/graduates/apply/terms', {});
      expect(textOf(noAgree)).to.contain('同意していただく必要があります');
      const tampered = await browser.submit(terms, '/graduates/apply/terms', { agree: 'yes', terms_version: '1999-01' });
      expect(textOf(tampered)).to.contain('利用規約が更新されました');
      // The mailed URL was used up when its button was pressed.
      const reused = await newBrowser().get(urlIn(mail));
      expect(reused.status).to.equal(410);
      expect(textOf(reused)).to.contain('既に使用されています');
      // An expired URL.
      const other = newBrowser();
      const request2 = await other.get(`${server.url}/graduates/apply`);
      await other.submit(request2, '/graduates/apply', { email: 'late@example.com', email_confirm: 'late@example.com' });
      const late = await server.smtp.waitFor('late@example.com');
      const { dataSource, entities } = server.services.database;
      await dataSource.getRepository(entities.Application).update({ email: 'late@example.com' }, { accessExpiresAt: new Date(Date.now() - 1000) });
      const expired = await other.get(urlIn(late));
      expect(expired.status).to.equal(410);
      expect(textOf(expired)).to.contain('有効期限が切れています');
    });

    it('新規登録手続き pressed many times at once for one address: the hourly limit holds exactly', async () => {
      const email = 'burst@example.com';
      const limit = server.config.throttle.mailPerAccountPerHour;
      const outcomes = await Promise.all(Array.from({ length: limit + 3 }, () => requestApplication(server.services, { email, lang: 'ja', ip: '192.0.2.44' })));
      expect(outcomes.filter((outcome) => outcome.kind === 'sent')).to.have.length(limit);
      expect(outcomes.filter((outcome) => outcome.kind === 'limited')).to.have.length(3);
      const { dataSource, entities } = server.services.database;
      expect(await dataSource.getRepository(entities.Application).countBy({ email })).to.equal(limit);
    });

    it('郵便番号 検索 fills the address from the postal-code table; an unknown code says so', async () => {
      const browser = newBrowser();
      const form = await startApplication(server, browser, 'postal@example.com');
      const filled = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server, { home_prefecture: '', home_city: '', home_street: '', home_postal_code: '５３００００１' })), action: 'postal:home' });
      expect(textOf(filled)).to.contain('住所を入力しました');
      expect(filled.html).to.contain('value="530-0001"').and.contain('value="大阪府"').and.contain('value="大阪市北区"');
      expect(filled.html).to.contain('value="DENDEN TAROU"');
      const unknown = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server, { home_postal_code: '999-9999' })), action: 'postal:home' });
      expect(textOf(unknown)).to.contain('見つかりませんでした');
      expect(unknown.html).to.contain('value="DENDEN TAROU"');
    });
  });
}

describe('identity documents are kept only as long as needed', () => {
  for (const db of DATABASES) {
    it(`deletes the documents of decided applications after the retention period (${db.name})`, async () => {
      const { freshDatabase } = await import('../support/harness.js');
      const { ApplicationStore } = await import('../../src/applications/store.js');
      const database = await freshDatabase(db);
      try {
        await database.dataSource.runMigrations();
        const store = new ApplicationStore(database);
        const decided = await store.createDraft({ purpose: 'account', email: 'old@example.com', lang: 'ja' });
        const pending = await store.createDraft({ purpose: 'account', email: 'new@example.com', lang: 'ja' });
        for (const app of [decided, pending]) {
          await store.addDocument({ applicationId: app.id, documentType: 'passport', contentType: 'image/png', byteSize: 3, data: Buffer.from('abc') });
          await store.transition(app, 'submit', { type: 'applicant', id: null });
        }
        await store.transition({ ...decided, status: 'submitted' }, 'reject', { type: 'staff', id: 'staff-1' }, { comment: 'x' });
        expect(await store.purgeDocumentsDecidedBefore(new Date(Date.now() - 86400_000))).to.equal(0);
        expect(await store.purgeDocumentsDecidedBefore(new Date(Date.now() + 1000))).to.equal(1);
        expect(await store.listDocuments(decided.id)).to.have.length(0);
        expect(await store.listDocuments(pending.id)).to.have.length(1);
        expect((await store.findById(decided.id))!.documentsPurgedAt).to.be.instanceOf(Date);
      } finally {
        await database.dataSource.destroy();
      }
    });
  }
});
