import { expect } from 'chai';
import type { ApplicationForm } from '../../src/applications/fields.js';
import type { ApplicationRow } from '../../src/db/entities.js';
import { ReviewError } from '../../src/staff/actions.js';
import { approveApplication } from '../../src/staff/review/service.js';
import { DATABASES, startTestServer, type TestServer } from '../support/harness.js';

// A staff decision's writes are one transaction (src/staff/review/service.ts): when a write after the
// application's move fails, nothing of the decision stays — the application is undecided, without a
// history event, and no account was created or changed — on both kinds of database.

const STAFF = { id: 'staff-t' };
let serial = 0;

async function submitted(server: TestServer, email: string, form: ApplicationForm = {}): Promise<ApplicationRow> {
  serial += 1;
  const store = server.services.applications;
  const draft = await store.createDraft({ purpose: 'account', email, lang: 'ja' });
  await store.update(draft.id, {
    form: {
      kind: 'new', name_kanji: `取引 太郎${serial}`, name_kana: 'トリヒキ タロウ', university: 'サンプル大学', faculty: '外国語学部', department: '外国語学科',
      student_number: `T90${String(serial).padStart(5, '0')}`, graduated_month: '2021-03', leaving_type: 'graduated', ...form,
    },
    kind: form.kind === 'change' ? 'change' : 'new',
  });
  await store.transition((await store.findById(draft.id))!, 'submit', { type: 'applicant', id: null });
  return (await store.findById(draft.id))!;
}

/** Runs `work` while the address check before a decision says every address is free (as a race would). */
async function withAddressCheckPassing<T>(server: TestServer, work: () => Promise<T>): Promise<T> {
  const accounts = server.services.accounts;
  const check = accounts.emailAvailableFor;
  accounts.emailAvailableFor = async () => true;
  try {
    return await work();
  } finally {
    accounts.emailAvailableFor = check;
  }
}

async function refusal(decision: Promise<unknown>): Promise<unknown> {
  try {
    await decision;
  } catch (error) {
    return error;
  }
  throw new Error('the decision was made');
}

for (const db of DATABASES) {
  describe(`staff decisions in one transaction (${db.name})`, function () {
    this.timeout(60_000);
    let server: TestServer;

    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    const accountsWith = (email: string) => server.services.database.dataSource.getRepository(server.services.database.entities.Account).findBy({ email });

    it('a new account whose address was taken meanwhile: the application stays undecided, with no event and no second account', async () => {
      const email = `taken.${db.name}.${Date.now()}@example.jp`;
      await approveApplication(server.services, STAFF, { applicationId: (await submitted(server, email)).id });
      const second = await submitted(server, email);
      const error = await withAddressCheckPassing(server, () => refusal(approveApplication(server.services, STAFF, { applicationId: second.id })));
      expect(error).to.be.instanceOf(ReviewError).and.to.have.property('problem', 'email_taken');
      expect(await server.services.applications.findById(second.id)).to.include({ status: 'submitted', accountId: null, decidedBy: null });
      expect((await server.services.applications.history(second.id)).map((e) => e.action)).to.deep.equal(['created', 'submit']);
      expect(await accountsWith(email)).to.have.length(1);
    });

    it('a 変更 to an address another account holds: the account keeps its address, password and pending links', async () => {
      const mover = `mover.${db.name}.${Date.now()}@example.jp`;
      const holder = `holder.${db.name}.${Date.now()}@example.jp`;
      const { accountId } = await approveApplication(server.services, STAFF, { applicationId: (await submitted(server, mover)).id });
      await approveApplication(server.services, STAFF, { applicationId: (await submitted(server, holder)).id });
      const before = (await server.services.accounts.findById(accountId!))!;
      const link = await server.services.tokens.issue('reset_second_password', accountId!);
      const change = await submitted(server, holder, { kind: 'change' });
      const error = await withAddressCheckPassing(server, () => refusal(approveApplication(server.services, STAFF, { applicationId: change.id, accountId })));
      expect(error).to.be.instanceOf(ReviewError).and.to.have.property('problem', 'email_taken');
      const after = (await server.services.accounts.findById(accountId!))!;
      expect(after).to.include({ email: before.email, passwordHash: before.passwordHash, passwordIsInitial: true });
      expect((await server.services.tokens.check('reset_second_password', link)).status).to.equal('valid');
      expect(await server.services.applications.findById(change.id)).to.include({ status: 'submitted', accountId: null });
      expect((await server.services.applications.history(change.id)).map((e) => e.action)).to.deep.equal(['created', 'submit']);
    });
  });
}
