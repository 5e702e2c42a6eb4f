/**
 * Issue #13 (forms): every form of the service, submitted empty or wrong, ties each message to its
 * control — aria-invalid and aria-describedby on inputs, selects, radio groups, the terms checkbox and
 * the file input — and lists every message, counted, as a link to its control in a summary that takes
 * the focus; one message per field and problem, 「入力」 for what is typed and 「選択」 for what is
 * chosen; every rule of a form at once. Real parts: the server over HTTP, SQLite (the pages are the
 * same on MariaDB; the other suites run both), the SMTP listener, openid-client as the RP.
 */
import { expect } from 'chai';
import { ApplicationStore } from '../../src/applications/store.js';
import { createStaffUser } from '../../src/staff/members/service.js';
import { findForm, linkByText, textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { confirmEmailLink } from '../support/email-links.js';
import { openLogin } from '../support/flows.js';
import { expectErrorsLinked } from '../support/form-errors.js';
import { approvedGraduate, graduateLoginPage, startApplication, submitGraduateLogin, validForm } from '../support/graduates.js';
import { DATABASES, newBrowser, RP, startTestServer, type TestServer } from '../support/harness.js';
import { signIn } from '../support/staff.js';
import { urlIn } from '../support/smtp.js';
import { emailOf } from '../support/students.js';

const db = DATABASES.find((d) => d.name === 'sqlite') ?? DATABASES[0]!;

/** One form: how to reach it, what to post, and which fields must be in the summary. */
interface FormCase {
  name: string;
  open: () => Promise<{ browser: HttpBrowser; page: Page }>;
  action: string | RegExp;
  post: Record<string, string>;
  fields: string[];
  /** Messages (by field) the page must show, e.g. the verb. */
  says?: Record<string, string[]>;
  /** Messages that no field may show (e.g. a format message for an empty field). */
  never?: string[];
}

describe(`every form ties its errors to its fields (${db.name})`, () => {
  let server: TestServer;
  const student = () => server.students[0]!;
  let studentBrowser: HttpBrowser;
  let graduateBrowser: HttpBrowser;
  let applicant: { browser: HttpBrowser; form: Page };
  /** Forms of steps that the set-up passes once (S2, G3): their refusal, kept for the tests below. */
  const refusedBeforeDone: Partial<Record<'s2' | 'g3', Page>> = {};

  before(async function () {
    this.timeout(120_000);
    server = await startTestServer(db);
    // A student past S1/S2 (signed in: the account menu's forms), an applicant at the form (G1), and a
    // graduate past G3 (signed in).
    // S1 and S2 step by step, with the 第2パスワード設定 form posted empty once on the way.
    studentBrowser = newBrowser();
    const { page: login } = await openLogin(server, studentBrowser);
    const emailPage = await studentBrowser.submit(login, /\/login$/, { user_id: student().userId, password: student().password, second_password: '' });
    await studentBrowser.submit(emailPage, /\/email$/, { email: emailOf(student()), email_confirm: emailOf(student()) });
    const registered = await confirmEmailLink(studentBrowser, urlIn(await server.smtp.waitFor(emailOf(student()), (m) => m.subject.includes('メールアドレスの登録'))));
    const secondPage = await studentBrowser.get(linkByText(registered, 'ログインページへ移動'), RP.redirectUri);
    refusedBeforeDone.s2 = await studentBrowser.submit(secondPage, /\/second-password$/, { second_password: '', second_password_confirm: '' });
    const set = await studentBrowser.submit(refusedBeforeDone.s2, /\/second-password$/, { second_password: 'Second2ndPw', second_password_confirm: 'Second2ndPw' });
    expect(textOf(set)).to.contain('第2パスワードが設定されました');
    const applicantBrowser = newBrowser();
    applicant = { browser: applicantBrowser, form: await startApplication(server, applicantBrowser, 'forms-applicant@example.com') };
    const initial = await approvedGraduate(server, 'forms-graduate@example.com');
    graduateBrowser = newBrowser();
    const { page } = await graduateLoginPage(server, graduateBrowser);
    const setup = await submitGraduateLogin(graduateBrowser, page, 'forms-graduate@example.com', initial);
    refusedBeforeDone.g3 = await graduateBrowser.submit(setup, /\/password-setup$/, { password: '', password_confirm: '', second_password: 'abc', second_password_confirm: 'abd' });
    const done = await graduateBrowser.submit(refusedBeforeDone.g3, /\/password-setup$/, { password: 'Sotsugyo9Pass', password_confirm: 'Sotsugyo9Pass', second_password: 'Daini2Himitsu', second_password_confirm: 'Daini2Himitsu' });
    expect(textOf(done)).to.contain('パスワードおよび第2パスワードが設定されました');
    await createStaffUser(server.services, { loginId: 'forms-admin', displayName: '管理 花子', role: 'administrator', password: 'Jimu2026Kanri' });
  });
  after(async () => { await server?.stop(); });

  const fresh = (path: string, browserOf: () => HttpBrowser) => async () => {
    const browser = browserOf();
    return { browser, page: await browser.get(`${server.url}${path}`) };
  };

  const cases: FormCase[] = [
    {
      name: 'S3 在学生ログイン', action: /\/login$/, post: { user_id: '', password: '', second_password: '' }, fields: ['user_id', 'password'],
      open: async () => { const browser = newBrowser(); return { browser, page: (await openLogin(server, browser)).page }; },
      says: { user_id: ['ユーザIDを入力してください。'] },
    },
    {
      name: 'S1 メールアドレス設定 (empty)', action: /\/email$/, post: { email: '', email_confirm: '' }, fields: ['email', 'email_confirm'],
      open: async () => {
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        return { browser, page: await browser.submit(page, /\/login$/, { user_id: server.students[1]!.userId, password: server.students[1]!.password, second_password: '' }) };
      },
      says: { email: ['メールアドレスを入力してください。'], email_confirm: ['メールアドレス（確認）を入力してください。'] },
      never: ['メールアドレスの形式が正しくありません。'],
    },
    {
      name: 'S1 メールアドレス設定 (bad address and mismatch at once)', action: /\/email$/, post: { email: 'not-an-address', email_confirm: 'other@example.com' }, fields: ['email', 'email_confirm'],
      open: async () => {
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        return { browser, page: await browser.submit(page, /\/login$/, { user_id: server.students[2]!.userId, password: server.students[2]!.password, second_password: '' }) };
      },
    },
    {
      name: 'S6 第2パスワードを忘れた場合', action: '/students/second-password/forgot', post: { email: '' }, fields: ['email'],
      open: fresh('/students/second-password/forgot', newBrowser),
    },
    {
      name: 'S4 メールアドレス変更', action: '/account/email', post: { email: '', email_confirm: '' }, fields: ['email', 'email_confirm'],
      open: fresh('/account/email', () => studentBrowser),
    },
    {
      name: 'S5 第2パスワード変更: a wrong current value does not hide the rules of the new one', action: '/account/second-password',
      post: { current: 'Wrong0ne', second_password: 'short', second_password_confirm: 'shorter' }, fields: ['current', 'second_password', 'second_password_confirm'],
      open: fresh('/account/second-password', () => studentBrowser),
      says: { current: ['現在の第2パスワードが正しくありません。'], second_password_confirm: ['新しい第2パスワードと確認の入力が一致しません。'] },
    },
    {
      name: 'G1 新規登録手続き', action: '/graduates/apply', post: { email: '', email_confirm: '' }, fields: ['email', 'email_confirm'],
      open: fresh('/graduates/apply', newBrowser),
    },
    {
      name: 'G1 申請者情報登録 (empty): radios, selects, dates, names', action: '/graduates/apply/form',
      post: { action: 'next', kind: '', name_kanji: '', name_kana: '', name_romaji: '', birth_date: '', last_enrolled_month: '', catalogue_university: '', catalogue_id: '' },
      fields: ['kind', 'name_kanji', 'name_kana', 'name_romaji', 'birth_date', 'last_enrolled_month', 'catalogue_university', 'leaving_type'],
      open: async () => ({ browser: applicant.browser, page: applicant.form }),
      says: {
        kind: ['申請種別を選択してください。'], leaving_type: ['卒業 / 退学 / 除籍 種別を選択してください。'], catalogue_university: ['大学名を選択してください。'],
        name_kanji: ['氏名（漢字）を入力してください。'], birth_date: ['生年月日を入力してください。'],
      },
      never: ['苗字と名前の間にスペースを入れてください。', '大学名 / 学部名 / 学科名を入力してください。'],
    },
    {
      name: 'G1 本人確認書類: the type select and the file input', action: '/graduates/apply/documents', post: {}, fields: ['document_type', 'files'],
      open: async () => ({ browser: applicant.browser, page: await applicant.browser.submit(applicant.form, '/graduates/apply/form', { ...(await validForm(server)), action: 'next' }) }),
      says: { document_type: ['本人確認用書類の種類を選択してください。'], files: ['画像を選択してください。'] },
    },
    {
      name: 'G1 確認: 申請 without an image', action: '/graduates/apply/confirm', post: {}, fields: ['documents'],
      open: fresh('/graduates/apply/confirm', () => applicant.browser),
    },
    {
      name: 'G4 卒業生ログイン', action: /\/graduate-login$/, post: { email: '', password: '', second_password: '' }, fields: ['email', 'password'],
      open: async () => { const browser = newBrowser(); return { browser, page: (await graduateLoginPage(server, browser)).page }; },
    },
    {
      name: 'G11 パスワードを忘れた場合', action: '/graduates/password/forgot', post: { email: '' }, fields: ['email'],
      open: fresh('/graduates/password/forgot', newBrowser),
    },
    {
      name: 'G9 パスワード変更: empty current, the new one checked all the same', action: '/account/password',
      post: { current: '', password: 'abc', password_confirm: '' }, fields: ['current', 'password', 'password_confirm'],
      open: fresh('/account/password', () => graduateBrowser),
      says: { current: ['現在のパスワードを入力してください。'], password_confirm: ['新しいパスワード（確認）を入力してください。'] },
    },
    {
      name: 'G10 第2パスワード変更', action: '/account/second-password', post: { current: '', second_password: '', second_password_confirm: '' },
      fields: ['current', 'second_password', 'second_password_confirm'], open: fresh('/account/second-password', () => graduateBrowser),
      says: { current: ['旧第2パスワードを入力してください。'], second_password_confirm: ['新第2パスワード（確認）を入力してください。'] },
    },
    {
      name: 'G6 個人情報設定・変更', action: '/account/personal', post: { action: 'next', name_kanji: '', name_kana: 'でんでん', home_postal_code: '12' },
      fields: ['name_kanji', 'name_kana', 'home_postal_code'], open: fresh('/account/personal', () => graduateBrowser),
    },
    {
      name: 'staff login', action: '/admin/login', post: { login_id: '', password: '' }, fields: ['login_id', 'password'],
      open: fresh('/admin/login', () => newBrowser()),
    },
    {
      name: 'staff catalogue', action: '/admin/catalogue', post: { university: '', faculty: '', department: '' }, fields: ['university', 'faculty', 'department'],
      open: async () => { const browser = await signIn(server, { loginId: 'forms-admin', password: 'Jimu2026Kanri' }); staffBrowser = browser; return { browser, page: await browser.get('/admin/catalogue') }; },
    },
    {
      name: 'staff members', action: '/admin/staff', post: { login_id: '', display_name: '', role: 'root' }, fields: ['login_id', 'display_name', 'role'],
      open: async () => ({ browser: staffBrowser!, page: await staffBrowser!.get('/admin/staff') }),
    },
    {
      name: 'staff 却下 without a reason (textarea)', action: /\/reject$/, post: { reason: '' }, fields: ['reason'],
      open: async () => {
        const store = new ApplicationStore(server.services.database);
        const draft = await store.createDraft({ purpose: 'account', email: 'forms-reject@example.com', lang: 'ja' });
        await store.update(draft.id, { form: await validForm(server), termsVersion: server.config.graduates!.terms.version, termsAcceptedAt: new Date() });
        await store.transition((await store.findById(draft.id))!, 'submit', { type: 'applicant', id: null });
        return { browser: staffBrowser!, page: await staffBrowser!.get(`/admin/applications/${draft.id}`) };
      },
    },
  ];
  let staffBrowser: HttpBrowser | undefined;

  for (const form of cases) {
    it(form.name, async () => {
      const { browser, page } = await form.open();
      expect(page.status, textOf(page)).to.be.lessThan(400);
      const answer = await browser.submit(page, form.action, form.post);
      if (process.env.DEBUG_FORMS) console.log(form.name, answer.status, textOf(answer).slice(0, 600));
      const { messages } = expectErrorsLinked(answer, form.fields, form.name);
      for (const [field, expected] of Object.entries(form.says ?? {})) {
        for (const message of expected) expect(messages[field], `${form.name}: ${field}`).to.include(message);
      }
      for (const field of form.fields) {
        // One message per field and problem: an empty field says only that it is empty.
        const list = messages[field] ?? [];
        expect(new Set(list).size, `${form.name}: ${field} repeats a message`).to.equal(list.length);
        if (list.some((m) => /を(入力|選択)してください。$/.test(m) && !/で入力|形式/.test(m))) expect(list, `${form.name}: ${field} empty`).to.have.length(1);
      }
      const all = Object.values(messages).flat().join('\n');
      for (const text of form.never ?? []) expect(all, `${form.name}: ${text}`).to.not.contain(text);
    });
  }

  it('S2 第2パスワード設定 (first login): both fields, with distinct names', async () => {
    const { messages } = expectErrorsLinked(refusedBeforeDone.s2!, ['second_password', 'second_password_confirm'], 'S2');
    expect(messages.second_password_confirm).to.deep.equal(['第2パスワード（確認）を入力してください。']);
    expect(refusedBeforeDone.s2!.html).to.contain('>第2パスワード（確認）<');
  });

  it('G3 パスワード設定: empty password, and the second password checked all the same; パスワード（確認） / 第2パスワード（確認）', async () => {
    const page = refusedBeforeDone.g3!;
    const { messages } = expectErrorsLinked(page, ['password', 'password_confirm', 'second_password', 'second_password_confirm'], 'G3');
    expect(messages.password_confirm).to.deep.equal(['パスワード（確認）を入力してください。']);
    expect(messages.second_password_confirm).to.deep.equal(['第2パスワードと確認の入力が一致しません。']);
    const labels = [...page.html.matchAll(/<label[^>]*for="([^"]+)"[^>]*>([^<]+)</g)].map((m) => m[2]!.trim());
    expect(labels).to.include.members(['パスワード（確認）', '第2パスワード（確認）']);
    expect(new Set(labels).size, 'no two fields share a name').to.equal(labels.length);
  });

  it('G1 利用許諾: the unchecked 同意する checkbox is tied to its message', async () => {
    const browser = newBrowser();
    const request = await browser.get(`${server.url}/graduates/apply`);
    await browser.submit(request, '/graduates/apply', { email: 'forms-terms@example.com', email_confirm: 'forms-terms@example.com' });
    const mail = await server.smtp.waitFor('forms-terms@example.com', (m) => m.subject.includes('利用申請の手続き'));
    const landing = await browser.get(urlIn(mail));
    const terms = await browser.submit(landing, '/graduates/apply/continue', {});
    const refused = await browser.submit(terms, '/graduates/apply/terms', {});
    const { messages } = expectErrorsLinked(refused, ['agree'], 'terms');
    expect(messages.agree).to.deep.equal(['利用規約に同意していただく必要があります。']);
    expect(findForm(refused, '/graduates/apply/terms').hidden.terms_version).to.be.a('string');
  });

  it('the change screens of the second password show the 注意事項 box with the rules (students and graduates)', async () => {
    for (const browser of [studentBrowser, graduateBrowser]) {
      const text = textOf(await browser.get(`${server.url}/account/second-password`));
      expect(text).to.contain('注意事項').and.contain('！注意事項は必ずお読みください').and.contain('「変更」ボタンを押すと、第2パスワードが変更されます。')
        .and.contain('第2パスワードは下記ルールに従い設定してください。');
    }
  });

  it('a repeated field (a list, not a value) is refused with its message, not a 500', async () => {
    const browser = newBrowser();
    const page = await browser.get(`${server.url}/graduates/apply`);
    const body = new URLSearchParams({ ...findForm(page, '/graduates/apply').hidden });
    for (const value of ['a@example.com', 'b@example.com']) body.append('email', value);
    for (const value of ['a@example.com', 'c@example.com']) body.append('email_confirm', value);
    const answer = await browser.request('POST', `${server.url}/graduates/apply`, body);
    expect(answer.status, textOf(answer)).to.equal(200);
    expectErrorsLinked(answer, ['email', 'email_confirm'], 'repeated fields');
  });

  it('the English forms say "Please select" for choices and "Please enter" for typed values', async () => {
    const browser = newBrowser('en');
    const { page } = await openLogin(server, browser, { ui_locales: 'en' });
    const answer = await browser.submit(page, /\/login$/, { user_id: '', password: '', second_password: '' });
    const { messages } = expectErrorsLinked(answer, ['user_id'], 'en login');
    expect(messages.user_id).to.deep.equal(['Please enter the User ID.']);
    const form = await applicant.browser.get(`${server.url}/graduates/apply/form?lang=en`);
    const refused = await applicant.browser.submit(form, '/graduates/apply/form', { ...(await validForm(server)), kind: '', action: 'next' });
    expect(expectErrorsLinked(refused, ['kind'], 'en form').messages.kind).to.deep.equal(['Please select the Type of application.']);
  });
});
