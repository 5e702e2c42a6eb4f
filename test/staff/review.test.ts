import { expect } from 'chai';
import { ApplicationStateError } from '../../src/applications/store.js';
import { approveApplication } from '../../src/staff/review/service.js';
import { auditPage } from '../../src/staff/audit/service.js';
import { StaffStore } from '../../src/staff/staff-store.js';
import { textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { refusal } from '../support/config.js';
import { DATABASES, freshDatabase, startTestServer, type TestServer } from '../support/harness.js';
import { reviewer, seedApplication } from '../support/review.js';
import { approveThrough } from '../support/staff.js';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

// The review of applications over HTTP (DESIGN §2.3): the queue (total, days waiting past the target,
// sorting, search over every application, pages), duplicate hints, standard reasons in the mails, two
// clerks on one application, four-eyes on a 変更, one document.viewed per page view — on both databases.

const ids = (page: Page) => [...page.html.matchAll(/class="queue-row__link" href="\/admin\/applications\/([0-9a-f-]{36})/g)].map((m) => m[1]!);

for (const db of DATABASES) {
  describe(`staff review (${db.name})`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let clerk: { browser: HttpBrowser; id: string };
    let second: { browser: HttpBrowser; id: string };

    before(async () => {
      server = await startTestServer(db);
      clerk = await reviewer(server, '審査 一郎');
      second = await reviewer(server, '確認 二郎');
    });
    after(async () => { await server?.stop(); });

    it('queue: total, days waiting past the target, sorting, clear filter names, search over every application, pages', async () => {
      const overdue = await seedApplication(server, { daysAgo: 9, form: { name_kanji: '遅延 太郎' } });
      const recent = await seedApplication(server, { daysAgo: 1 });
      // 250 more (newer), written at once: more than the 200 newest that the search once covered.
      const { dataSource, entities } = server.services.database;
      const filler = await seedApplication(server, { documents: 0 });
      const { id: _id, searchText: _search, ...template } = { ...(await dataSource.getRepository(entities.Application).findOneByOrFail({ id: filler.id })), searchText: '' };
      for (let chunk = 0; chunk < 5; chunk += 1) {
        await dataSource.getRepository(entities.Application).insert(Array.from({ length: chunk === 4 ? 49 : 50 }, (_, i) => ({
          ...template, id: randomUUID(), email: `filler${chunk * 50 + i}@example.jp`, searchText: `filler${chunk * 50 + i}@example.jp\nfiller`, submittedAt: new Date(),
        })));
      }
      const queue = await clerk.browser.get('/admin/applications');
      const text = textOf(queue);
      expect(text).to.contain('全252件').and.contain('1 / 6 ページ');
      expect(text).to.contain('申請の内容（利用申請・学籍番号追加・個人情報変更）').and.contain('新規・変更の別（利用申請の申請種別）');
      expect(text).to.contain('目標：受付から5日以内に判定');
      // Oldest first by default: the overdue one leads, highlighted, with its days waiting.
      expect(ids(queue)[0]).to.equal(overdue.id);
      expect(queue.html).to.match(/queue-row--overdue[\s\S]*?9日[\s\S]*?目標超過/);
      expect(queue.html).to.contain('class="table-scroll" role="region" tabindex="0" aria-label="申請一覧"');
      // Newest first: the header link turns the order round and says so (aria-sort).
      const newest = await clerk.browser.get('/admin/applications?dir=desc');
      expect(newest.html).to.contain('aria-sort="descending"');
      expect(ids(newest)).to.not.include(overdue.id);
      const emails = (page: Page) => [...page.html.matchAll(/<span class="muted">([^<]+@example\.jp)<\/span>/g)].map((m) => m[1]!);
      expect(emails(await clerk.browser.get('/admin/applications?sort=email'))[0]).to.equal('filler0@example.jp');
      expect(emails(await clerk.browser.get('/admin/applications?sort=email&dir=desc'))[0]).to.match(/^review/);
      // The last page holds the rest; search finds any application (the whole table, the oldest too).
      const last = await clerk.browser.get('/admin/applications?page=6');
      expect(ids(last)).to.have.length(2);
      const found = await clerk.browser.get(`/admin/applications?q=${encodeURIComponent(recent.form!.student_number!.toLowerCase())}`);
      expect(ids(found)).to.deep.equal([recent.id]);
      expect(textOf(found)).to.contain('全1件');
      const byName = await clerk.browser.get(`/admin/applications?status=all&dir=desc&q=${encodeURIComponent('遅延　太郎')}`);
      expect(ids(byName)).to.deep.equal([overdue.id]);
      // Bad parameters are ignored, never an error.
      const odd = await clerk.browser.get('/admin/applications?sort=x%27&dir=up&page=-4&status=nope&q=%25_');
      expect(odd.status).to.equal(200);
      expect(textOf(odd)).to.contain('全0件');
      // Clean up: decide them all so that later tests start from an empty queue.
      await dataSource.getRepository(entities.Application).update({ status: 'submitted' }, { status: 'rejected' });
    });

    it('review page: document labels, one document.viewed per page view, duplicates linked', async () => {
      const first = await seedApplication(server, { form: { name_kanji: '重複 花子', birth_date: '1990-01-02', student_number: 'DUP0001' } });
      const sameName = await seedApplication(server, { form: { name_kanji: '重複　花子', birth_date: '1990-01-02' } });
      const sameEmail = await seedApplication(server, { email: first.email });
      const unrelated = await seedApplication(server, { form: { name_kanji: '重複 花子', birth_date: '1990-01-03' } });
      // An account holding the same student number (an earlier approval).
      const holder = await seedApplication(server, { form: { name_kanji: '別人 次郎', student_number: 'dup0001' } });
      const { accountId } = await approveApplication(server.services, { id: clerk.id }, { applicationId: holder.id });

      const before = (await server.services.audit.list()).filter((e) => e.event === 'document.viewed').length;
      const page = await clerk.browser.get(`/admin/applications/${first.id}`);
      const text = textOf(page);
      expect(text).to.contain('表面').and.contain('裏面').and.contain('拡大').and.contain('回転');
      const viewed = (await server.services.audit.list()).filter((e) => e.event === 'document.viewed');
      expect(viewed).to.have.length(before + 1);
      expect(viewed.at(-1)!.detail).to.include({ applicationId: first.id, documents: 2, staffId: clerk.id });
      // The images the page shows (Sec-Fetch-Dest: image) add nothing; one opened on its own does.
      const documents = await server.services.applications.listDocuments(first.id);
      for (const document of documents) {
        const image = await clerk.browser.request('GET', `/admin/applications/${first.id}/documents/${document.id}`, undefined, { 'sec-fetch-dest': 'image' });
        expect(image.status).to.equal(200);
      }
      expect((await server.services.audit.list()).filter((e) => e.event === 'document.viewed')).to.have.length(before + 1);

      expect(text).to.contain('重複の可能性');
      expect(page.html).to.contain(`href="/admin/applications/${sameName.id}"`).and.contain(`href="/admin/applications/${sameEmail.id}"`);
      expect(page.html).to.contain(`href="/admin/accounts/${accountId}"`).and.contain(`href="/admin/applications/${holder.id}"`);
      expect(page.html).to.not.contain(`href="/admin/applications/${unrelated.id}"`);
      expect(text).to.contain('氏名・生年月日が同じ').and.contain('メールアドレスが同じ').and.contain('学籍番号が同じ');
      const alone = await clerk.browser.get(`/admin/applications/${unrelated.id}`);
      expect(textOf(alone)).to.contain('同じ氏名・生年月日、学籍番号、メールアドレスの申請やアカウントはありません。');
    });

    it('standard reasons: chosen ones and free text, quoted in the applicant\'s language; bad choices refused on the page', async () => {
      const ja = await seedApplication(server);
      const page = await clerk.browser.get(`/admin/applications/${ja.id}`);
      expect(textOf(page)).to.contain('却下の理由（定型文）').and.contain('本人確認書類の画像が不鮮明で、記載内容を確認できませんでした。');
      const form = (fields: Record<string, string | string[]>) => {
        const body = new URLSearchParams();
        body.set('_csrf', page.html.match(/name="_csrf" value="([^"]+)"/)![1]!);
        body.set('version', page.html.match(/name="version" value="(\d+)"/)![1]!);
        for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
        return body.toString();
      };
      const post = (target: string, fields: Record<string, string | string[]>) => clerk.browser.request('POST', target, form(fields), { 'content-type': 'application/x-www-form-urlencoded' });
      const nothing = await post(`/admin/applications/${ja.id}/reject`, { reason: '  ' });
      expect(nothing.status).to.equal(400);
      expect(textOf(nothing)).to.contain('理由（定型文または自由記述）');
      const malformed = await post(`/admin/applications/${ja.id}/reject`, { reason_id: '../x' });
      expect(malformed.status).to.equal(400);
      const unknown = await post(`/admin/applications/${ja.id}/reject`, { reason_id: 'no_such_reason', reason: '追記' });
      expect(unknown.status).to.equal(422);
      expect(textOf(unknown)).to.contain('選ばれた定型文は、現在の設定にありません。').and.contain('追記');
      const done = await post(`/admin/applications/${ja.id}/reject`, { reason_id: ['mismatch', 'unreadable'], reason: '住所の記載もご確認ください。' });
      expect(textOf(done)).to.contain('却下しました。').and.contain('次の申請へ');
      const mail = await server.smtp.waitFor(ja.email, (m) => m.subject.includes('利用申請結果のお知らせ'));
      expect(mail.text).to.contain('理由：\n・本人確認書類の画像が不鮮明で、記載内容を確認できませんでした。\n・申請内容と本人確認書類の記載内容が一致しませんでした。\n住所の記載もご確認ください。');
      const audit = (await server.services.audit.list()).find((e) => e.event === 'application.rejected' && e.detail?.applicationId === ja.id);
      expect(audit?.detail?.reasons).to.equal('unreadable,mismatch');

      const en = await seedApplication(server, { lang: 'en' });
      const enPage = await clerk.browser.get(`/admin/applications/${en.id}`);
      const asked = await clerk.browser.submit(enPage, `/admin/applications/${en.id}/resubmission`, { reason_id: 'back_side', comment: '' });
      expect(textOf(asked)).to.contain('再申請を依頼しました。');
      const enMail = await server.smtp.waitFor(en.email, (m) => m.subject.includes('Result of your application'));
      expect(enMail.text).to.contain('Comment from the university:\n・Please add an image of the back of the identity document.');
    });

    it('two clerks on one application: each sees the other has it open; the later decision is refused, naming who decided what', async () => {
      const application = await seedApplication(server);
      const mine = await clerk.browser.get(`/admin/applications/${application.id}`);
      const theirs = await second.browser.get(`/admin/applications/${application.id}`);
      expect(textOf(theirs)).to.contain('この申請を開いている他の担当者').and.contain('審査 一郎');
      // At once: one wins, the other is told (whichever it is).
      const [a, b] = await Promise.all([
        approveThrough(clerk.browser, mine, application.id),
        second.browser.submit(theirs, `/admin/applications/${application.id}/reject`, { reason_id: 'duplicate', reason: '' }),
      ]);
      const outcomes = [a, b].map((p) => p.status);
      expect(outcomes.filter((s) => s === 409)).to.have.length(1);
      const loser = a.status === 409 ? a : b;
      const winner = a.status === 409 ? '確認 二郎' : '審査 一郎';
      const what = a.status === 409 ? '却下' : '承認';
      expect(textOf(loser)).to.contain('この申請は、他の担当者により既に処理されたか、状態が変わっています。').and.match(new RegExp(`${winner}.*が「${what}」を行いました。`));
      const history = (await server.services.applications.history(application.id)).map((e) => e.action);
      expect(history.filter((action) => action === 'approve' || action === 'reject')).to.have.length(1);

      // An application that changed since it was opened is refused even when it awaits a decision again:
      // here another clerk asked for a correction and the applicant resubmitted it meanwhile.
      const stale = await seedApplication(server);
      const old = await clerk.browser.get(`/admin/applications/${stale.id}`);
      const fresh = await second.browser.get(`/admin/applications/${stale.id}`);
      await second.browser.submit(fresh, `/admin/applications/${stale.id}/resubmission`, { comment: '学籍番号をご確認ください。' });
      const store = server.services.applications;
      await store.update(stale.id, { form: { ...stale.form, student_number: 'R999999' } });
      await store.transition((await store.findById(stale.id))!, 'resubmit', { type: 'applicant', id: null });
      for (const decide of [
        () => clerk.browser.submit(old, `/admin/applications/${stale.id}/reject`, { reason: '不備があります。' }),
        () => approveThrough(clerk.browser, old, stale.id),
      ]) {
        const refused = await decide();
        expect(refused.status).to.equal(409);
        expect(textOf(refused)).to.contain('申請者が「再申請」を行いました。');
      }
      expect((await store.findById(stale.id))!.status).to.equal('resubmitted');
      // Opened again, the page shows the resubmitted data and decides.
      const again = await clerk.browser.get(`/admin/applications/${stale.id}`);
      expect(textOf(again)).to.contain('R999999');
      expect(textOf(await clerk.browser.submit(again, `/admin/applications/${stale.id}/reject`, { reason: '不備があります。' }))).to.contain('却下しました。');
    });

    it('four-eyes on: a 変更 approval waits for a second staff member (not the first), both named in the audit log; off: one approval moves it', async () => {
      const original = await seedApplication(server, { form: { name_kanji: '移動 三郎' } });
      const { accountId } = await approveApplication(server.services, { id: clerk.id }, { applicationId: original.id });
      const change = await seedApplication(server, { form: { kind: 'change', name_kanji: '移動 三郎' } });
      server.config.graduates!.review = { ...server.config.graduates!.review, fourEyes: true };
      try {
        const page = await clerk.browser.get(`/admin/applications/${change.id}`);
        expect(textOf(page)).to.contain('二者確認：この申請の承認には、2人の担当者の承認が必要です。');
        const confirm = await clerk.browser.submit(page, `/admin/applications/${change.id}/approve`, { account_id: accountId! });
        expect(textOf(confirm)).to.contain('承認の確認').and.contain('別の担当者が確認して承認したときに');
        const recorded = await clerk.browser.submit(confirm, `/admin/applications/${change.id}/approve`, {});
        expect(textOf(recorded)).to.contain('承認を記録しました。');
        expect((await server.services.accounts.findById(accountId!))!.email).to.equal(original.email);
        expect((await server.services.applications.findById(change.id))!).to.include({ status: 'submitted', pendingBy: clerk.id, pendingAccountId: accountId });
        expect(textOf(await second.browser.get('/admin/applications?kind=change'))).to.contain('二者確認待ち');
        // The first clerk cannot confirm their own approval (the page offers no 承認; a forged post is refused).
        const own = await clerk.browser.get(`/admin/applications/${change.id}`);
        expect(textOf(own)).to.contain('ご自身の承認は、別の担当者が確認します。');
        const forged = await clerk.browser.request('POST', `/admin/applications/${change.id}/approve`, new URLSearchParams({
          _csrf: own.html.match(/name="_csrf" value="([^"]+)"/)![1]!, confirm: 'yes',
        }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
        expect(forged.status).to.equal(422);
        expect(textOf(forged)).to.contain('最初に承認した担当者とは別の担当者が承認してください。');
        // 承認を取り下げる clears the request; approved again, it waits once more.
        const withdrawn = await clerk.browser.submit(own, `/admin/applications/${change.id}/withdraw-approval`, {});
        expect(textOf(withdrawn)).to.contain('二者確認：この申請の承認には、2人の担当者の承認が必要です。');
        expect((await server.services.applications.findById(change.id))!).to.include({ pendingBy: null, pendingAccountId: null });
        expect((await server.services.audit.list()).some((e) => e.event === 'application.approval_withdrawn' && e.detail?.applicationId === change.id)).to.equal(true);
        await approveThrough(clerk.browser, withdrawn, change.id, { account_id: accountId! });
        expect((await server.services.applications.findById(change.id))!).to.include({ pendingBy: clerk.id });
        // The second staff member sees who approved, and confirms.
        const theirs = await second.browser.get(`/admin/applications/${change.id}`);
        expect(textOf(theirs)).to.match(/審査 一郎.*が.*に承認しました。別の担当者の確認を待っています。/);
        const done = await approveThrough(second.browser, theirs, change.id);
        expect(textOf(done)).to.contain('承認しました。');
        expect((await server.services.accounts.findById(accountId!))!.email).to.equal(change.email);
        const audit = (await server.services.audit.list()).filter((e) => e.detail?.applicationId === change.id);
        expect(audit.filter((e) => e.event === 'application.approval_requested').map((e) => e.detail?.staffId)).to.deep.equal([clerk.id, clerk.id]);
        expect(audit.find((e) => e.event === 'application.approved')?.detail).to.include({ requestedBy: clerk.id, confirmedBy: second.id, staffId: second.id });
        // The audit screen names both clerks, not their ids.
        const shown = (await auditPage(server.services, new StaffStore(server.services.database), { event: 'application.approved', subject: change.id }, {
          page: 1, pageSize: 5, lang: 'ja', timeZone: 'Asia/Tokyo',
        })).entries[0]!.details;
        expect(shown).to.deep.include({ name: '承認を記録した担当者', value: `審査 一郎 (${(await new StaffStore(server.services.database).findById(clerk.id))!.loginId})` });
        expect(shown.find((d) => d.name === '承認を確認した担当者')?.value).to.match(/^確認 二郎 \(/);
      } finally {
        server.config.graduates!.review = { ...server.config.graduates!.review, fourEyes: false };
      }

      const later = await seedApplication(server, { email: `moved.${db.name}.${Date.now()}@example.jp`, form: { kind: 'change' } });
      const page = await clerk.browser.get(`/admin/applications/${later.id}`);
      expect(textOf(page)).to.not.contain('二者確認');
      const done = await approveThrough(clerk.browser, page, later.id, { account_id: accountId! });
      expect(textOf(done)).to.contain('承認しました。');
      expect((await server.services.accounts.findById(accountId!))!.email).to.equal(later.email);
    });

    it('four-eyes: a confirmation of an approval withdrawn meanwhile fails like any late decision', async () => {
      const store = server.services.applications;
      const application = await seedApplication(server, { form: { kind: 'change' } });
      await store.requestApproval(application, clerk.id, '00000000-0000-4000-8000-000000000099');
      const seen = (await store.findById(application.id))!;
      await store.withdrawApproval(seen, clerk.id);
      let error: unknown;
      await store.transition(seen, 'approve', { type: 'staff', id: second.id }).catch((e: unknown) => { error = e; });
      expect(error).to.be.instanceOf(ApplicationStateError);
      expect((await store.findById(application.id))!).to.include({ status: 'submitted', pendingBy: null });
      // And a decision read before a request was recorded fails too.
      const before = (await store.findById(application.id))!;
      await store.requestApproval(before, clerk.id, '00000000-0000-4000-8000-000000000099');
      error = undefined;
      await store.transition(before, 'reject', { type: 'staff', id: second.id }).catch((e: unknown) => { error = e; });
      expect(error).to.be.instanceOf(ApplicationStateError);
      await store.transition((await store.findById(application.id))!, 'reject', { type: 'staff', id: second.id }, { comment: 'x' });
    });

    it('次の申請へ opens the next application of the same filtered queue, then says the queue is empty', async () => {
      const { dataSource, entities } = server.services.database;
      await dataSource.getRepository(entities.Application).update({ status: 'submitted' }, { status: 'rejected' });
      const older = await seedApplication(server, { daysAgo: 3, lang: 'en' });
      const newer = await seedApplication(server, { daysAgo: 1 });
      const page = await clerk.browser.get(`/admin/applications/${older.id}?sort=submitted`);
      const done = await clerk.browser.submit(page, `/admin/applications/${older.id}/reject`, { reason_id: 'no_record' });
      const next = done.html.match(/href="(\/admin\/applications\/next\?[^"]+)"/)![1]!.replace(/&amp;/g, '&');
      const opened = await clerk.browser.get(next);
      expect(opened.url).to.contain(`/admin/applications/${newer.id}`);
      const last = await clerk.browser.submit(opened, `/admin/applications/${newer.id}/reject`, { reason_id: 'no_record' });
      const empty = await clerk.browser.get(last.html.match(/href="(\/admin\/applications\/next\?[^"]+)"/)![1]!.replace(/&amp;/g, '&'));
      expect(textOf(empty)).to.contain('この絞り込み条件で審査待ちの申請は、もうありません。');
    });

    it('in English: the queue and the review page have every text (no key shown raw)', async () => {
      const application = await seedApplication(server, { daysAgo: 7 });
      try {
        const queue = await clerk.browser.get('/admin/applications?lang=en');
        const page = await clerk.browser.get(`/admin/applications/${application.id}`);
        const confirm = await clerk.browser.submit(page, `/admin/applications/${application.id}/approve`, {});
        for (const shown of [queue, page, confirm]) expect(textOf(shown)).to.not.match(/\b(review|staff|document)\.[a-z_]+\.[a-z_.]+/);
        expect(textOf(queue)).to.contain('Days waiting').and.contain('Past target').and.contain('What is applied for');
        expect(textOf(page)).to.contain('Front').and.contain('Back').and.contain('Possible duplicates').and.contain('Reasons for rejection (standard)');
        expect(textOf(confirm)).to.contain('Approve this application?');
      } finally {
        await clerk.browser.get('/admin/applications?lang=ja');
      }
    });
  });
}

for (const db of DATABASES) {
  describe(`staff review: migration 1764320000000 (${db.name})`, function () {
    this.timeout(60_000);

    it('fills the search text and the duplicate keys of the applications already stored', async () => {
      const database = await freshDatabase(db);
      const { dataSource } = database;
      try {
        await dataSource.runMigrations({ transaction: 'each' });
        const executed = async () => (await dataSource.query('SELECT name FROM migrations') as Array<{ name: string }>).map((m) => m.name);
        while ((await executed()).includes('ReviewConsole1764320000000')) await dataSource.undoLastMigration({ transaction: 'each' });
        // Written as the schema before the migration had it (the entity already knows the new columns).
        const now = '2026-01-05 10:00:00';
        const form = { name_kanji: 'ＡＢＣ 花子', birth_date: '1991-02-03', student_number: ' s 123 ', faculty: '文学部' };
        await dataSource.query(
          'INSERT INTO applications (id, purpose, kind, status, email, lang, form, created_at, updated_at, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          ['00000000-0000-4000-8000-00000000aaaa', 'account', 'new', 'submitted', 'Old@Example.jp', 'ja', JSON.stringify(form), now, now, now],
        );
        await dataSource.runMigrations({ transaction: 'each' });
        const row = await dataSource.getRepository(database.entities.Application).findOneOrFail({
          where: { id: '00000000-0000-4000-8000-00000000aaaa' }, select: { id: true, searchText: true, nameBirthKey: true, studentNumberKey: true },
        });
        expect(row).to.include({ nameBirthKey: 'abc花子|1991-02-03', studentNumberKey: 'S123' });
        expect(row.searchText).to.contain('old@example.jp').and.contain('abc 花子').and.contain('文学部');
      } finally {
        await dataSource.destroy();
      }
    });
  });
}

describe('staff review: configuration', () => {
  const base = { CONFIG_FILE: path.resolve('config/cert-idp.yaml') };
  it('refuses a target outside 1–90 days and a standard reason id listed twice', async () => {
    const { mkdtemp, readFile, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'review-config-'));
    const yaml = await readFile(base.CONFIG_FILE, 'utf8');
    const withReview = async (name: string, replace: (text: string) => string) => {
      const file = path.join(dir, name);
      await writeFile(file, replace(yaml).replace('path: demo-students.yaml', `path: ${path.resolve('config/demo-students.yaml')}`));
      return refusal({ CONFIG_FILE: file });
    };
    expect(await withReview('days.yaml', (t) => t.replace('targetDays: 5', 'targetDays: 0'))).to.contain('graduates.review.targetDays');
    expect(await withReview('eyes.yaml', (t) => t.replace('fourEyes: false', 'fourEyes: "yes"'))).to.contain('graduates.review.fourEyes');
    expect(await withReview('twice.yaml', (t) => t.replace('{ id: blurry,', '{ id: back_side,'))).to.contain('graduates.review.resubmissionReasons: id back_side is listed twice');
  });
});
