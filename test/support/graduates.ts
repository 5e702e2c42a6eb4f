import { expect } from 'chai';
import { activeCatalogue } from '../../src/applications/catalogue.js';
import { approveApplication } from '../../src/staff/review/service.js';
import { findForm, linkByText, textOf, type HttpBrowser, type Page } from './browser.js';
import { beginAuthorization, exchangeCode, newBrowser, relyingParty, RP, type TestServer } from './harness.js';
import { initialPasswordIn } from './staff.js';
import { multipartBody, pngImage } from './images.js';
import { urlIn } from './smtp.js';

// The graduate applicant's steps (manual 002 §2.1), shared by the graduate suites.

/** A complete, valid application form for the demo configuration. */
export async function validForm(server: TestServer, overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const catalogue = await activeCatalogue(server.services.database);
  return {
    kind: 'new', name_kanji: '電電 太郎', name_kana: 'デンデン タロウ', name_romaji: 'DENDEN TAROU', gender: 'male',
    birth_date: '1999-09-09', last_enrolled_month: '2022-03', enrolled_name_kanji: '', enrolled_name_kana: '', enrolled_name_romaji: '',
    catalogue_id: catalogue.find((e) => e.faculty === '外国語学部')!.id, faculty_text: '', student_number: '18F1234', graduated_month: '2022-03',
    leaving_type: 'graduated', home_postal_code: '530-0001', home_prefecture: '大阪府', home_city: '大阪市北区', home_street: '梅田1-1-1',
    home_building: '', home_phone: '06-1234-5678', mobile_phone: '090-1234-5678', work_name: '', work_postal_code: '', work_prefecture: '',
    work_city: '', work_street: '', work_building: '', work_phone: '',
    ...overrides,
  };
}

/**
 * `values` as a browser fills the form in: the catalogue entry (catalogue_id) chosen through its three
 * selects, 大学名, then 学部名 (listed once a university is chosen), then 学科名.
 */
export async function withCatalogueSelects(server: TestServer, values: Record<string, string>): Promise<Record<string, string>> {
  const entry = (await activeCatalogue(server.services.database)).find((e) => e.id === values.catalogue_id);
  if (!entry) return values;
  const { catalogue_id: catalogueId, ...rest } = values;
  return { ...rest, catalogue_university: entry.university, catalogue_faculty: entry.faculty, catalogue_id: catalogueId! };
}

export async function upload(browser: HttpBrowser, server: TestServer, page: Page, documentType: string, files: Array<{ filename: string; type: string; bytes: Buffer }>): Promise<Page> {
  const form = findForm(page, '/graduates/apply/documents');
  const { body, contentType } = multipartBody({ ...form.hidden, document_type: documentType }, files.map((f) => ({ field: 'files', ...f })));
  return browser.request('POST', `${server.url}/graduates/apply/documents`, body, { 'content-type': contentType });
}

/**
 * A mailed G1 / G5 / resubmission URL as the user follows it: the landing page (GET: nothing used up,
 * it shows the address and one button), then its button, which opens the flow in this browser.
 */
export async function openMailedUrl(browser: HttpBrowser, url: string, button = /申請を続ける|登録を続ける/): Promise<Page> {
  const landing = await browser.get(url);
  expect(landing.status, textOf(landing)).to.equal(200);
  expect(textOf(landing)).to.match(button);
  return browser.submit(landing, new URL(url).pathname, {});
}

/** G1 up to the form: 新規登録手続き → mail → URL → 申請を続ける → 利用許諾. */
export async function startApplication(server: TestServer, browser: HttpBrowser, email: string): Promise<Page> {
  const request = await browser.get(`${server.url}/graduates/apply`);
  expect(textOf(request)).to.contain('新規登録手続き');
  const sent = await browser.submit(request, '/graduates/apply', { email, email_confirm: email });
  expect(textOf(sent)).to.contain('確認メールを送信しました');
  const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請の手続き'));
  expect(mail.text).to.contain('URL 期限 : 30 分');
  const landing = await browser.get(urlIn(mail));
  expect(textOf(landing)).to.contain('利用申請').and.contain(email).and.contain('申請を続ける');
  const terms = await browser.submit(landing, '/graduates/apply/continue', {});
  expect(textOf(terms)).to.contain('利用許諾').and.contain('上記内容に同意する');
  return browser.submit(terms, '/graduates/apply/terms', { agree: 'yes' });
}

export async function applyCompletely(server: TestServer, browser: HttpBrowser, email: string, overrides: Record<string, string> = {}): Promise<void> {
  await finishApplication(server, browser, await startApplication(server, browser, email), overrides);
}

/** G1 from the form (申請者情報登録) to 申請受付, in the browser that holds the application's cookie. */
export async function finishApplication(server: TestServer, browser: HttpBrowser, form: Page, overrides: Record<string, string> = {}): Promise<void> {
  const documents = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server, overrides)), action: 'next' });
  expect(textOf(documents)).to.contain('本人確認用書類の種類');
  const uploaded = await upload(browser, server, documents, 'drivers_license', [{ filename: 'front.png', type: 'image/png', bytes: pngImage(8, 5, 'GPS 34.7N 135.5E') }]);
  expect(uploaded.status).to.equal(200);
  const confirm = await browser.get(`${server.url}/graduates/apply/confirm`);
  const done = await browser.submit(confirm, '/graduates/apply/confirm', {});
  expect(textOf(done)).to.contain('申請受付');
}

// Approval and the first login (G2, G3), shared by the graduate suites.

export const STAFF = { id: '00000000-0000-4000-8000-000000000001' };
export const NEW_PASSWORD = 'Sotsugyo9Pass';
export const NEW_SECOND = 'Daini2Himitsu';

export async function applicationOf(server: TestServer, email: string) {
  const { dataSource, entities } = server.services.database;
  return dataSource.getRepository(entities.Application).findOneByOrFail({ email });
}

export async function graduateLoginPage(server: TestServer, browser: HttpBrowser, extra: Record<string, string> = {}) {
  const attempt = await beginAuthorization(await relyingParty(server), { login_type: 'graduate', ...extra });
  const page = await browser.get(attempt.url, RP.redirectUri);
  return { attempt, page };
}

export function submitGraduateLogin(browser: HttpBrowser, page: Page, email: string, password: string, second = ''): Promise<Page> {
  return browser.submit(page, /\/graduate-login$/, { email, password, second_password: second }, RP.redirectUri);
}

/** G1 + approval: returns the initial password from 利用申請結果のお知らせ. */
export async function approvedGraduate(server: TestServer, email: string, overrides: Record<string, string> = {}): Promise<string> {
  await applyCompletely(server, newBrowser(), email, overrides);
  await approveApplication(server.services, STAFF, { applicationId: (await applicationOf(server, email)).id });
  const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請結果のお知らせ'));
  expect(mail.text).to.contain('ログインはこちらから').and.contain('login_type=graduate');
  return initialPasswordIn(mail);
}

/** G3: first login with the initial password, パスワード設定, OK → the client. */
/** G3 with the given new password and second password (defaults: NEW_PASSWORD, NEW_SECOND; the history rule refuses them twice). */
export async function firstGraduateLogin(server: TestServer, email: string, initial: string, passwords = { password: NEW_PASSWORD, second: NEW_SECOND }) {
  const browser = newBrowser();
  const { attempt, page } = await graduateLoginPage(server, browser);
  const setup = await submitGraduateLogin(browser, page, email, initial);
  expect(textOf(setup)).to.contain('パスワード設定');
  const done = await browser.submit(setup, /\/password-setup$/, { password: passwords.password, password_confirm: passwords.password, second_password: passwords.second, second_password_confirm: passwords.second });
  expect(textOf(done)).to.contain('パスワードおよび第2パスワードが設定されました');
  const callback = await browser.get(linkByText(done, 'OK'), RP.redirectUri);
  return { browser, attempt, tokens: await exchangeCode(attempt, callback) };
}
