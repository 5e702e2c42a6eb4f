import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { EntityManager } from 'typeorm';
import type { Database } from '../../src/db/data-source.js';
import type { ApplicationRow } from '../../src/db/entities.js';
import { ApplicationStore } from '../../src/applications/store.js';
import { DocumentVault } from '../../src/uploads/index.js';
import { storeDocuments } from '../../src/graduates/apply/service.js';
import { DATABASES, freshDatabase } from '../support/harness.js';

/**
 * The real store, failing at the second image of an upload: as a database failing half-way. It fails
 * the same whether the images are written through a transaction's store or through the store itself.
 */
class FailingAtSecondImage extends ApplicationStore {
  #images = 0;
  #failing(addDocument: ApplicationStore['addDocument']): ApplicationStore['addDocument'] {
    return async (input) => {
      this.#images += 1;
      if (this.#images === 2) throw new Error('the database failed');
      return addDocument(input);
    };
  }

  override addDocument(input: Parameters<ApplicationStore['addDocument']>[0]) {
    return this.#failing((row) => super.addDocument(row))(input);
  }

  override inTransaction<T>(work: (store: ApplicationStore, manager: EntityManager) => Promise<T>): Promise<T> {
    return super.inTransaction((store, manager) => {
      store.addDocument = this.#failing(store.addDocument.bind(store));
      return work(store, manager);
    });
  }
}

const image = (text: string) => ({ type: 'image/png', bytes: Buffer.from(text) });

for (const db of DATABASES) {
  describe(`G1 本人確認書類: one upload is stored in one transaction (${db.name})`, () => {
    let database: Database;
    let applications: ApplicationStore;
    const vault = new DocumentVault([randomBytes(32)]);

    before(async () => {
      database = await freshDatabase(db);
      await database.dataSource.runMigrations();
      applications = new ApplicationStore(database);
    });
    after(async () => { await database?.dataSource.destroy(); });

    async function draftWithForm(email: string): Promise<ApplicationRow> {
      const draft = await applications.createDraft({ purpose: 'account', email, lang: 'ja' });
      await applications.update(draft.id, { form: { name_kanji: '電電 太郎' } });
      return (await applications.findById(draft.id))!;
    }

    it('stores the images, the chosen document type and the event together', async () => {
      const application = await draftWithForm('whole@example.com');
      await storeDocuments({ applications, vault }, application, { documentType: 'passport', files: [image('front'), image('back')] });
      const documents = await applications.listDocuments(application.id);
      expect(documents.map((d) => [d.documentType, d.position])).to.deep.equal([['passport', 0], ['passport', 1]]);
      const stored = await applications.findDocument(application.id, documents[1]!.id);
      expect(vault.decrypt(stored!.data).toString(), 'encrypted at rest').to.equal('back');
      expect((await applications.findById(application.id))!.form).to.deep.equal({ name_kanji: '電電 太郎', document_type: 'passport' });
      const events = (await applications.history(application.id)).filter((e) => e.action === 'documents_added');
      expect(events.map((e) => e.comment)).to.deep.equal(['2']);
    });

    it('uploads sent at once never store more images than allowed, each at a position of its own', async () => {
      const application = await draftWithForm('burst-upload@example.com');
      const outcomes = await Promise.all([1, 2, 3, 4].map((n) => storeDocuments({ applications, vault }, application, { documentType: 'passport', files: [image(`${n}a`), image(`${n}b`)] }, 4)));
      expect(outcomes.filter((outcome) => outcome === 'stored')).to.have.length(2);
      expect(outcomes.filter((outcome) => outcome === 'full')).to.have.length(2);
      expect((await applications.listDocuments(application.id)).map((d) => d.position)).to.deep.equal([0, 1, 2, 3]);
    });

    it('an upload keeps what the form holds when it is written, not what it held when the upload began', async () => {
      const application = await draftWithForm('late-form@example.com');
      // The form saved from another tab while this upload was being received.
      await applications.update(application.id, { form: { name_kanji: '電電 花子', street: '新しい住所 1-2-3' } });
      expect(await storeDocuments({ applications, vault }, application, { documentType: 'passport', files: [image('front')] }, 4)).to.equal('stored');
      expect((await applications.findById(application.id))!.form).to.deep.equal({ name_kanji: '電電 花子', street: '新しい住所 1-2-3', document_type: 'passport' });
    });

    it('a database failure half-way leaves nothing of that upload saved (and what was there before stays)', async () => {
      const application = await draftWithForm('halfway@example.com');
      await storeDocuments({ applications, vault }, application, { documentType: 'passport', files: [image('earlier')] });
      const before = (await applications.findById(application.id))!;

      const failing = new FailingAtSecondImage(database);
      let error: unknown;
      try {
        await storeDocuments({ applications: failing, vault }, before, { documentType: 'drivers_license', files: [image('first'), image('second'), image('third')] });
      } catch (e) {
        error = e;
      }
      expect((error as Error | undefined)?.message).to.equal('the database failed');

      const documents = await applications.listDocuments(application.id);
      expect(documents.map((d) => d.documentType), 'not even the first image of the failed upload').to.deep.equal(['passport']);
      expect((await applications.findById(application.id))!.form, 'the form keeps the type chosen before').to.deep.equal({ name_kanji: '電電 太郎', document_type: 'passport' });
      const events = (await applications.history(application.id)).filter((e) => e.action === 'documents_added');
      expect(events.map((e) => e.comment), 'no event of the failed upload').to.deep.equal(['1']);

      // The store works on after the rolled-back transaction (SQLite runs one at a time).
      await storeDocuments({ applications, vault }, before, { documentType: 'drivers_license', files: [image('retry')] });
      expect(await applications.listDocuments(application.id)).to.have.length(2);
    });
  });
}
