import { expect } from 'chai';
import { DATABASES, newBrowser, oidc, startTestServer, type TestServer } from '../support/harness.js';
import { findForm, textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { urlIn } from '../support/smtp.js';
import { signIn, approveThrough } from '../support/staff.js';
import { approvedGraduate, firstGraduateLogin, openMailedUrl } from '../support/graduates.js';
import { firstLogin } from '../support/flows.js';
import { createStaffUser } from '../../src/staff/members/service.js';
import { importPostalCodes } from '../../src/postal/import.js';
import { activeCatalogue } from '../../src/applications/catalogue.js';
import type { ApplicationRow } from '../../src/db/entities.js';
import { ReviewError } from '../../src/staff/actions.js';
import { approveApplication } from '../../src/staff/review/service.js';

// G5 学籍番号追加登録 (manual 002 §2.3) and G6 個人情報設定・変更 (§2.4(a)) over HTTP, with the real
// database, the SMTP listener, the staff console and openid-client's userinfo.

const MESSAGES = {
  kana: '全角カタカナで入力し',
  month: '西暦の年月で入力してください（例：2015/03）',
  choice: '卒業 / 退学 / 除籍 種別を選択してください',
  required: '氏名（漢字）を入力してください',
  csrf: '画面の有効期限が切れたか、不正な操作です',
};

interface Graduate { email: string; browser: HttpBrowser; userinfo: () => Promise<oidc.UserInfoResponse> }

async function signedInGraduate(server: TestServer, email: string, overrides: Record<string, string> = {}): Promise<Graduate> {
  const initial = await approvedGraduate(server, email, overrides);
  const { browser, attempt, tokens } = await firstGraduateLogin(server, email, initial);
  const sub = tokens.claims()!.sub;
  return { email, browser, userinfo: () => oidc.fetchUserInfo(attempt.client, tokens.access_token, sub) };
}

async function catalogueId(server: TestServer, faculty: string): Promise<string> {
  return (await activeCatalogue(server.services.database)).find((e) => e.faculty === faculty)!.id;
}

async function enrollmentApplications(server: TestServer, email: string): Promise<ApplicationRow[]> {
  const { dataSource, entities } = server.services.database;
  return dataSource.getRepository(entities.Application).find({ where: { email, purpose: 'enrollment' }, order: { createdAt: 'ASC' } });
}

/** G5 steps 4–6: menu → 学籍番号追加登録 → 送信 → 申請完了 → the mail 学籍番号追加; returns its URL. */
async function requestEnrollmentMail(server: TestServer, graduate: Graduate): Promise<string> {
  const start = await graduate.browser.get(`${server.url}/account/enrollments/new`);
  expect(textOf(start)).to.contain('学籍番号追加登録').and.contain('学籍番号が複数ある方のみ実施してください');
  const done = await graduate.browser.submit(start, '/account/enrollments/new', {});
  expect(textOf(done)).to.contain('申請完了');
  const mail = await server.smtp.waitFor(graduate.email, (m) => m.subject.includes('学籍番号追加'));
  expect(mail.text).to.contain('学籍番号の追加を行います。').and.contain('以下のURLにアクセスし、追加したい学籍番号の利用申請を完了してください。')
    .and.contain('URL 期限 : 30 分').and.contain('◎このメールは送信専用メールです。');
  return urlIn(mail);
}

function enrolmentForm(catalogue: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    enrolled_name_kanji: '電電 太郎', enrolled_name_kana: 'デンデン タロウ', enrolled_name_romaji: 'DENDEN TAROU', catalogue_id: catalogue,
    student_number: 'M2400001', graduated_month: '2024-03', leaving_type: 'graduated', ...overrides,
  };
}

/** G5 steps 7–10: the form → 確認 → 申請 → 申請完了. */
async function completeEnrollment(browser: HttpBrowser, url: string, fields: Record<string, string>): Promise<Page> {
  const form = await openMailedUrl(browser, url);
  expect(textOf(form)).to.contain('大学名 / 学部名 / 学科名').and.contain('学籍番号').and.contain('卒業（修了）年月');
  const confirm = await browser.submit(form, '/account/enrollments/form', { ...fields, action: 'next' });
  expect(textOf(confirm), textOf(confirm)).to.contain('申請内容の確認').and.contain(fields.student_number!);
  const done = await browser.submit(confirm, '/account/enrollments/confirm', {});
  expect(textOf(done)).to.contain('申請完了').and.contain('承認後、登録したメールアドレス宛にメールが届きます');
  return done;
}

/** Posts a form of the page without its CSRF token. */
async function postWithoutCsrf(browser: HttpBrowser, page: Page, action: string, fields: Record<string, string>): Promise<Page> {
  const form = findForm(page, action);
  const { _csrf: _dropped, ...hidden } = form.hidden;
  return browser.request('POST', new URL(form.action, page.url).toString(), new URLSearchParams({ ...hidden, ...fields }));
}

function valueOf(page: Page, name: string): string | undefined {
  return page.html.match(new RegExp(`name="${name}"[^>]*value="([^"]*)"`))?.[1] ?? page.html.match(new RegExp(`value="([^"]*)"[^>]*name="${name}"`))?.[1];
}

for (const db of DATABASES) {
  describe(`graduate self-service G5, G6 (${db.name})`, () => {
    let server: TestServer;
    let staff: HttpBrowser;
    let graduate: Graduate;

    before(async () => {
      server = await startTestServer(db);
      await importPostalCodes(server.services.database, 'test/fixtures/postal-codes-sample.csv');
      const reviewer = { loginId: 'reviewer-g5', password: 'Shinsa2026Pass' };
      await createStaffUser(server.services, { loginId: reviewer.loginId, displayName: '審査 二郎', role: 'reviewer', password: reviewer.password });
      staff = await signIn(server, reviewer);
      graduate = await signedInGraduate(server, 'g5-first@example.com');
    });
    after(async () => { await server?.stop(); });

    it('G5: menu → 送信 → mail → form (bad input kept) → 確認 → 申請 → staff queue → 承認 → mail → the RP sees two enrolments', async () => {
      const url = await requestEnrollmentMail(server, graduate);
      const graduateSchool = await catalogueId(server, '文学研究科');
      const form = await openMailedUrl(graduate.browser, url);
      // Each bad input is answered on the form, with everything typed still there.
      const cases: Array<[Record<string, string>, string]> = [
        [{ enrolled_name_kana: '電電 太郎' }, MESSAGES.kana],
        [{ graduated_month: '2024-13' }, MESSAGES.month],
        [{ leaving_type: '' }, MESSAGES.choice],
      ];
      for (const [change, message] of cases) {
        const refused = await graduate.browser.submit(form, '/account/enrollments/form', { ...enrolmentForm(graduateSchool), ...change, action: 'next' });
        expect(refused.status, JSON.stringify(change)).to.equal(400);
        expect(textOf(refused), JSON.stringify(change)).to.contain(message);
        expect(valueOf(refused, 'student_number')).to.equal('M2400001');
        expect(valueOf(refused, 'enrolled_name_romaji')).to.equal('DENDEN TAROU');
      }
      const noToken = await postWithoutCsrf(graduate.browser, form, '/account/enrollments/form', { ...enrolmentForm(graduateSchool), action: 'next' });
      expect(noToken.status).to.equal(403);
      expect(textOf(noToken)).to.contain(MESSAGES.csrf);
      expect(valueOf(noToken, 'student_number')).to.equal('M2400001');

      const confirm = await graduate.browser.submit(form, '/account/enrollments/form', { ...enrolmentForm(graduateSchool), action: 'next' });
      expect(textOf(confirm)).to.contain('サンプル大学大学院 / 文学研究科 / 日本文学専攻').and.contain('卒業（修了）');
      const done = await graduate.browser.submit(confirm, '/account/enrollments/confirm', {});
      expect(textOf(done)).to.contain('申請完了');
      // The mailed URL is used up.
      const replay = await newBrowser().get(url);
      expect(replay.status).to.equal(410);
      expect(textOf(replay)).to.contain('URL');

      const [application] = await enrollmentApplications(server, graduate.email);
      expect(application).to.include({ status: 'submitted', purpose: 'enrollment' });
      const queue = await staff.get('/admin/applications?purpose=enrollment');
      expect(textOf(queue)).to.contain(graduate.email).and.contain('学籍番号追加登録');
      const all = await staff.get('/admin/applications');
      expect(textOf(all)).to.contain(graduate.email);
      const detail = await staff.get(`/admin/applications/${application!.id}`);
      expect(textOf(detail)).to.contain('M2400001').and.not.contain('既に別のアカウントに登録されています');
      const decided = await approveThrough(staff, detail, application!.id, {});
      expect(decided.status, textOf(decided)).to.be.lessThan(400);
      const mail = await server.smtp.waitFor(graduate.email, (m) => m.text.includes('学籍番号の追加登録が完了しました'));
      expect(mail.text).to.contain('以下の学籍番号を現在のアカウントへ追加しました。').and.match(/学籍番号：\s*M2400001/);

      const userinfo = await graduate.userinfo();
      expect(userinfo.enrollments).to.deep.equal([
        { student_number: '18F1234', university: 'サンプル大学', faculty: '外国語学部', department: '外国語学科', status: 'graduated', graduated_on: '2022-03' },
        { student_number: 'M2400001', university: 'サンプル大学大学院', faculty: '文学研究科', department: '日本文学専攻', status: 'graduated', graduated_on: '2024-03' },
      ]);
      const audit = (await server.services.audit.list()).filter((e) => e.detail?.applicationId === application!.id).map((e) => e.event);
      expect(audit).to.include.members(['application.requested', 'application.submitted', 'application.approved']);

      // The same number again is refused on the form.
      const again = await requestEnrollmentMail(server, graduate);
      const againForm = await openMailedUrl(graduate.browser, again);
      const refused = await graduate.browser.submit(againForm, '/account/enrollments/form', { ...enrolmentForm(graduateSchool), action: 'next' });
      expect(textOf(refused)).to.contain('既にお使いのアカウントに登録されています');
    });

    it('G5: its mailed URL opens nothing in the application flow of G1, and still works in its own', async () => {
      const someone = await signedInGraduate(server, 'g5-own-url@example.com');
      const url = await requestEnrollmentMail(server, someone);
      const key = new URL(url).searchParams.get('key')!;
      const elsewhere = await someone.browser.get(`${server.url}/graduates/apply/continue?key=${encodeURIComponent(key)}`);
      expect(elsewhere.status).to.equal(400);
      expect(textOf(elsewhere)).to.not.contain('利用許諾');
      const own = await openMailedUrl(someone.browser, url);
      expect(own.status).to.equal(200);
      expect(textOf(own)).to.contain('学籍番号');
    });

    it('G5: staff reject it in the console — the applicant is told, nothing is added', async () => {
      const url = await requestEnrollmentMail(server, graduate);
      await completeEnrollment(graduate.browser, url, enrolmentForm(await catalogueId(server, '工学研究科'), { student_number: 'M2400099' }));
      const application = (await enrollmentApplications(server, graduate.email)).find((a) => a.form?.student_number === 'M2400099')!;
      const detail = await staff.get(`/admin/applications/${application.id}`);
      const rejected = await staff.submit(detail, `/admin/applications/${application.id}/reject`, { reason: '在籍記録が確認できませんでした。' });
      expect(rejected.status).to.be.lessThan(400);
      const mail = await server.smtp.waitFor(graduate.email, (m) => m.subject.includes('利用申請結果のお知らせ'));
      expect(mail.text).to.contain('学籍番号の追加登録申請は受諾されませんでした').and.contain('在籍記録が確認できませんでした。');
      const numbers = ((await graduate.userinfo()).enrollments as Array<{ student_number: string }>).map((e) => e.student_number);
      expect(numbers).to.not.include('M2400099');
    });

    it('G5: staff ask for resubmission — the mailed link reopens the same request, which is corrected and resubmitted', async () => {
      // A graduate of its own: the mails per hour of the shared one are used up by the other tests.
      const applicantAccount = await signedInGraduate(server, 'g5-resubmit@example.com');
      const url = await requestEnrollmentMail(server, applicantAccount);
      await completeEnrollment(applicantAccount.browser, url, enrolmentForm(await catalogueId(server, '工学研究科'), { student_number: 'M2400100' }));
      const application = (await enrollmentApplications(server, applicantAccount.email)).find((a) => a.form?.student_number === 'M2400100')!;
      const detail = await staff.get(`/admin/applications/${application.id}`);
      const asked = await staff.submit(detail, `/admin/applications/${application.id}/resubmission`, { comment: '学籍番号をご確認ください。' });
      expect(asked.status).to.be.lessThan(400);
      const mail = await server.smtp.waitFor(applicantAccount.email, (m) => m.text.includes('学籍番号をご確認ください。'));
      const applicant = newBrowser();
      const reopened = await openMailedUrl(applicant, urlIn(mail));
      expect(textOf(reopened)).to.contain('学籍番号をご確認ください。');
      expect(reopened.html).to.contain('value="M2400100"');
      const confirm = await applicant.submit(reopened, '/account/enrollments/form', { ...enrolmentForm(await catalogueId(server, '工学研究科'), { student_number: 'M2400101' }), action: 'next' });
      expect(textOf(confirm)).to.contain('M2400101');
      const done = await applicant.submit(confirm, '/account/enrollments/confirm', {});
      expect(textOf(done)).to.contain('申請完了');
      const after = (await enrollmentApplications(server, applicantAccount.email)).find((a) => a.id === application.id)!;
      expect(after.status).to.equal('resubmitted');
      expect(after.form!.student_number).to.equal('M2400101');
      expect((await newBrowser().get(urlIn(mail))).status, 'the mailed link works once').to.be.greaterThanOrEqual(400);
    });

    it('G5: a student number of another account is never attached — approval refused with a message to staff', async () => {
      await approvedGraduate(server, 'g5-owner@example.com', { student_number: '19E7777', catalogue_id: await catalogueId(server, '工学部') });
      const url = await requestEnrollmentMail(server, graduate);
      await completeEnrollment(graduate.browser, url, enrolmentForm(await catalogueId(server, '工学部'), { student_number: '19E7777' }));
      const application = (await enrollmentApplications(server, graduate.email)).find((a) => a.form?.student_number === '19E7777')!;
      const detail = await staff.get(`/admin/applications/${application.id}`);
      expect(textOf(detail)).to.contain('この学籍番号は既に別のアカウントに登録されています').and.contain('g5-owner@example.com');
      const refused = await approveThrough(staff, detail, application.id, {});
      expect(refused.status).to.equal(422);
      expect(textOf(refused)).to.contain('既に別のアカウントに登録されているため、承認できません');
      const { dataSource, entities } = server.services.database;
      expect((await dataSource.getRepository(entities.Application).findOneByOrFail({ id: application.id })).status).to.equal('submitted');
      const numbers = ((await graduate.userinfo()).enrollments as Array<{ student_number: string }>).map((e) => e.student_number);
      expect(numbers).to.not.include('19E7777');
    });

    it('G5: two approvals of one student number for two accounts at once — one account gets it, the other approval is refused', async () => {
      const applicants = [await signedInGraduate(server, 'g5-race-a@example.com'), await signedInGraduate(server, 'g5-race-b@example.com')];
      const catalogue = await catalogueId(server, '工学部');
      for (const applicant of applicants) {
        await completeEnrollment(applicant.browser, await requestEnrollmentMail(server, applicant), enrolmentForm(catalogue, { student_number: '19E8888' }));
      }
      const applications = await Promise.all(applicants.map(async (applicant) => (await enrollmentApplications(server, applicant.email)).find((a) => a.form?.student_number === '19E8888')!));
      // Two clerks, each approving one of them at the same moment.
      const outcomes = await Promise.allSettled(applications.map((application, i) => approveApplication(server.services, { id: `staff-race-${i}`, ip: null }, { applicationId: application.id })));
      expect(outcomes.map((outcome) => outcome.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
      const refused = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')!;
      expect(refused.reason).to.be.instanceOf(ReviewError).and.have.property('problem', 'student_number_taken');
      const holding = await Promise.all(applicants.map(async (applicant) => ((await applicant.userinfo()).enrollments as Array<{ student_number: string }>).some((e) => e.student_number === '19E8888')));
      expect(holding.filter(Boolean), 'accounts holding 19E8888').to.have.length(1);
      // The refused application waits, undecided, for the clerk to sort it out.
      const { dataSource, entities } = server.services.database;
      const statuses = await Promise.all(applications.map(async (application) => (await dataSource.getRepository(entities.Application).findOneByOrFail({ id: application.id })).status));
      expect(statuses.sort()).to.deep.equal(['approved', 'submitted']);
    });

    it('G5: an expired one-time URL is refused; the pages need a signed-in graduate (a student gets 403)', async () => {
      const other = await signedInGraduate(server, 'g5-expiry@example.com');
      const url = await requestEnrollmentMail(server, other);
      const latest = (await enrollmentApplications(server, other.email)).at(-1)!;
      const { dataSource, entities } = server.services.database;
      await dataSource.getRepository(entities.Application).update({ id: latest.id }, { accessExpiresAt: new Date(Date.now() - 1000) });
      const expired = await newBrowser().get(url);
      expect(expired.status).to.equal(410);
      expect(textOf(expired)).to.contain('有効期限');
      // Without a session: off to the login.
      const anonymous = await newBrowser().request('GET', `${server.url}/account/enrollments/new`);
      expect(anonymous.status).to.equal(302);
      expect(anonymous.location).to.contain('/account');
      const student = newBrowser();
      await firstLogin(server, student, server.students[0]!, 'g5-student@example.com');
      for (const path of ['/account/enrollments/new', '/account/personal']) {
        const forbidden = await student.get(`${server.url}${path}`);
        expect(forbidden.status, path).to.equal(403);
        expect(textOf(forbidden)).to.contain('卒業生のアカウントでのみ利用できます');
      }
    });

    it('G6: edit with 郵便番号 検索 (no script) → 確認 → 変更 → 変更完了; mail, audit, personal data and claims updated; bad input kept', async () => {
      const person = await signedInGraduate(server, 'g6-direct@example.com');
      const form = await person.browser.get(`${server.url}/account/personal`);
      expect(textOf(form)).to.contain('個人情報設定・変更').and.contain('現住所・連絡先');
      expect(valueOf(form, 'home_street')).to.equal('梅田1-1-1');
      expect(valueOf(form, 'name_kanji')).to.equal('電電 太郎');
      const typed = {
        name_kanji: '電電 花子', name_kana: 'デンデン ハナコ', name_romaji: 'DENDEN HANAKO', home_postal_code: '5300001', home_prefecture: '', home_city: '',
        home_street: '', home_building: 'サンプルマンション101', home_phone: '06-1234-5678', mobile_phone: '080-9999-0000',
        work_name: '', work_postal_code: '', work_prefecture: '', work_city: '', work_street: '', work_building: '', work_phone: '', gender: 'female',
      };
      const searched = await person.browser.submit(form, '/account/personal', { ...typed, action: 'postal:home' });
      expect(textOf(searched)).to.contain('住所を入力しました');
      expect(valueOf(searched, 'home_postal_code')).to.equal('530-0001');
      expect(valueOf(searched, 'home_prefecture')).to.equal('大阪府');
      expect(valueOf(searched, 'home_building')).to.equal('サンプルマンション101');
      const filled = { ...typed, home_postal_code: '530-0001', home_prefecture: valueOf(searched, 'home_prefecture')!, home_city: valueOf(searched, 'home_city')!, home_street: '梅田2-2-2' };

      const cases: Array<[Record<string, string>, string]> = [
        [{ name_kana: '電電 花子' }, MESSAGES.kana],
        [{ name_kanji: '' }, MESSAGES.required],
      ];
      for (const [change, message] of cases) {
        const refused = await person.browser.submit(form, '/account/personal', { ...filled, ...change, action: 'next' });
        expect(refused.status, JSON.stringify(change)).to.equal(400);
        expect(textOf(refused), JSON.stringify(change)).to.contain(message);
        expect(valueOf(refused, 'home_building')).to.equal('サンプルマンション101');
      }
      const noToken = await postWithoutCsrf(person.browser, form, '/account/personal', { ...filled, action: 'next' });
      expect(noToken.status).to.equal(403);
      expect(textOf(noToken)).to.contain(MESSAGES.csrf);
      expect(valueOf(noToken, 'mobile_phone')).to.equal('080-9999-0000');

      const confirm = await person.browser.submit(form, '/account/personal', { ...filled, action: 'next' });
      expect(textOf(confirm)).to.contain('変更内容の確認').and.contain('電電 花子').and.contain('梅田2-2-2');
      // 変更 without the token changes nothing.
      const unconfirmed = await postWithoutCsrf(person.browser, confirm, '/account/personal/confirm', { action: 'submit' });
      expect(unconfirmed.status).to.equal(403);
      expect((await person.userinfo()).name).to.equal('電電 太郎');
      const done = await person.browser.submit(confirm, '/account/personal/confirm', { action: 'submit' });
      expect(textOf(done)).to.contain('変更完了').and.contain('個人情報の変更が完了しました');

      const mail = await server.smtp.waitFor(person.email, (m) => m.subject.includes('個人情報変更のお知らせ'));
      expect(mail.text).to.contain('個人情報が変更されました').and.contain('氏名').and.contain('現住所').and.not.contain('梅田2-2-2');
      const events = (await server.services.audit.list()).filter((e) => e.event === 'personal_data.changed');
      expect(events).to.have.length.greaterThan(0);
      expect(String(events.at(-1)!.detail!.fields)).to.contain('name_kanji').and.contain('home_street');
      const userinfo = await person.userinfo();
      expect(userinfo).to.include({
        name: '電電 花子', family_name: '電電', given_name: '花子', 'given_name#ja-Kana-JP': 'ハナコ', 'name#ja-Latn-JP': 'DENDEN HANAKO',
      });
      const { dataSource, entities } = server.services.database;
      const stored = await dataSource.getRepository(entities.Account).findOneByOrFail({ email: person.email });
      expect(stored.personal).to.include({ home_street: '梅田2-2-2', home_building: 'サンプルマンション101', mobile_phone: '080-9999-0000', gender: 'female' });
      const again = await person.browser.get(`${server.url}/account/personal`);
      expect(valueOf(again, 'home_street')).to.equal('梅田2-2-2');
    });

    it('G6 with personalDataReview [name]: the name waits for staff (pending), the phone changes at once; approval puts the name in the claims', async () => {
      const graduates = server.config.graduates!;
      graduates.personalDataReview = ['name'];
      try {
        const person = await signedInGraduate(server, 'g6-review@example.com');
        const form = await person.browser.get(`${server.url}/account/personal`);
        expect(textOf(form)).to.contain('大学の承認後に反映されます');
        const values = Object.fromEntries(['name_kanji', 'name_kana', 'name_romaji', 'gender', 'home_postal_code', 'home_prefecture', 'home_city', 'home_street', 'home_building', 'home_phone', 'mobile_phone',
          'work_name', 'work_postal_code', 'work_prefecture', 'work_city', 'work_street', 'work_building', 'work_phone'].map((n) => [n, valueOf(form, n) ?? '']));
        values.gender = 'male';
        const changed = { ...values, name_kanji: '新姓 太郎', name_kana: 'シンセイ タロウ', name_romaji: 'SHINSEI TAROU', home_phone: '06-0000-1111' };
        const confirm = await person.browser.submit(form, '/account/personal', { ...changed, action: 'next' });
        expect(textOf(confirm)).to.contain('大学の承認後に反映される項目');
        const done = await person.browser.submit(confirm, '/account/personal/confirm', { action: 'submit' });
        expect(textOf(done)).to.contain('変更完了').and.contain('大学に変更を申請しました');
        const mail = await server.smtp.waitFor(person.email, (m) => m.subject.includes('個人情報変更のお知らせ'));
        expect(mail.text).to.contain('変更された項目：電話番号').and.contain('申請した項目：氏名');

        expect((await person.userinfo()).name).to.equal('電電 太郎');
        const { dataSource, entities } = server.services.database;
        expect((await dataSource.getRepository(entities.Account).findOneByOrFail({ email: person.email })).personal).to.include({ home_phone: '06-0000-1111' });
        const pendingPage = await person.browser.get(`${server.url}/account/personal`);
        expect(textOf(pendingPage)).to.contain('大学の承認待ちの変更申請があります');
        const blocked = await person.browser.submit(pendingPage, '/account/personal', { ...changed, name_kanji: '別姓 太郎', action: 'next' });
        expect(textOf(blocked)).to.contain('前回の変更申請が大学で確認中のため');

        const request = await dataSource.getRepository(entities.Application).findOneByOrFail({ email: person.email, purpose: 'personal' });
        expect(request.status).to.equal('submitted');
        const queue = await staff.get('/admin/applications?purpose=personal');
        expect(textOf(queue)).to.contain(person.email).and.contain('個人情報変更');
        const detail = await staff.get(`/admin/applications/${request.id}`);
        expect(textOf(detail)).to.contain('新姓 太郎').and.contain('シンセイ タロウ');
        const decided = await approveThrough(staff, detail, request.id, {});
        expect(decided.status, textOf(decided)).to.be.lessThan(400);
        const approvedMail = await server.smtp.waitFor(person.email, (m) => m.subject.includes('個人情報変更のお知らせ'));
        expect(approvedMail.text).to.contain('変更された項目：氏名');
        const userinfo = await person.userinfo();
        expect(userinfo).to.include({ name: '新姓 太郎', family_name: '新姓', 'family_name#ja-Kana-JP': 'シンセイ', 'family_name#ja-Latn-JP': 'SHINSEI' });
        const events = (await server.services.audit.list(userinfo.sub)).map((e) => e.event);
        expect(events).to.include.members(['personal_data.changed', 'personal_data.change_requested', 'application.approved']);
      } finally {
        delete graduates.personalDataReview;
      }
    });
  });
}
