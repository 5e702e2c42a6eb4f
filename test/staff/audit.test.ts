import { randomUUID } from 'node:crypto';
import { mock } from 'node:test';
import { expect } from 'chai';
import type { AuditDetail } from '../../src/db/entities.js';
import { createStaffUser } from '../../src/staff/members/service.js';
import { textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { DATABASES, startTestServer, type TestServer } from '../support/harness.js';
import { signIn, type StaffCredentials } from '../support/staff.js';

// 監査ログ over real HTTP and the real database (both kinds): names instead of codes and ids, the
// filters (event, acting staff member, subject, the office's days — here in a configured time zone
// with daylight saving, America/New_York, so that neither UTC nor the default Asia/Tokyo would pass),
// pagination, and the CSV export for administrators.

/** The log's rows as text (the page's filter also lists every event). */
function rowsOf(page: Page): string {
  return textOf({ ...page, html: page.html.match(/<tbody>[\s\S]*<\/tbody>/)?.[0] ?? '' });
}

function rowCount(page: Page): number {
  return (page.html.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr>/g) ?? []).length;
}

for (const db of DATABASES) {
  describe(`staff console: audit log (${db.name})`, function () {
    this.timeout(90_000);
    let server: TestServer;
    const admin: StaffCredentials = { loginId: 'aud-admin', password: 'AudAdmin2026Pw' };
    const reviewer: StaffCredentials = { loginId: 'aud-reviewer', password: 'AudReview2026Pw' };
    let adminBrowser: HttpBrowser;
    const ids = { admin: '', reviewer: '', account: '', application: randomUUID() };
    const email = 'audit.subject@example.jp';
    let catalogueEntry = '';

    before(async () => {
      server = await startTestServer(db, (config) => { config.timeZone = 'America/New_York'; });
      for (const [creds, role, name] of [[admin, 'administrator', '監査 管理'], [reviewer, 'reviewer', '監査 審査']] as const) {
        const created = await createStaffUser(server.services, { loginId: creds.loginId, displayName: name, role, password: creds.password });
        if (created.kind !== 'ok') throw new Error(created.kind);
        creds.enrolmentUrl = created.enrolment.url;
        ids[role === 'administrator' ? 'admin' : 'reviewer'] = created.staff.id;
      }
      const account = await server.services.accounts.upsertStudent({
        userId: 'audit01', name: { family: '監査', given: '対象' }, enrollments: [],
      });
      await server.services.accounts.setVerifiedEmail(account.id, email);
      ids.account = account.id;
      const rows = server.services.database.dataSource.getRepository(server.services.database.entities.AuditEvent);
      const add = (at: string, event: string, accountId: string | null, detail: AuditDetail, ip = '192.0.2.1') =>
        rows.insert({ id: randomUUID(), occurredAt: new Date(at), event, accountId, ip, detail });
      // New York is UTC-5 in January: 04:30Z is 23:30 of the day before there.
      await add('2026-01-10T04:30:00Z', 'staff.login', null, { staffId: ids.admin, loginId: admin.loginId });
      await add('2026-01-10T05:30:00Z', 'account.locked', ids.account, { staffId: ids.reviewer });
      await add('2026-01-11T04:59:00Z', 'login.failure', ids.account, { userType: 'student', reason: 'second_password' });
      // A detail a spreadsheet would run (an actor id nobody knows is shown as it is).
      await add('2026-01-11T05:00:00Z', 'staff.created', null, { staffId: '=2+3', targetStaffId: ids.reviewer, loginId: reviewer.loginId, role: 'reviewer' });
      await add('2026-01-12T12:00:00Z', 'application.approved', null, { staffId: ids.reviewer, applicationId: ids.application });
      const [entry] = await server.services.database.dataSource.getRepository(server.services.database.entities.CatalogueEntry).find({ order: { sortOrder: 'ASC' }, take: 1 });
      await add('2026-01-12T13:00:00Z', 'catalogue.changed', null, { staffId: ids.admin, entryId: entry!.id, action: 'deactivated' });
      catalogueEntry = `${entry!.university} ${entry!.faculty} ${entry!.department}`;
      for (let i = 0; i < 60; i += 1) await add(`2026-02-01T15:${String(i).padStart(2, '0')}:00Z`, 'catalogue.changed', null, { staffId: ids.admin, entryId: String(i) });
      adminBrowser = await signIn(server, admin);
    });
    after(async () => { await server?.stop(); });

    it('shows names for events, staff members and accounts, times in the configured zone, and filters by the office\'s days', async () => {
      const day = await adminBrowser.get('/admin/audit?from=2026-01-10&to=2026-01-10');
      expect(day.status).to.equal(200);
      expect(rowCount(day), rowsOf(day)).to.equal(2);
      const rows = rowsOf(day);
      expect(rows).to.contain('アカウントのロック').and.to.contain('account.locked').and.to.contain('ログイン失敗');
      expect(rows).to.contain('2026/01/10 00:30:00').and.to.contain('2026/01/10 23:59:00');
      expect(rows).to.contain('監査 審査 (aud-reviewer)').and.to.contain('監査 対象');
      expect(rows).to.contain('理由: second_password').and.not.to.contain(ids.account).and.not.to.contain(ids.reviewer);
      expect(day.html).to.contain(`href="/admin/accounts/${ids.account}"`);
      expect(textOf(day)).to.contain('日時はAmerica/New_Yorkで表示しています。');

      const staffCreated = await adminBrowser.get('/admin/audit?event=staff.created');
      expect(rowsOf(staffCreated)).to.contain('スタッフの追加').and.to.contain('=2+3').and.to.contain('ログインID: aud-reviewer');
      const approved = rowsOf(await adminBrowser.get('/admin/audit?event=application.approved'));
      expect(approved).to.contain('申請の承認').and.to.contain(`申請: ${ids.application}`);
      const catalogue = rowsOf(await adminBrowser.get('/admin/audit?event=catalogue.changed&from=2026-01-12&to=2026-01-12'));
      expect(catalogue).to.contain(`項目: ${catalogueEntry}`).and.to.contain('操作: deactivated').and.to.contain('監査 管理 (aud-admin)');

    });

    it('filters by event, by the staff member who acted and by what was acted on', async () => {
      const january = 'from=2026-01-01&to=2026-01-31';
      const byReviewer = await adminBrowser.get(`/admin/audit?actor=${ids.reviewer}&${january}`);
      expect(rowCount(byReviewer), rowsOf(byReviewer)).to.equal(2);
      expect(rowsOf(byReviewer)).to.contain('アカウントのロック').and.to.contain('申請の承認');
      const byEmail = await adminBrowser.get(`/admin/audit?subject=${encodeURIComponent(email.toUpperCase())}&${january}`);
      expect(rowCount(byEmail), rowsOf(byEmail)).to.equal(2);
      const byAccountId = await adminBrowser.get(`/admin/audit?subject=${ids.account}`);
      expect(rowCount(byAccountId)).to.equal(2);
      const byStaffLogin = await adminBrowser.get(`/admin/audit?subject=aud-reviewer&${january}`);
      expect(rowCount(byStaffLogin), rowsOf(byStaffLogin)).to.equal(1);
      expect(rowsOf(byStaffLogin)).to.contain('スタッフの追加');
      const byApplication = await adminBrowser.get(`/admin/audit?subject=${ids.application}`);
      expect(rowCount(byApplication)).to.equal(1);
      // The last day a date field can hold means "no end", on the page and in the export.
      const open = `subject=${ids.account}&from=1970-01-01&to=9999-12-31`;
      const untilTheEnd = await adminBrowser.get(`/admin/audit?${open}`);
      expect(untilTheEnd.status).to.equal(200);
      expect(rowCount(untilTheEnd)).to.equal(2);
      const exported = await adminBrowser.request('GET', `/admin/audit.csv?${open}`);
      expect(exported.status).to.equal(200);
      expect(exported.body.toString('utf8').trim().split('\r\n'), 'a header and two rows').to.have.length(3);
      const event = await adminBrowser.get(`/admin/audit?event=login.failure&${january}`);
      expect(rowCount(event)).to.equal(1);
      const nobody = await adminBrowser.get('/admin/audit?subject=nobody-at-all');
      expect(nobody.status).to.equal(200);
      expect(textOf(nobody)).to.contain('記録はありません。');
    });

    it('refuses bad filters with a message on the page, never an error page', async () => {
      const cases: Array<[string, string]> = [
        ['from=2026-02-30', '期間（開始日）の入力内容が正しくありません。'],
        ['from=2026-01-31&to=2026-01-01', '終了日は開始日以降の日付にしてください。'],
        ['to=yesterday', '期間（終了日）の入力内容が正しくありません。'],
        ['from=0000-01-01', '期間（開始日）の入力内容が正しくありません。'],
        ['to=1969-12-31', '期間（終了日）の入力内容が正しくありません。'],
        ['event=no.such_event', 'イベントを選択してください。'],
        ['actor=not-an-id', '操作者（スタッフ）の入力内容が正しくありません。'],
        [`subject=${'x'.repeat(300)}`, '対象は254文字以内で入力してください。'],
      ];
      for (const [query, message] of cases) {
        const page = await adminBrowser.get(`/admin/audit?${query}`);
        expect(page.status, query).to.equal(400);
        expect(textOf(page), query).to.contain(message).and.to.contain('絞り込み条件');
        expect(page.html, query).to.contain('aria-invalid="true"');
      }
      // A repeated parameter is no value; a page number beyond the last shows the last page.
      expect((await adminBrowser.get('/admin/audit?event=a&event=b')).status).to.equal(200);
      const last = await adminBrowser.get('/admin/audit?from=2026-02-01&to=2026-02-01&page=99');
      expect(textOf(last)).to.contain('60件中 51〜60件目（2/2ページ）');
    });

    it('pages through the log with the filters kept', async () => {
      const first = await adminBrowser.get('/admin/audit?from=2026-02-01&to=2026-02-01&event=catalogue.changed');
      expect(textOf(first)).to.contain('60件中 1〜50件目（1/2ページ）');
      expect(rowCount(first)).to.equal(50);
      const next = first.html.match(/href="([^"]*page=2[^"]*)" rel="next"/)?.[1]?.replace(/&amp;/g, '&');
      expect(next).to.contain('event=catalogue.changed').and.to.contain('from=2026-02-01');
      const second = await adminBrowser.get(next!);
      expect(rowCount(second)).to.equal(10);
      expect(second.html).to.contain('rel="prev"').and.not.to.contain('rel="next"');
      const times = [...first.html.matchAll(/<td class="nowrap">(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2})<\/td>/g)].map((m) => m[1]!);
      expect([...times].sort().reverse()).to.deep.equal(times);
    });

    it('exports the filtered log as CSV for administrators only, safe against formula injection, audited', async () => {
      const page = await adminBrowser.get('/admin/audit?from=2026-01-10&to=2026-01-11');
      const href = page.html.match(/href="(\/admin\/audit\.csv\?[^"]*)"/)?.[1]?.replace(/&amp;/g, '&');
      expect(href).to.equal('/admin/audit.csv?from=2026-01-10&to=2026-01-11');
      const csv = await adminBrowser.request('GET', href!);
      expect(csv.status).to.equal(200);
      expect(csv.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).to.match(/^attachment; filename="audit-\d{8}T\d{6}\.csv"$/);
      expect(csv.headers.get('cache-control')).to.equal('no-store');
      const text = csv.body.toString('utf8');
      expect(text.startsWith('\uFEFF"日時","イベント","コード","操作者","対象","IPアドレス","詳細","詳細（記録されたまま）"\r\n')).to.equal(true);
      const lines = text.trim().split('\r\n');
      expect(lines).to.have.length(4);
      expect(lines[1]).to.match(/^"2026\/01\/11 00:00:00","スタッフの追加","staff\.created","'=2\+3","監査 審査 \(aud-reviewer\)"/);
      expect(text).to.contain('"2026/01/10 00:30:00","アカウントのロック","account.locked","監査 審査 (aud-reviewer)","監査 対象"');
      expect(text).to.not.match(/(^|,)"[=+\-@]/m);
      const exported = (await server.services.audit.list()).filter((e) => e.event === 'audit.exported').at(-1)!;
      expect(exported.detail).to.include({ staffId: ids.admin, rows: 3, filters: 'from=2026-01-10&to=2026-01-11' });
      expect(rowsOf(await adminBrowser.get('/admin/audit?event=audit.exported'))).to.contain('監査ログのCSV出力');

      const bad = await adminBrowser.request('GET', '/admin/audit.csv?from=2026-13-01');
      expect(bad.status).to.equal(400);
      const reviewerBrowser = await signIn(server, reviewer);
      for (const target of ['/admin/audit', '/admin/audit.csv']) {
        const refused = await reviewerBrowser.request('GET', target);
        expect(refused.status, target).to.equal(403);
        expect(refused.headers.get('content-type'), target).to.match(/^text\/html/);
      }
      // In English (the language switch is kept by a cookie: last).
      const english = await adminBrowser.get('/admin/audit?event=account.locked&lang=en');
      expect(rowsOf(english)).to.contain('Account locked');
    });

    it('keeps events written in one millisecond in the order they were written (audit trail and an application\'s history)', async () => {
      // Frozen clock: every event below has the same occurred_at, so only the id can order them.
      mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-03-02T01:00:00Z') });
      const written = Array.from({ length: 12 }, (_, i) => `same-ms-${i}`);
      const application = randomUUID();
      try {
        for (const marker of written) {
          await server.services.audit.record('document.viewed', { detail: { applicationId: application, marker } });
          await server.services.applications.recordEvent(application, 'staff', ids.reviewer, marker);
        }
      } finally {
        mock.timers.reset();
      }
      const trail = (await server.services.audit.list()).filter((e) => e.detail?.applicationId === application);
      expect(new Set(trail.map((e) => e.occurredAt.getTime())).size).to.equal(1);
      expect(trail.map((e) => e.detail?.marker)).to.deep.equal(written);
      expect((await server.services.applications.history(application)).map((e) => e.action)).to.deep.equal(written);
    });
  });
}
