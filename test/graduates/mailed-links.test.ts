import { expect } from 'chai';
import { DATABASES, newBrowser, startTestServer, type TestServer } from '../support/harness.js';
import { findForm, textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { urlIn } from '../support/smtp.js';
import {
  applicationOf, applyCompletely, approvedGraduate, finishApplication, firstGraduateLogin, openMailedUrl, STAFF, upload, validForm,
} from '../support/graduates.js';
import { pngImage } from '../support/images.js';
import { requestResubmission } from '../../src/staff/review/service.js';
import { ApplicationStore } from '../../src/applications/store.js';
import { activeCatalogue } from '../../src/applications/catalogue.js';
import { scanLikeAMailGateway } from '../support/scanner.js';

// The applicant's mailed links — G1 利用申請, G5 学籍番号追加, and the staff's resubmission request to
// either — in front of a mail scanner and on a second device (issue 10): GET and HEAD only show a
// landing page; its button (a CSRF-protected POST) uses the key up and opens the flow in the browser
// that pressed it.

const G1 = '/graduates/apply/continue';
const G5 = '/account/enrollments/continue';
const UNKNOWN_KEY = 'A'.repeat(43);

/** Everything stored about the address's applications (rows and their histories), to compare. */
async function snapshot(server: TestServer, email: string): Promise<string> {
  const { dataSource, entities } = server.services.database;
  const rows = await dataSource.getRepository(entities.Application).find({ where: { email }, order: { createdAt: 'ASC' } });
  const store = new ApplicationStore(server.services.database);
  const histories = await Promise.all(rows.map((row) => store.history(row.id)));
  const documents = await Promise.all(rows.map((row) => store.listDocuments(row.id)));
  return JSON.stringify({ rows, histories, documents });
}

/** A mail scanner: HEAD, then GET twice, cookie-less, before the user. Each answer is the landing page (nothing opened). */
async function scan(url: string): Promise<void> {
  const [head, ...gets] = await scanLikeAMailGateway(url);
  expect(head.status, 'HEAD').to.equal(200);
  for (const [i, page] of [head, ...gets].entries()) {
    expect(page.headers.get('set-cookie') ?? '', `answer ${i}`).to.not.match(/cert_idp\.(apply|enrollment)=/);
  }
  for (const [i, page] of gets.entries()) {
    expect(page.status, `GET ${i + 1}`).to.equal(200);
    expect(textOf(page)).to.match(/申請を続ける|登録を続ける/);
  }
}

async function catalogueId(server: TestServer, faculty: string): Promise<string> {
  return (await activeCatalogue(server.services.database)).find((e) => e.faculty === faculty)!.id;
}

/** G1 steps 1–4 in browser A: 新規登録手続き → 確認 → the mail; returns its URL. */
async function requestApplicationMail(server: TestServer, browser: HttpBrowser, email: string): Promise<string> {
  const request = await browser.get(`${server.url}/graduates/apply`);
  await browser.submit(request, '/graduates/apply', { email, email_confirm: email });
  return urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('利用申請の手続き')));
}

/** An approved graduate signed in (browser A) who asks for G5's mail; returns its URL. */
async function requestEnrollmentMail(server: TestServer, email: string): Promise<{ url: string; browser: HttpBrowser }> {
  const initial = await approvedGraduate(server, email);
  const { browser } = await firstGraduateLogin(server, email, initial);
  const start = await browser.get(`${server.url}/account/enrollments/new`);
  await browser.submit(start, '/account/enrollments/new', {});
  const mail = await server.smtp.waitFor(email, (m) => m.subject.includes('学籍番号追加'));
  return { url: urlIn(mail), browser };
}

function enrolmentForm(catalogue: string, studentNumber: string): Record<string, string> {
  return {
    enrolled_name_kanji: '電電 太郎', enrolled_name_kana: 'デンデン タロウ', enrolled_name_romaji: 'DENDEN TAROU', catalogue_id: catalogue,
    student_number: studentNumber, graduated_month: '2024-03', leaving_type: 'graduated', action: 'next',
  };
}

/** G5 from its form to 申請完了 in the browser that pressed the button. */
async function finishEnrollment(browser: HttpBrowser, form: Page, fields: Record<string, string>): Promise<void> {
  const confirm = await browser.submit(form, '/account/enrollments/form', fields);
  expect(textOf(confirm), textOf(confirm)).to.contain('申請内容の確認').and.contain(fields.student_number!);
  const done = await browser.submit(confirm, '/account/enrollments/confirm', {});
  expect(textOf(done)).to.contain('申請完了');
}

/** Posts the landing page's form with another key (the page's CSRF token is valid). */
function postKey(browser: HttpBrowser, landing: Page, action: string, key: string): Promise<Page> {
  return browser.submit(landing, action, { key });
}

function keyOf(url: string): string {
  return new URL(url).searchParams.get('key')!;
}

for (const db of DATABASES) {
  describe(`mailed links of G1, G5 and the resubmission request: scanners and a second device (${db.name})`, () => {
    let server: TestServer;

    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    it('G1: the landing page shows the address and 申請を続ける; a scanner changes nothing; a second browser finishes the application', async () => {
      const email = 'scan-g1@example.com';
      const first = newBrowser();
      const url = await requestApplicationMail(server, first, email);
      expect(url.startsWith(`${server.url}${G1}?key=`)).to.equal(true);
      const before = await snapshot(server, email);
      await scan(url);
      expect(await snapshot(server, email), 'the scanner changed nothing').to.equal(before);

      // Browser B (the phone that reads the mail, or another PC): the landing page, then its button.
      const second = newBrowser();
      const landing = await second.get(url);
      expect(landing.status).to.equal(200);
      expect(textOf(landing)).to.contain('利用申請').and.contain(email).and.contain('申請を続ける');
      expect(second.hasCookie('cert_idp.apply'), 'GET sets no applicant cookie').to.equal(false);
      const terms = await second.submit(landing, G1, {});
      expect(textOf(terms)).to.contain('利用許諾');
      expect(second.hasCookie('cert_idp.apply')).to.equal(true);
      expect(first.hasCookie('cert_idp.apply')).to.equal(false);
      const form = await second.submit(terms, '/graduates/apply/terms', { agree: 'yes' });
      await finishApplication(server, second, form);
      expect((await applicationOf(server, email)).status).to.equal('submitted');
      // The key was used by the button: the link now says so.
      const used = await newBrowser().get(url);
      expect(used.status).to.equal(410);
      expect(textOf(used)).to.contain('既に使用されています');
    });

    it('G5: a scanner changes nothing; the link, opened in a browser without the session, finishes the request there', async () => {
      const email = 'scan-g5@example.com';
      const { url } = await requestEnrollmentMail(server, email);
      expect(url.startsWith(`${server.url}${G5}?key=`)).to.equal(true);
      const before = await snapshot(server, email);
      await scan(url);
      expect(await snapshot(server, email), 'the scanner changed nothing').to.equal(before);

      const phone = newBrowser();
      const landing = await phone.get(url);
      expect(textOf(landing)).to.contain('学籍番号追加登録').and.contain(email).and.contain('登録を続ける');
      const form = await phone.submit(landing, G5, {});
      expect(textOf(form)).to.contain('大学名 / 学部名 / 学科名');
      await finishEnrollment(phone, form, enrolmentForm(await catalogueId(server, '文学研究科'), 'M2500001'));
      const { dataSource, entities } = server.services.database;
      const request = await dataSource.getRepository(entities.Application).findOneByOrFail({ email, purpose: 'enrollment' });
      expect(request.status).to.equal('submitted');
      expect((await newBrowser().get(url)).status).to.equal(410);
    });

    it('the resubmission request (G1): a scanner changes nothing; a second browser corrects and resubmits', async () => {
      const email = 'scan-resubmit@example.com';
      await applyCompletely(server, newBrowser(), email);
      const application = await applicationOf(server, email);
      await requestResubmission(server.services, STAFF, { applicationId: application.id, comment: '住所をご確認ください。' });
      const url = urlIn(await server.smtp.waitFor(email, (m) => m.text.includes('住所をご確認ください。')));
      expect(url.startsWith(`${server.url}${G1}?key=`)).to.equal(true);
      const before = await snapshot(server, email);
      await scan(url);
      expect(await snapshot(server, email), 'the scanner changed nothing').to.equal(before);

      const other = newBrowser();
      const landing = await other.get(url);
      expect(textOf(landing)).to.contain('再申請の依頼').and.contain('申請を続ける');
      const form = await other.submit(landing, G1, {});
      expect(textOf(form)).to.contain('住所をご確認ください。');
      const documents = await other.submit(form, '/graduates/apply/form', { ...(await validForm(server, { home_street: '梅田2-2-2' })), action: 'next' });
      await upload(other, server, documents, 'passport', [{ filename: 'passport.png', type: 'image/png', bytes: pngImage(6, 6) }]);
      const confirm = await other.get(`${server.url}/graduates/apply/confirm`);
      await other.submit(confirm, '/graduates/apply/confirm', {});
      const after = await applicationOf(server, email);
      expect(after.status).to.equal('resubmitted');
      expect(after.form!.home_street).to.equal('梅田2-2-2');
    });

    it('the resubmission request (G5): a scanner changes nothing; a second browser corrects and resubmits', async () => {
      const email = 'scan-resubmit-g5@example.com';
      const { url: first } = await requestEnrollmentMail(server, email);
      const opener = newBrowser();
      await finishEnrollment(opener, await openMailedUrl(opener, first), enrolmentForm(await catalogueId(server, '工学研究科'), 'M2500002'));
      const { dataSource, entities } = server.services.database;
      const request = await dataSource.getRepository(entities.Application).findOneByOrFail({ email, purpose: 'enrollment' });
      expect(request.status).to.equal('submitted');
      await requestResubmission(server.services, STAFF, { applicationId: request.id, comment: '学籍番号をご確認ください。' });
      const url = urlIn(await server.smtp.waitFor(email, (m) => m.text.includes('学籍番号をご確認ください。')));
      expect(url.startsWith(`${server.url}${G5}?key=`)).to.equal(true);
      const before = await snapshot(server, email);
      await scan(url);
      expect(await snapshot(server, email), 'the scanner changed nothing').to.equal(before);

      const other = newBrowser();
      const landing = await other.get(url);
      expect(textOf(landing)).to.contain('再申請の依頼').and.contain('登録を続ける');
      const form = await other.submit(landing, G5, {});
      expect(textOf(form)).to.contain('学籍番号をご確認ください。');
      await finishEnrollment(other, form, enrolmentForm(await catalogueId(server, '工学研究科'), 'M2500003'));
      const after = await dataSource.getRepository(entities.Application).findOneByOrFail({ id: request.id });
      expect(after.status).to.equal('resubmitted');
      expect(after.form!.student_number).to.equal('M2500003');
    });

    it('an unknown key: 400 on the landing page and on the POST, with the way to start again', async () => {
      for (const path of [G1, G5]) {
        const page = await newBrowser().get(`${server.url}${path}?key=${UNKNOWN_KEY}`);
        expect(page.status, path).to.equal(400);
        expect(textOf(page)).to.contain('URLが正しくありません');
        expect((await newBrowser().get(`${server.url}${path}`)).status, `${path} without a key`).to.equal(400);
      }
      // The POST: a landing page's valid CSRF token, with an unknown key.
      const email = 'unknown-key@example.com';
      const url = await requestApplicationMail(server, newBrowser(), email);
      const browser = newBrowser();
      const landing = await browser.get(url);
      const refused = await postKey(browser, landing, G1, UNKNOWN_KEY);
      expect(refused.status).to.equal(400);
      expect(textOf(refused)).to.contain('URLが正しくありません').and.contain('新規登録手続き');
      expect(browser.hasCookie('cert_idp.apply')).to.equal(false);
    });

    it('a used key: of two presses (two browsers) one wins; afterwards 410 on GET and POST, and the winner goes on', async () => {
      const email = 'used-key@example.com';
      const url = await requestApplicationMail(server, newBrowser(), email);
      const a = newBrowser();
      const b = newBrowser();
      const [landingA, landingB] = [await a.get(url), await b.get(url)];
      const [pressedA, pressedB] = await Promise.all([a.submit(landingA, G1, {}), b.submit(landingB, G1, {})]);
      const statuses = [pressedA.status, pressedB.status].sort();
      expect(statuses).to.deep.equal([200, 410]);
      const [winner, loser, lost, loserLanding] = pressedA.status === 200 ? [a, b, pressedB, landingB] : [b, a, pressedA, landingA];
      expect(textOf(lost)).to.contain('既に使用されています').and.contain('ボタンを押したブラウザで手続きを続けてください');
      expect(loser.hasCookie('cert_idp.apply')).to.equal(false);
      const again = await newBrowser().get(url);
      expect(again.status).to.equal(410);
      expect(textOf(again)).to.contain('既に使用されています').and.contain('新規登録手続き');
      const reposted = await postKey(loser, loserLanding, G1, keyOf(url));
      expect(reposted.status).to.equal(410);
      expect(loser.hasCookie('cert_idp.apply')).to.equal(false);
      expect((await winner.get(`${server.url}/graduates/apply/terms`)).status).to.equal(200);
    });

    it('an expired key: 410 on the landing page and on the POST', async () => {
      const g1 = 'expired-g1@example.com';
      const g1Url = await requestApplicationMail(server, newBrowser(), g1);
      const { url: g5Url } = await requestEnrollmentMail(server, 'expired-g5@example.com');
      const browser = newBrowser();
      const landings = { [G1]: await browser.get(g1Url), [G5]: await browser.get(g5Url) };
      const { dataSource, entities } = server.services.database;
      await dataSource.getRepository(entities.Application).update({ email: g1 }, { accessExpiresAt: new Date(Date.now() - 1000) });
      await dataSource.getRepository(entities.Application).update({ email: 'expired-g5@example.com', purpose: 'enrollment' }, { accessExpiresAt: new Date(Date.now() - 1000) });
      for (const [path, url] of [[G1, g1Url], [G5, g5Url]] as const) {
        const page = await newBrowser().get(url);
        expect(page.status, path).to.equal(410);
        expect(textOf(page)).to.contain('有効期限が切れています');
        const posted = await browser.submit(landings[path]!, path, {});
        expect(posted.status, `${path} POST`).to.equal(410);
        expect(textOf(posted)).to.contain('有効期限が切れています');
      }
      expect(browser.hasCookie('cert_idp.apply') || browser.hasCookie('cert_idp.enrollment')).to.equal(false);
    });

    it('a key of the other flow: a G5 key on the G1 URL and a G1 key on the G5 URL open nothing (GET and POST), and are not used up', async () => {
      const g1 = 'purpose-g1@example.com';
      const g5 = 'purpose-g5@example.com';
      const g1Url = await requestApplicationMail(server, newBrowser(), g1);
      const { url: g5Url } = await requestEnrollmentMail(server, g5);
      const before = [await snapshot(server, g1), await snapshot(server, g5)];
      const crossed = [[G1, keyOf(g5Url), g1Url], [G5, keyOf(g1Url), g5Url]] as const;
      for (const [path, key, own] of crossed) {
        const page = await newBrowser().get(`${server.url}${path}?key=${encodeURIComponent(key)}`);
        expect(page.status, path).to.equal(400);
        expect(textOf(page)).to.contain('URLが正しくありません');
        const browser = newBrowser();
        const landing = await browser.get(own);
        const posted = await postKey(browser, landing, path, key);
        expect(posted.status, `${path} POST`).to.equal(400);
        expect(browser.hasCookie('cert_idp.apply') || browser.hasCookie('cert_idp.enrollment')).to.equal(false);
      }
      expect([await snapshot(server, g1), await snapshot(server, g5)]).to.deep.equal(before);
      // Both still open their own flow.
      expect(textOf(await openMailedUrl(newBrowser(), g1Url))).to.contain('利用許諾');
      expect(textOf(await openMailedUrl(newBrowser(), g5Url))).to.contain('大学名 / 学部名 / 学科名');
      // Used, each says so on its own URL only: on the other flow's it is still unknown.
      expect((await newBrowser().get(g1Url)).status).to.equal(410);
      expect((await newBrowser().get(`${server.url}${G5}?key=${encodeURIComponent(keyOf(g1Url))}`)).status).to.equal(400);
      expect((await newBrowser().get(`${server.url}${G1}?key=${encodeURIComponent(keyOf(g5Url))}`)).status).to.equal(400);
    });

    it('the button without a CSRF token: 403 and the landing page again; the key is not used up', async () => {
      const email = 'csrf-g1@example.com';
      const url = await requestApplicationMail(server, newBrowser(), email);
      const browser = newBrowser();
      const landing = await browser.get(url);
      const form = findForm(landing, G1);
      const body = new URLSearchParams({ key: form.hidden.key! });
      const refused = await browser.request('POST', `${server.url}${G1}`, body);
      expect(refused.status).to.equal(403);
      expect(textOf(refused)).to.contain('画面の有効期限が切れたか').and.contain('申請を続ける');
      const terms = await browser.submit(refused, G1, {});
      expect(textOf(terms)).to.contain('利用許諾');
    });
  });
}
