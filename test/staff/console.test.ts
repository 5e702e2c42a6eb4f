import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { AdapterPayload } from 'oidc-provider';
import { createDataSource } from '../../src/db/data-source.js';
import type { ApplicationRow } from '../../src/db/entities.js';
import type { ApplicationForm } from '../../src/applications/fields.js';
import { ApplicationStateError, ApplicationStore } from '../../src/applications/store.js';
import { TypeOrmAdapter } from '../../src/oidc/adapter.js';
import { createStaffUser } from '../../src/staff/members/service.js';
import { ReviewError } from '../../src/staff/actions.js';
import { reissueInitialPassword } from '../../src/staff/accounts/service.js';
import { generateInitialPassword } from '../../src/staff/initial-password.js';
import { approveApplication, rejectApplication } from '../../src/staff/review/service.js';
import { listCatalogue } from '../../src/applications/catalogue.js';
import { StaffStore } from '../../src/staff/staff-store.js';
import { totpCode } from '../../src/staff/auth/totp.js';
import { findForm, textOf, type HttpBrowser } from '../support/browser.js';
import { enrolmentLinkOn, enrolThroughLink, initialPasswordIn, nextCode, secretOn, signIn, staffBrowser, wrongCode, type StaffCredentials, approveThrough } from '../support/staff.js';
import { hashToken } from '../../src/tokens/one-time-tokens.js';
import { DATABASES, startTestServer, type TestServer } from '../support/harness.js';

// The staff console (DESIGN §2.3) and the decisions of G2/G8 over real HTTP, the real database (both
// kinds), the real SMTP listener and TOTP codes computed here with otplib.

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const RESULT_SUBJECT = '利用申請結果のお知らせ';

let serial = 0;

/** An application as the applicant's pages leave it: draft → form → document → submitted. */
async function submittedApplication(
  server: TestServer,
  overrides: Partial<ApplicationForm> & { email?: string; purpose?: 'account' | 'enrollment'; accountId?: string; lang?: string } = {},
): Promise<{ application: ApplicationRow; email: string; form: ApplicationForm; documentId: string }> {
  serial += 1;
  const { email: emailOverride, purpose, accountId, lang, ...formOverrides } = overrides;
  const email = emailOverride ?? `applicant${serial}.${Date.now()}@example.jp`;
  const store = new ApplicationStore(server.services.database);
  const draft = await store.createDraft({ purpose: purpose ?? 'account', email, lang: lang ?? 'ja', accountId: accountId ?? null });
  const form: ApplicationForm = {
    kind: 'new', name_kanji: `電電 太郎${serial}`, name_kana: 'デンデン タロウ', name_romaji: 'DENDEN TAROU', gender: 'male', birth_date: '1999-09-09',
    last_enrolled_month: '2021-03', university: 'サンプル大学', faculty: '外国語学部', department: '外国語学科', student_number: `G70${String(serial).padStart(5, '0')}`,
    graduated_month: '2021-03', leaving_type: 'graduated', home_postal_code: '530-0001', home_prefecture: '大阪府', home_city: '大阪市北区',
    home_street: '梅田1-1-1', home_phone: '06-1234-5678', mobile_phone: '090-1234-5678', work_name: '株式会社サンプル', document_type: 'drivers_license',
    ...formOverrides,
  };
  await store.update(draft.id, { form, kind: form.kind === 'change' ? 'change' : 'new', termsVersion: '2026-04', termsAcceptedAt: new Date() });
  const document = await store.addDocument({
    applicationId: draft.id, documentType: 'drivers_license', contentType: 'image/png', byteSize: PNG.length, data: server.services.vault.encrypt(PNG),
  });
  const current = (await store.findById(draft.id))!;
  await store.transition(current, 'submit', { type: 'applicant', id: null });
  return { application: (await store.findById(draft.id))!, email, form, documentId: document.id };
}

/** Runs the CLI as an operator would (tsx under this Node), password on standard input. */
function runCli(args: string[], password: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/create-staff.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', CONFIG_FILE: path.resolve('config/cert-idp.yaml'), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(`${password}\n`);
  });
}

describe('staff console: create-staff command', function () {
  this.timeout(60_000);

  it('creates an administrator from the command line (password on stdin), refusing a weak password', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-staff-cli-'));
    try {
      const weak = await runCli(['--login', 'weakling', '--name', '弱い 人', '--role', 'administrator'], 'password', { DATA_DIR: dataDir });
      expect(weak.code, weak.stderr).to.equal(1);
      expect(weak.stderr).to.contain('password policy');
      const ok = await runCli(['--login', 'Office.Admin', '--name', '事務 管理者', '--role', 'administrator'], 'Kanri2026Pw', { DATA_DIR: dataDir, ISSUER: 'https://login.example.ac.jp' });
      expect(ok.code, ok.stderr).to.equal(0);
      expect(ok.stdout).to.contain('created administrator office.admin');
      // The enrolment link: built from ISSUER, 256 bits, printed once (only its hash is stored).
      const link = ok.stdout.match(/^(https:\/\/login\.example\.ac\.jp\/admin\/enrol\?token=([A-Za-z0-9_-]{43}))$/m);
      expect(link, ok.stdout).to.not.equal(null);
      expect(ok.stdout).to.contain('enrolment link (one use, until ');
      const token = link![2]!;
      const again = await runCli(['--login', 'office.admin', '--name', '事務 管理者', '--role', 'administrator'], 'Kanri2026Pw', { DATA_DIR: dataDir });
      expect(again.code).to.equal(1);
      expect(again.stderr).to.contain('already taken');
      const usage = await runCli(['--name', 'x'], 'Kanri2026Pw', { DATA_DIR: dataDir });
      expect(usage.code).to.equal(2);

      const readRows = async () => {
        const database = createDataSource({ sqliteFile: path.join(dataDir, 'cert-idp.sqlite') });
        await database.dataSource.initialize();
        try {
          return await database.dataSource.getRepository(database.entities.StaffUser).find();
        } finally {
          await database.dataSource.destroy();
        }
      };
      const rows = await readRows();
      expect(rows.map((r) => [r.loginId, r.role, r.displayName, r.totpEnabled])).to.deep.equal([['office.admin', 'administrator', '事務 管理者', false]]);
      expect(rows[0]!.passwordHash).to.match(/^\$argon2id\$/);
      expect(JSON.stringify(rows)).to.not.contain('Kanri2026Pw').and.not.contain(token);
      expect(rows[0]!.enrolmentTokenHash).to.equal(hashToken(token));
      const hours = (rows[0]!.enrolmentExpiresAt!.getTime() - Date.now()) / 3600_000;
      expect(hours).to.be.within(71.9, 72.01);

      // --enrolment-link: a new link for an existing user (no password read); the earlier one stops working.
      const again2 = await runCli(['--login', 'office.admin', '--enrolment-link'], '', { DATA_DIR: dataDir, ISSUER: 'https://login.example.ac.jp' });
      expect(again2.code, again2.stderr).to.equal(0);
      const newToken = again2.stdout.match(/\/admin\/enrol\?token=([A-Za-z0-9_-]{43})$/m)?.[1];
      expect(newToken, again2.stdout).to.be.a('string').and.not.equal(token);
      expect((await readRows())[0]!.enrolmentTokenHash).to.equal(hashToken(newToken!));
      const nobody = await runCli(['--login', 'nobody', '--enrolment-link'], '', { DATA_DIR: dataDir });
      expect(nobody.code).to.equal(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

for (const db of DATABASES) {
  describe(`staff console (${db.name})`, function () {
    this.timeout(60_000);
    let server: TestServer;
    const admin: StaffCredentials = { loginId: 'admin', password: 'Admin2026Pass' };
    let adminBrowser: HttpBrowser;
    let reviewer: StaffCredentials;
    let reviewerBrowser: HttpBrowser;

    before(async () => {
      server = await startTestServer(db);
      const created = await createStaffUser(server.services, { loginId: admin.loginId, displayName: '管理 花子', role: 'administrator', password: admin.password });
      expect(created.kind).to.equal('ok');
      admin.enrolmentUrl = created.kind === 'ok' ? created.enrolment.url : undefined;
    });
    after(async () => { await server?.stop(); });

    it('createStaffUser refuses weak passwords, bad roles and taken login IDs', async () => {
      const weak = await createStaffUser(server.services, { loginId: 'weak', displayName: 'x', role: 'reviewer', password: 'password' });
      expect(weak.kind).to.equal('invalid');
      const role = await createStaffUser(server.services, { loginId: 'someone', displayName: 'x', role: 'root', password: 'Strong2026Pw' });
      expect(role).to.include({ kind: 'invalid', role: true });
      const taken = await createStaffUser(server.services, { loginId: 'ADMIN', displayName: 'x', role: 'reviewer', password: 'Strong2026Pw' });
      expect(taken.kind).to.equal('exists');
    });

    it('sends every console page to the login without a session', async () => {
      const browser = staffBrowser(server);
      for (const target of ['/admin', '/admin/applications', '/admin/accounts', '/admin/audit', '/admin/catalogue', '/admin/staff',
        '/admin/applications/00000000-0000-4000-8000-000000000000/documents/00000000-0000-4000-8000-000000000000']) {
        const response = await browser.request('GET', target);
        expect(response.status, target).to.equal(302);
        expect(response.location, target).to.equal(`${server.url}/admin/login`);
        expect(response.headers.get('cache-control'), target).to.equal('no-store');
      }
      const post = await browser.request('POST', '/admin/applications/00000000-0000-4000-8000-000000000000/approve', { _csrf: 'x' });
      expect(post.status).to.be.oneOf([303, 403]);
      // The totp and enrolment pages need the password step first.
      expect((await browser.request('GET', '/admin/totp')).location).to.equal(`${server.url}/admin/login`);
      expect((await browser.request('GET', '/admin/enrol')).location).to.equal(`${server.url}/admin/login`);
    });

    it('enrols TOTP only through the enrolment link: the password alone reaches no enrolment; a wrong code is refused', async () => {
      const users = server.services.database.dataSource.getRepository(server.services.database.entities.StaffUser);
      const row = () => users.findOneByOrFail({ loginId: 'admin' });
      const browser = staffBrowser(server);
      const login = await browser.get('/admin/login');
      expect(login.headers.get('cache-control')).to.equal('no-store');
      expect(textOf(login)).to.contain('スタッフログイン');
      const wrong = await browser.submit(login, '/admin/login', { login_id: 'admin', password: 'Wrong2026Pass' });
      expect(textOf(wrong)).to.contain('ログインID、パスワードまたは確認コードが正しくありません。');
      const unknown = await browser.submit(login, '/admin/login', { login_id: 'nobody', password: admin.password });
      expect(textOf(unknown)).to.contain('ログインID、パスワードまたは確認コードが正しくありません。');

      // The password alone: the console asks for an enrolment link and shows (and makes) no secret.
      const needsLink = await browser.submit(login, '/admin/login', { login_id: 'Admin', password: admin.password });
      expect(needsLink.url).to.match(/\/admin\/enrol$/);
      expect(needsLink.status).to.equal(403);
      expect(textOf(needsLink)).to.contain('二要素認証がまだ設定されていません').and.to.contain('管理者に設定用リンクの発行を依頼し');
      expect(needsLink.html).to.not.contain('totp-secret').and.not.contain('data:image/svg+xml');
      expect((await row()).totpSecretSealed).to.equal(null);
      // Only the enrolment is reachable before it is done.
      expect((await browser.request('GET', '/admin/applications')).location).to.equal(`${server.url}/admin/enrol`);
      // An enrolment without the link, with a made-up one or another shape: refused, nothing enrolled.
      const _csrf = findForm(login, '/admin/login').hidden._csrf!;
      for (const token of [undefined, 'A'.repeat(43), 'short', '']) {
        const forged = await browser.request('POST', '/admin/enrol', { _csrf, code: '123456', ...(token === undefined ? {} : { token }) });
        expect(forged.status, String(token)).to.equal(400);
        expect(textOf(forged)).to.contain('この設定用リンクは使用できません');
      }
      expect(await browser.request('GET', '/admin/enrol?token=AAAA')).to.include({ status: 400 });
      expect((await row()).totpEnabled).to.equal(false);

      // The link (built from ISSUER): GET and HEAD look at it without using it up; it opens the login first.
      const link = admin.enrolmentUrl!;
      const token = new URL(link).searchParams.get('token')!;
      expect(link).to.equal(`${server.url}/admin/enrol?token=${token}`);
      expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect((await row()).enrolmentTokenHash).to.equal(hashToken(token));
      const fresh = staffBrowser(server);
      expect((await fresh.request('HEAD', link)).status).to.equal(200);
      const linkLogin = await fresh.get(link);
      expect(linkLogin.status).to.equal(200);
      expect(textOf(linkLogin)).to.contain('二要素認証を設定するには、ログインIDとパスワードでログインしてください。');
      expect(linkLogin.html).to.not.contain('totp-secret');
      expect(findForm(linkLogin, '/admin/login').hidden.enrolment_token).to.equal(token);
      const failed = await fresh.submit(linkLogin, '/admin/login', { login_id: 'admin', password: 'Wrong2026Pass' });
      expect(failed.status).to.equal(401);
      expect(findForm(failed, '/admin/login').hidden.enrolment_token, 'a failed login keeps the link').to.equal(token);

      const enrol = await fresh.submit(failed, '/admin/login', { login_id: 'Admin', password: admin.password });
      expect(enrol.url).to.equal(link);
      const cookie = fresh.setCookies.find((c) => c.startsWith('cert_idp.staff='))!;
      expect(cookie).to.match(/httponly/i).and.to.match(/samesite=strict/i).and.to.match(/path=\/admin/i);
      expect(enrol.html).to.match(/<img[^>]+src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
      expect(textOf(enrol)).to.contain('二要素認証の設定');
      admin.secret = secretOn(enrol);
      expect(admin.secret).to.match(/^[A-Z2-7]{32}$/);
      const sealed = (await row()).totpSecretSealed!;
      expect(sealed).to.not.contain(admin.secret);
      expect(server.services.vault.decrypt(Buffer.from(sealed, 'base64')).toString()).to.equal(admin.secret);

      // A reload shows the same secret (a scanned QR code stays valid); so does the link in the first
      // browser, whose password-only session is the same user's.
      expect(secretOn(await fresh.get(link))).to.equal(admin.secret);
      const other = await browser.get(link);
      expect(secretOn(other)).to.equal(admin.secret);

      const refused = await fresh.submit(enrol, '/admin/enrol', { code: await wrongCode(admin.secret) });
      expect(refused.status).to.equal(401);
      expect(textOf(refused)).to.contain('ログインID、パスワードまたは確認コードが正しくありません。');
      const queue = await fresh.submit(refused, '/admin/enrol', { code: await nextCode(admin) });
      expect(queue.url).to.match(/\/admin\/applications$/);
      expect(textOf(queue)).to.contain('申請一覧');
      expect(queue.headers.get('cache-control')).to.equal('no-store');
      adminBrowser = fresh;
      admin.enrolmentUrl = undefined;

      // Used once: the link opens nothing any more, and enrols nobody again.
      expect((await row())).to.include({ totpEnabled: true, enrolmentTokenHash: null, enrolmentExpiresAt: null });
      const used = await staffBrowser(server).get(link);
      expect(used.status).to.equal(400);
      expect(textOf(used)).to.contain('この設定用リンクは使用できません').and.to.contain('管理者に新しい設定用リンクの発行を依頼してください');
      const second = await browser.submit(other, '/admin/enrol', { code: await totpCode(admin.secret, admin.lastStep! * 30_000) });
      expect(second.url).to.match(/\/admin\/totp$/);
      expect((await row()).totpSecretSealed).to.equal(sealed);
      const events = (await server.services.audit.list()).map((e) => e.event);
      expect(events).to.include.members(['staff.login_failed', 'staff.totp_enrolled', 'staff.login']);
    });

    it('refuses an expired enrolment link, also on the open enrolment page; a new link replaces the old one', async () => {
      const users = server.services.database.dataSource.getRepository(server.services.database.entities.StaffUser);
      const creds: StaffCredentials = { loginId: 'latecomer', password: 'Latecomer2026Pw' };
      const created = await createStaffUser(server.services, { loginId: creds.loginId, displayName: '遅刻 三郎', role: 'reviewer', password: creds.password });
      if (created.kind !== 'ok') throw new Error(created.kind);
      const first = created.enrolment.url;
      const hours = (created.enrolment.expiresAt.getTime() - Date.now()) / 3600_000;
      expect(hours, 'lifetimes.staffEnrolmentHours defaults to 72').to.be.within(71.9, 72.01);
      const config = { ...server.config, lifetimes: { ...server.config.lifetimes, staffEnrolmentHours: 2 } };
      const short = await createStaffUser({ ...server.services, config }, { loginId: 'shortlink', displayName: '短期 四郎', role: 'reviewer', password: 'Shortlink2026Pw' });
      expect(short.kind === 'ok' && (short.enrolment.expiresAt.getTime() - Date.now()) / 3600_000).to.be.within(1.9, 2.01);

      const browser = staffBrowser(server);
      let page = await browser.get(first);
      page = await browser.submit(page, '/admin/login', { login_id: creds.loginId, password: creds.password });
      creds.secret = secretOn(page);
      await users.update({ loginId: creds.loginId }, { enrolmentExpiresAt: new Date(Date.now() - 1000) });
      const late = await browser.submit(page, '/admin/enrol', { code: await nextCode(creds) });
      expect(late.status).to.equal(410);
      expect(textOf(late)).to.contain('この設定用リンクは有効期限が切れています。管理者に新しい設定用リンクの発行を依頼してください。');
      expect((await users.findOneByOrFail({ loginId: creds.loginId })).totpEnabled).to.equal(false);
      const expired = await staffBrowser(server).get(first);
      expect(expired.status).to.equal(410);
      expect(expired.html).to.not.contain('totp-secret');

      // An administrator issues a new link (the row's button for a user who has not enrolled).
      let staffPage = await adminBrowser.get('/admin/staff');
      const id = (await users.findOneByOrFail({ loginId: creds.loginId })).id;
      expect(textOf(staffPage)).to.contain('設定用リンクを再発行');
      staffPage = await adminBrowser.submit(staffPage, `/admin/staff/${id}/reset-totp`, {});
      creds.enrolmentUrl = enrolmentLinkOn(staffPage);
      expect(creds.enrolmentUrl).to.not.equal(first);
      expect(textOf(staffPage)).to.contain('1回だけ使えます');
      expect((await staffBrowser(server).get(first)).status, 'the old link stays dead').to.be.oneOf([400, 410]);
      const queue = await enrolThroughLink(server, staffBrowser(server), creds);
      expect(queue.url).to.match(/\/admin\/applications$/);
    });

    it('refuses a wrong or reused TOTP code; a password-only session reaches nothing but the TOTP page', async () => {
      const browser = staffBrowser(server);
      const login = await browser.get('/admin/login');
      const totp = await browser.submit(login, '/admin/login', { login_id: 'admin', password: admin.password });
      expect(totp.url).to.match(/\/admin\/totp$/);
      for (const target of ['/admin/applications', '/admin/audit', '/admin/accounts', '/admin/enrol',
        '/admin/applications/00000000-0000-4000-8000-000000000000/documents/00000000-0000-4000-8000-000000000000']) {
        const response = await browser.request('GET', target);
        expect(response.location, target).to.equal(`${server.url}/admin/totp`);
      }
      const wrong = await browser.submit(totp, '/admin/totp', { code: await wrongCode(admin.secret!) });
      expect(wrong.status).to.equal(401);
      const reused = await browser.submit(wrong, '/admin/totp', { code: await totpCode(admin.secret!, admin.lastStep! * 30_000) });
      expect(reused.status).to.equal(401);
      expect(textOf(reused)).to.contain('ログインID、パスワードまたは確認コードが正しくありません。');
      const audit = await server.services.audit.list();
      expect(audit.filter((e) => e.event === 'staff.login_failed').map((e) => e.detail?.reason)).to.include.members(['totp', 'totp_reused']);
      const before = browser.setCookies.length;
      const queue = await browser.submit(reused, '/admin/totp', { code: await nextCode(admin) });
      expect(queue.url).to.match(/\/admin\/applications$/);
      // A new session id after the second factor.
      expect(browser.setCookies.slice(before).some((c) => c.startsWith('cert_idp.staff='))).to.equal(true);
      const logout = await browser.submit(queue, '/admin/logout', {});
      expect(textOf(logout)).to.contain('ログアウトしました。');
      expect((await browser.request('GET', '/admin/applications')).location).to.equal(`${server.url}/admin/login`);
    });

    it('lets an administrator add a reviewer, who enrols and gets 403 on administrator pages', async () => {
      const staffPage = await adminBrowser.get('/admin/staff');
      const created = await adminBrowser.submit(staffPage, '/admin/staff', { login_id: 'reviewer1', display_name: '審査 一郎', role: 'reviewer' });
      const password = created.html.match(/id="initial-password">([^<]+)</)?.[1];
      expect(password, textOf(created)).to.be.a('string');
      // The enrolment link, shown once beside the password, for this user.
      const enrolmentUrl = enrolmentLinkOn(created);
      expect(enrolmentUrl).to.match(new RegExp(`^${server.url}/admin/enrol\\?token=[A-Za-z0-9_-]{43}$`));
      const row = await server.services.database.dataSource.getRepository(server.services.database.entities.StaffUser).findOneByOrFail({ loginId: 'reviewer1' });
      expect(row.enrolmentTokenHash).to.equal(hashToken(new URL(enrolmentUrl).searchParams.get('token')!));
      expect(created.html.match(/id="enrolment-link"/g)).to.have.length(1);
      expect((await adminBrowser.get('/admin/staff')).html, 'shown once').to.not.contain('id="enrolment-link"');
      reviewer = { loginId: 'reviewer1', password: password!, enrolmentUrl };
      reviewerBrowser = await signIn(server, reviewer);
      for (const target of ['/admin/catalogue', '/admin/audit', '/admin/staff']) {
        const response = await reviewerBrowser.request('GET', target);
        expect(response.status, target).to.equal(403);
        expect(textOf(response)).to.contain('この操作を行う権限がありません。');
      }
      const queue = await reviewerBrowser.get('/admin/applications');
      const forged = await reviewerBrowser.request('POST', '/admin/catalogue', { _csrf: findForm(queue, '/admin/logout').hidden._csrf!, university: 'X', faculty: 'Y', department: 'Z' });
      expect(forged.status).to.equal(403);
      // CSRF: a form post without the token is refused.
      const noToken = await reviewerBrowser.request('POST', '/admin/logout', {});
      expect(noToken.status).to.equal(403);
    });

    it('lists a submitted application in the queue and the search; the detail shows the fields and the decrypted document', async () => {
      const { application, email, form, documentId } = await submittedApplication(server);
      const queue = await reviewerBrowser.get('/admin/applications');
      expect(queue.html).to.contain(`/admin/applications/${application.id}`);
      for (const q of [form.name_kanji!.split(' ')[1]!, form.student_number!, email.toUpperCase()]) {
        const found = await reviewerBrowser.get(`/admin/applications?status=all&q=${encodeURIComponent(q)}`);
        expect(found.html, q).to.contain(`/admin/applications/${application.id}`);
      }
      const none = await reviewerBrowser.get('/admin/applications?status=all&q=nosuchapplicant');
      expect(none.html).to.not.contain(`/admin/applications/${application.id}`);
      const filtered = await reviewerBrowser.get('/admin/applications?status=all&kind=change');
      expect(filtered.html).to.not.contain(`/admin/applications/${application.id}`);

      const detail = await reviewerBrowser.get(`/admin/applications/${application.id}`);
      const text = textOf(detail);
      for (const expected of ['申請者氏名（漢字）', form.name_kanji!, '申請者氏名（カタカナ）', 'デンデン タロウ', 'DENDEN TAROU', '生年月日', '1999/09/09', '最終在学年月',
        '大学名', 'サンプル大学', '学部名', '外国語学部', '学科名', '外国語学科', '学籍番号', form.student_number!, '卒業（修了）年月', '卒業 / 退学 / 除籍 種別', '卒業',
        '郵便番号', '530-0001', '都道府県', '大阪府', '町名番地', '梅田1-1-1', '携帯電話番号', '勤務先名', '株式会社サンプル', '本人確認用書類の種類', '運転免許証', '性別', '男性', email]) {
        expect(text, expected).to.contain(expected);
      }
      expect(text).to.contain('承認する').and.to.contain('却下する').and.to.contain('再申請を依頼する');
      expect(text).to.contain('履歴');

      const image = await reviewerBrowser.request('GET', `/admin/applications/${application.id}/documents/${documentId}`);
      expect(image.status).to.equal(200);
      expect(image.headers.get('content-type')).to.equal('image/png');
      expect(image.headers.get('cache-control')).to.equal('no-store');
      expect(image.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(image.body.equals(PNG)).to.equal(true);
      const viewed = (await server.services.audit.list()).filter((e) => e.event === 'document.viewed');
      expect(viewed.at(-1)?.detail).to.include({ applicationId: application.id, documentId });
      // Not served to someone without a session, nor for another application's id.
      expect((await staffBrowser(server).request('GET', `/admin/applications/${application.id}/documents/${documentId}`)).status).to.equal(302);
      const other = await submittedApplication(server);
      expect((await reviewerBrowser.request('GET', `/admin/applications/${other.application.id}/documents/${documentId}`)).status).to.equal(404);
    });

    it('approves a new application: the account exists with an initial password that the mail carries', async () => {
      const { application, email, form } = await submittedApplication(server);
      const detail = await reviewerBrowser.get(`/admin/applications/${application.id}`);
      const done = await approveThrough(reviewerBrowser, detail, application.id, {});
      expect(textOf(done)).to.contain('承認しました。').and.to.contain('申請者へのメールを送信しました。');
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes(RESULT_SUBJECT));
      expect(mail.text).to.contain('証明書発行サービスの利用申請が受諾されました。');
      expect(mail.text).to.contain('以下の初回パスワードを使用し、ログインしてください。');
      expect(mail.text).to.contain('※ログイン後はパスワードの再設定をしてください。');
      expect(mail.text).to.match(/（有効期限：\d{4}\/\d{2}\/\d{2}）/);
      expect(mail.text).to.contain(`ログインはこちらから\n${server.url}/account?login_type=graduate`);
      expect(mail.text).to.contain('◎このメールは送信専用メールです。');
      const password = initialPasswordIn(mail);
      expect(password).to.match(/^[A-Za-z0-9]{12}$/);

      const account = (await server.services.accounts.findGraduateByEmail(email))!;
      expect(account).to.include({ userType: 'graduate', emailVerified: true, passwordIsInitial: true, secondPasswordHash: null, locale: 'ja', termsVersion: '2026-04' });
      expect(await server.services.hasher.verify(account.passwordHash, password)).to.equal(true);
      const days = (account.passwordExpiresAt!.getTime() - Date.now()) / 86400_000;
      expect(days).to.be.within(13.9, 14.01);
      expect(account.profile!.name).to.deep.equal({ family: '電電', given: form.name_kanji!.split(' ')[1] });
      expect(account.profile!.nameKana).to.deep.equal({ family: 'デンデン', given: 'タロウ' });
      expect(account.profile!.enrollments).to.deep.equal([{
        student_number: form.student_number, university: 'サンプル大学', faculty: '外国語学部', department: '外国語学科', status: 'graduated', graduated_on: '2021-03',
      }]);
      expect(account.personal).to.include({ home_prefecture: '大阪府', birth_date: '1999-09-09', gender: 'male', work_name: '株式会社サンプル' });
      const approved = (await new ApplicationStore(server.services.database).findById(application.id))!;
      expect(approved).to.include({ status: 'approved', accountId: account.id });
      const audit = (await server.services.audit.list()).find((e) => e.event === 'application.approved' && e.detail?.applicationId === application.id);
      expect(audit?.detail?.staffId).to.be.a('string');
      expect(audit?.accountId).to.equal(account.id);

      // A second 新規 application for the same address is refused (it is a 変更).
      const again = await submittedApplication(server, { email });
      const page = await reviewerBrowser.get(`/admin/applications/${again.application.id}`);
      const refused = await approveThrough(reviewerBrowser, page, again.application.id, {});
      expect(refused.status).to.equal(422);
      expect(textOf(refused)).to.contain('このメールアドレスは既に別のアカウントで使用されているため、承認できません。');
      expect((await new ApplicationStore(server.services.database).findById(again.application.id))!.status).to.equal('submitted');
    });

    it('rejects with a required reason, mailed to the applicant', async () => {
      const { application, email } = await submittedApplication(server);
      const detail = await reviewerBrowser.get(`/admin/applications/${application.id}`);
      const missing = await reviewerBrowser.submit(detail, `/admin/applications/${application.id}/reject`, { reason: '   ' });
      expect(missing.status).to.equal(400);
      const done = await reviewerBrowser.submit(detail, `/admin/applications/${application.id}/reject`, { reason: '本人確認書類の画像が不鮮明です。' });
      expect(textOf(done)).to.contain('却下しました。');
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes(RESULT_SUBJECT));
      expect(mail.text).to.contain('受諾されませんでした').and.to.contain('本人確認書類の画像が不鮮明です。');
      expect((await new ApplicationStore(server.services.database).findById(application.id))!).to.include({ status: 'rejected', staffComment: '本人確認書類の画像が不鮮明です。' });
      // Deciding again: a clear message, nothing changes.
      const again = await approveThrough(reviewerBrowser, detail, application.id, {});
      expect(again.status).to.equal(409);
      expect(textOf(again)).to.contain('この申請は、他の担当者により既に処理されたか、状態が変わっています。');
    });

    it('never says a mail was sent when it could not be queued', async () => {
      const { application } = await submittedApplication(server);
      const detail = await reviewerBrowser.get(`/admin/applications/${application.id}`);
      const sendMail = server.services.sendMail;
      server.services.sendMail = () => Promise.reject(new Error('outbox unavailable'));
      try {
        const done = await reviewerBrowser.submit(detail, `/admin/applications/${application.id}/reject`, { reason: '書類が不足しています。' });
        expect(textOf(done)).to.contain('却下しました。').and.to.contain('メールを送信できませんでした').and.not.to.contain('申請者へのメールを送信しました。');
      } finally {
        server.services.sendMail = sendMail;
      }
      const audit = (await server.services.audit.list()).find((e) => e.event === 'application.rejected' && e.detail?.applicationId === application.id);
      expect(audit?.detail?.mailQueued).to.equal(false);
    });

    it('asks for resubmission: the mail carries a link that opens the same application', async () => {
      const { application, email } = await submittedApplication(server, { lang: 'en' });
      const detail = await reviewerBrowser.get(`/admin/applications/${application.id}`);
      const missing = await reviewerBrowser.submit(detail, `/admin/applications/${application.id}/resubmission`, { comment: '' });
      expect(missing.status).to.equal(400);
      const done = await reviewerBrowser.submit(detail, `/admin/applications/${application.id}/resubmission`, { comment: 'Please upload the back side too.' });
      expect(textOf(done)).to.contain('再申請を依頼しました。');
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('Result of your application'));
      expect(mail.text).to.contain('Please upload the back side too.');
      const link = mail.text.match(/https?:\/\/\S+\/graduates\/apply\/continue\?key=(\S+)/);
      expect(link, mail.text).to.not.equal(null);
      expect(link![0]).to.satisfy((url: string) => url.startsWith(`${server.url}/graduates/apply/continue?key=`));
      const found = await new ApplicationStore(server.services.database).findByAccessKey(decodeURIComponent(link![1]!));
      expect(found).to.include({ id: application.id, status: 'resubmission_requested' });
      const history = await new ApplicationStore(server.services.database).history(application.id);
      expect(history.map((e) => e.action)).to.deep.equal(['created', 'submit', 'request_resubmission']);
      expect(history[2]).to.include({ actorType: 'staff', comment: 'Please upload the back side too.' });
    });

    it('lets only one of two concurrent approvals win', async () => {
      const { application, email } = await submittedApplication(server);
      const results = await Promise.allSettled([
        approveApplication(server.services, { id: 'staff-a' }, { applicationId: application.id }),
        approveApplication(server.services, { id: 'staff-b' }, { applicationId: application.id }),
        rejectApplication(server.services, { id: 'staff-c' }, { applicationId: application.id, reason: 'x' }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).to.have.length(1);
      for (const lost of results.filter((r) => r.status === 'rejected')) {
        expect((lost as PromiseRejectedResult).reason).to.be.instanceOf(ApplicationStateError);
      }
      const accounts = await server.services.database.dataSource.getRepository(server.services.database.entities.Account).findBy({ email });
      expect(accounts.length).to.equal(won[0] && 'value' in won[0] && won[0].value.status === 'approved' ? 1 : 0);
      await server.smtp.waitFor(email, (m) => m.subject.includes(RESULT_SUBJECT));
    });

    it('G8: approving a 変更 application moves the chosen account to the new address, resets its second password and ends its sessions', async () => {
      // An existing graduate who completed the first login.
      const first = await submittedApplication(server, { name_kanji: '紛失 次郎', student_number: 'G8000001' });
      const approved = await approveApplication(server.services, { id: 'staff-x' }, { applicationId: first.application.id });
      await server.smtp.waitFor(first.email, (m) => m.subject.includes(RESULT_SUBJECT));
      const accountId = approved.accountId!;
      await server.services.accounts.setPasswords(accountId, {
        passwordHash: await server.services.hasher.hash('Chosen2026Pw'), secondPasswordHash: await server.services.hasher.hash('Second2026Pw'),
      });
      const sessions = new TypeOrmAdapter('Session', server.services.database);
      await sessions.upsert('g8-session', { accountId, loginTs: Math.floor(Date.now() / 1000) } as AdapterPayload, 3600);
      const pendingReset = await server.services.tokens.issue('reset_second_password', accountId);

      // Another graduate whose address the new application must not take.
      const bystander = await submittedApplication(server, { name_kanji: '無関係 三郎' });
      await approveApplication(server.services, { id: 'staff-x' }, { applicationId: bystander.application.id });
      await server.smtp.waitFor(bystander.email, (m) => m.subject.includes(RESULT_SUBJECT));

      const newEmail = `found.again.${db.name}@example.jp`;
      const change = await submittedApplication(server, { email: newEmail, kind: 'change', name_kanji: '紛失 次郎', student_number: 'G8000001' });
      let detail = await reviewerBrowser.get(`/admin/applications/${change.application.id}`);
      expect(textOf(detail)).to.contain('申請種別「変更」の申請です');
      // The candidates come from a search (the applicant's name by default), never linked automatically.
      expect(detail.html).to.contain(`value="${accountId}"`);
      detail = await reviewerBrowser.get(`/admin/applications/${change.application.id}?account_q=G8000001`);
      expect(detail.html).to.contain(`value="${accountId}"`);
      const unpicked = await approveThrough(reviewerBrowser, detail, change.application.id, {});
      expect(unpicked.status).to.equal(422);
      expect(textOf(unpicked)).to.contain('メールアドレスを移すアカウントを選択してください');

      // A change to an address that belongs to another account is refused.
      const stolen = await submittedApplication(server, { email: bystander.email, kind: 'change' });
      try {
        await approveApplication(server.services, { id: 'staff-x' }, { applicationId: stolen.application.id, accountId });
        expect.fail('approved a change to another account\'s address');
      } catch (error) {
        expect(error).to.be.instanceOf(ReviewError).and.to.have.property('problem', 'email_taken');
      }

      const done = await approveThrough(reviewerBrowser, detail, change.application.id, { account_id: accountId });
      expect(textOf(done)).to.contain('承認しました。');
      const account = (await server.services.accounts.findById(accountId))!;
      expect(account).to.include({ email: newEmail, emailVerified: true, secondPasswordHash: null, passwordIsInitial: true });
      expect(await sessions.find('g8-session')).to.equal(undefined);
      expect((await server.services.tokens.check('reset_second_password', pendingReset)).status).to.equal('used');
      const notice = await server.smtp.waitFor(first.email, (m) => m.subject.includes('メールアドレス変更のお知らせ'));
      expect(notice.text).to.contain('ご登録のメールアドレスが変更されました。');
      const mail = await server.smtp.waitFor(newEmail, (m) => m.subject.includes(RESULT_SUBJECT));
      expect(await server.services.hasher.verify(account.passwordHash, initialPasswordIn(mail))).to.equal(true);
      expect(await server.services.hasher.verify(account.passwordHash, 'Chosen2026Pw')).to.equal(false);
      expect((await new ApplicationStore(server.services.database).findById(change.application.id))!).to.include({ status: 'approved', accountId });
    });

    it('G5: approving an additional student number adds the enrolment to the applicant\'s account', async () => {
      const first = await submittedApplication(server, { name_kanji: '追加 五郎', student_number: 'B5000005' });
      const { accountId } = await approveApplication(server.services, { id: 'staff-x' }, { applicationId: first.application.id });
      await server.smtp.waitFor(first.email, (m) => m.subject.includes(RESULT_SUBJECT));
      const extra = await submittedApplication(server, {
        purpose: 'enrollment', accountId: accountId!, email: first.email, student_number: 'M5000005', university: 'サンプル大学大学院',
        faculty: '工学研究科', department: '情報工学専攻', graduated_month: '2023-03', leaving_type: 'graduated',
      });
      const detail = await reviewerBrowser.get(`/admin/applications/${extra.application.id}`);
      expect(textOf(detail)).to.contain('学籍番号追加登録').and.to.contain('M5000005');
      const done = await approveThrough(reviewerBrowser, detail, extra.application.id, {});
      expect(textOf(done)).to.contain('承認しました。');
      const mail = await server.smtp.waitFor(first.email, (m) => m.subject.includes('利用申請結果のお知らせ') && m.text.includes('学籍番号の追加登録が完了しました'));
      expect(mail.text).to.contain('学籍番号の追加登録が完了しました。');
      const account = (await server.services.accounts.findById(accountId!))!;
      expect(account.profile!.enrollments.map((e) => [e.student_number, e.university, e.graduated_on])).to.deep.equal([
        ['B5000005', 'サンプル大学', '2021-03'], ['M5000005', 'サンプル大学大学院', '2023-03'],
      ]);
    });

    it('searches accounts, re-issues an initial password, locks and unlocks', async () => {
      const { application, email, form } = await submittedApplication(server, { name_kanji: '検索 四郎', student_number: 'S4000004' });
      const { accountId } = await approveApplication(server.services, { id: 'staff-x' }, { applicationId: application.id });
      const firstPassword = initialPasswordIn(await server.smtp.waitFor(email, (m) => m.subject.includes(RESULT_SUBJECT)));
      for (const q of ['検索 四郎', 'S4000004', email]) {
        const found = await reviewerBrowser.get(`/admin/accounts?q=${encodeURIComponent(q)}`);
        expect(found.html, q).to.contain(`/admin/accounts/${accountId}`);
      }
      expect((await reviewerBrowser.get('/admin/accounts?q=nobody-like-this')).html).to.not.contain(`/admin/accounts/${accountId}`);

      let page = await reviewerBrowser.get(`/admin/accounts/${accountId}`);
      expect(textOf(page)).to.contain(form.student_number!).and.to.contain('初回ログイン前');
      page = await reviewerBrowser.submit(page, `/admin/accounts/${accountId}/initial-password`, {});
      expect(textOf(page)).to.contain('初回パスワードを再発行し、メールを送信しました');
      const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('初回パスワード再発行のお知らせ'));
      const secondPassword = initialPasswordIn(mail);
      let account = (await server.services.accounts.findById(accountId!))!;
      expect(await server.services.hasher.verify(account.passwordHash, secondPassword)).to.equal(true);
      expect(await server.services.hasher.verify(account.passwordHash, firstPassword)).to.equal(false);
      expect(account.passwordIsInitial).to.equal(true);
      // Re-issued three times at once (a double click, two clerks): one password is mailed, the others are told.
      const outcomes = await Promise.allSettled([0, 1, 2].map(() => reissueInitialPassword(server.services, { id: 'staff-x', ip: null }, { accountId: accountId! })));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(1);
      expect(outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected').map((outcome) => (outcome.reason as ReviewError).problem))
        .to.deep.equal(['already_reissued', 'already_reissued']);
      const reissued = await server.smtp.waitFor(email, (m) => m.subject.includes('初回パスワード再発行のお知らせ') && initialPasswordIn(m) !== secondPassword);
      account = (await server.services.accounts.findById(accountId!))!;
      expect(await server.services.hasher.verify(account.passwordHash, initialPasswordIn(reissued)), 'the one password mailed works').to.equal(true);

      page = await reviewerBrowser.submit(page, `/admin/accounts/${accountId}/lock`, {});
      expect(textOf(page)).to.contain('アカウントをロックしました。');
      expect((await server.services.accounts.findById(accountId!))!.locked).to.equal(true);
      page = await reviewerBrowser.submit(page, `/admin/accounts/${accountId}/unlock`, {});
      expect(textOf(page)).to.contain('アカウントのロックを解除しました。');
      expect((await server.services.accounts.findById(accountId!))!.locked).to.equal(false);
      const events = (await server.services.audit.list(accountId)).map((e) => e.event);
      expect(events).to.include.members(['account.locked', 'account.unlocked', 'initial_password.issued']);

      // After the first login there is no initial password to re-issue.
      await server.services.accounts.setPasswords(accountId!, { passwordHash: await server.services.hasher.hash('Chosen2026Pw'), secondPasswordHash: await server.services.hasher.hash('Second2026Pw') });
      account = (await server.services.accounts.findById(accountId!))!;
      const refused = await reviewerBrowser.request('POST', `/admin/accounts/${accountId}/initial-password`, { _csrf: findForm(page, `/admin/accounts/${accountId}/lock`).hidden._csrf! });
      expect(refused.status).to.equal(422);
      expect(textOf(refused)).to.contain('初回パスワードを再発行できません');
    });

    it('lets an administrator add and deactivate catalogue entries (seeded from the configuration)', async () => {
      let page = await adminBrowser.get('/admin/catalogue');
      expect(textOf(page)).to.contain('外国語学科').and.to.contain('情報工学専攻');
      page = await adminBrowser.submit(page, '/admin/catalogue', { university: 'サンプル大学', faculty: '経済学部', department: '経済学科' });
      expect(page.url).to.match(/\/admin\/catalogue$/);
      expect(textOf(page)).to.contain('経済学科');
      const duplicate = await adminBrowser.submit(page, '/admin/catalogue', { university: 'サンプル大学', faculty: '経済学部', department: '経済学科' });
      expect(duplicate.status).to.equal(409);
      expect(textOf(duplicate)).to.contain('既に登録されています');
      const entry = (await listCatalogue(server.services)).find((e) => e.department === '経済学科')!;
      page = await adminBrowser.submit(page, `/admin/catalogue/${entry.id}/deactivate`, {});
      expect((await listCatalogue(server.services, { activeOnly: true })).map((e) => e.id)).to.not.include(entry.id);
      page = await adminBrowser.submit(page, `/admin/catalogue/${entry.id}/activate`, {});
      expect((await listCatalogue(server.services, { activeOnly: true })).map((e) => e.id)).to.include(entry.id);
    });

    it('shows the audit log to administrators, newest first, with the decisions', async () => {
      // The log's rows (the page also lists every event in its filter).
      const tableText = (page: { html: string }) => textOf({ ...page, html: page.html.match(/<table[\s\S]*<\/table>/)?.[0] ?? '' } as never);
      for (let i = 0; i < 50; i += 1) await server.services.audit.record('catalogue.changed', { detail: { staffId: 'filler', entryId: String(i) } });
      const decisions = await adminBrowser.get('/admin/audit?event=application.approved');
      expect(tableText(decisions)).to.contain('申請の承認').and.to.contain('application.approved').and.to.contain('審査 一郎 (reviewer1)');
      const page = await adminBrowser.get('/admin/audit?page=2');
      const text = tableText(page);
      for (const event of ['application.approved', 'application.rejected', 'application.resubmission_requested', 'document.viewed', 'staff.login']) {
        expect(text, event).to.contain(event);
      }
      const times = [...page.html.matchAll(/<td[^>]*>(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2})<\/td>/g)].map((m) => m[1]!);
      expect(times.length).to.be.greaterThan(5);
      expect([...times].sort().reverse()).to.deep.equal(times);
      const filtered = await adminBrowser.get('/admin/audit?event=application.rejected');
      expect(tableText(filtered)).to.contain('application.rejected').and.not.to.contain('application.approved');
      const first = await adminBrowser.get('/admin/audit');
      expect(first.html).to.contain('/admin/audit?page=2');
      expect(tableText(first)).to.contain('catalogue.changed');
    });

    it('lets an administrator disable a staff member and reset their TOTP', async () => {
      let page = await adminBrowser.get('/admin/staff');
      const reviewerId = (await server.services.database.dataSource.getRepository(server.services.database.entities.StaffUser).findOneByOrFail({ loginId: 'reviewer1' })).id;
      page = await adminBrowser.submit(page, `/admin/staff/${reviewerId}/reset-totp`, {});
      expect(textOf(page)).to.contain('二要素認証をリセットしました');
      // The reset issues a new enrolment link, shown once to the administrator.
      reviewer.enrolmentUrl = enrolmentLinkOn(page);
      const reset = await server.services.database.dataSource.getRepository(server.services.database.entities.StaffUser).findOneByOrFail({ id: reviewerId });
      expect(reset).to.include({ totpEnabled: false, totpSecretSealed: null, enrolmentTokenHash: hashToken(new URL(reviewer.enrolmentUrl).searchParams.get('token')!) });
      // The reviewer's session ended; the password alone does not re-enrol (signIn checks the page
      // that asks for a link), the new link does.
      expect((await reviewerBrowser.request('GET', '/admin/applications')).location).to.equal(`${server.url}/admin/login`);
      const oldSecret = reviewer.secret;
      reviewerBrowser = await signIn(server, reviewer);
      expect(reviewer.secret).to.not.equal(oldSecret);
      page = await adminBrowser.submit(page, `/admin/staff/${reviewerId}/disable`, {});
      expect((await reviewerBrowser.request('GET', '/admin/applications')).location).to.equal(`${server.url}/admin/login`);
      const login = await reviewerBrowser.get('/admin/login');
      const refused = await reviewerBrowser.submit(login, '/admin/login', { login_id: reviewer.loginId, password: reviewer.password });
      expect(textOf(refused)).to.contain('ログインID、パスワードまたは確認コードが正しくありません。');
      const adminId = (await server.services.database.dataSource.getRepository(server.services.database.entities.StaffUser).findOneByOrFail({ loginId: 'admin' })).id;
      const self = await adminBrowser.submit(page, `/admin/staff/${reviewerId}/enable`, {});
      expect(textOf(self)).to.contain('reviewer1');
      const own = await adminBrowser.request('POST', `/admin/staff/${adminId}/disable`, { _csrf: findForm(self, '/admin/logout').hidden._csrf! });
      expect(own.status).to.equal(422);
    });

    it('throttles a login ID after repeated failures, with the same message (English page)', async () => {
      expect((await createStaffUser(server.services, { loginId: 'throttled', displayName: 'x', role: 'reviewer', password: 'Throttle2026Pw' })).kind).to.equal('ok');
      const browser = staffBrowser(server);
      let page = await browser.get('/admin/login?lang=en');
      expect(textOf(page)).to.contain('Staff login');
      for (let i = 0; i < server.config.throttle.perAccount.maxFailures; i += 1) {
        page = await browser.submit(page, '/admin/login', { login_id: 'throttled', password: 'Wrong2026Pw' });
      }
      const locked = await browser.submit(page, '/admin/login', { login_id: 'throttled', password: 'Throttle2026Pw' });
      expect(locked.url).to.match(/\/admin\/login$/);
      expect(textOf(locked)).to.contain('The login ID, password or verification code is incorrect.');
      const reasons = (await server.services.audit.list()).filter((e) => e.event === 'staff.login_failed' && e.detail?.loginId === 'throttled').map((e) => e.detail?.reason);
      expect(reasons).to.include('throttled');
    });

    it('ends staff sessions after 30 idle minutes, 12 hours in all, and password-only ones after 10 minutes', async () => {
      const store = new StaffStore(server.services.database);
      const staff = (await store.findByLoginId('admin'))!;
      const t0 = Date.now();
      const at = (minutes: number) => new Date(t0 + minutes * 60_000);
      const idle = await store.createSession(staff.id, true, at(0));
      expect(await store.findSession(idle, at(29))).to.not.equal(undefined);
      expect(await store.findSession(idle, at(58))).to.not.equal(undefined);
      expect(await store.findSession(idle, at(89))).to.equal(undefined);
      const busy = await store.createSession(staff.id, true, at(0));
      for (let minute = 25; minute < 12 * 60; minute += 25) expect(await store.findSession(busy, at(minute)), String(minute)).to.not.equal(undefined);
      expect(await store.findSession(busy, at(12 * 60 + 1))).to.equal(undefined);
      const pending = await store.createSession(staff.id, false, at(0));
      expect(await store.findSession(pending, at(9))).to.have.nested.property('session.totpVerified', false);
      expect(await store.findSession(pending, at(11))).to.equal(undefined);
    });

    it('generates initial passwords that meet the policy without ambiguous characters', () => {
      const policy = server.config.passwordPolicy.password!;
      for (let i = 0; i < 200; i += 1) {
        const password = generateInitialPassword(policy);
        expect(password).to.match(/^[A-HJ-NP-Za-km-z2-9]{12}$/);
        expect(password).to.match(/[A-Z]/).and.to.match(/[a-z]/).and.to.match(/[0-9]/);
      }
    });
  });
}
