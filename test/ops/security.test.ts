import http from 'node:http';
import { expect } from 'chai';
import { pino } from 'pino';
import { logger } from '../../src/logger.js';
import { findForm, linkByText, type HttpBrowser } from '../support/browser.js';
import { openLogin, submitLogin } from '../support/flows.js';
import { beginAuthorization, DATABASES, newBrowser, relyingParty, RP, startTestServer, type TestServer, type TestStudent } from '../support/harness.js';
import { confirmEmailLink } from '../support/email-links.js';
import { emailOf, registrationUrl as mailedRegistrationUrl, sha256Hex, tokenOf } from '../support/students.js';

// What the whole server guarantees, shown over real HTTP with the current student's sign-in (DESIGN §3,
// §5): the security headers of its pages and cookies, what the database keeps (hashed tokens, erased
// mail bodies, no password or token anywhere) and what the logs hold. The sign-in's own negative tests:
// test/students/security.test.ts.

const MSG = {
  emailSetup: 'メールアドレス設定',
} as const;

/** Every line the logger writes from now on, at every level, until `stop()` (pino writes to its destination directly, not through process.stdout). */
function tapLogs(): { lines: string[]; stop(): void } {
  const stream = (logger as unknown as Record<symbol, { write(line: string): boolean }>)[pino.symbols.streamSym]!;
  const write = stream.write;
  const level = logger.level;
  const lines: string[] = [];
  stream.write = (line: string) => { lines.push(line); return true; };
  logger.level = 'trace';
  return {
    lines,
    stop() {
      logger.level = level;
      stream.write = write;
    },
  };
}

/** A request with headers fetch() will not send as given (Host); its status and body. */
function rawRequest(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Odd requests that are the client's mistake: each gets `status`, and the log no error. */
async function expectAnswered(requests: Array<{ url: string; method?: string; headers?: Record<string, string>; status: number }>): Promise<void> {
  const logs = tapLogs();
  try {
    for (const { url, method = 'GET', headers = {}, status } of requests) {
      const answer = await rawRequest(url, method, headers);
      expect(answer.status, `${method} ${url} ${JSON.stringify(headers)}`).to.equal(status);
      expect(answer.body).to.not.match(/TypeError|RangeError|\bat \S+ \(|server_error/);
    }
  } finally {
    logs.stop();
  }
  expect(logs.lines.filter((line) => JSON.parse(line).level >= 50), 'error lines in the log').to.deep.equal([]);
}

for (const db of DATABASES) {
  describe(`security: headers, stored data and logs over HTTP (${db.name})`, function () {
    let server: TestServer;
    let nextStudent = 0;

    const repositories = () => {
      const { dataSource, entities } = server.services.database;
      return {
        tokens: dataSource.getRepository(entities.OneTimeToken),
        outbox: dataSource.getRepository(entities.MailOutbox),
        throttle: dataSource.getRepository(entities.LoginThrottle),
      };
    };

    /** A fresh enrolled student no other test has touched. */
    const freshStudent = (): TestStudent => {
      const student = server.students[nextStudent];
      nextStudent += 1;
      if (!student || student.status !== 'enrolled') throw new Error('out of enrolled test students');
      return student;
    };

    /** S1 up to the mailed one-time URL (not opened). */
    const registrationUrl = (browser: HttpBrowser, student: TestStudent) => mailedRegistrationUrl(server, browser, student);

    async function failedLoginPage(student: Pick<TestStudent, 'userId' | 'password'>, secondPassword: string, browser = newBrowser()) {
      const { page } = await openLogin(server, browser);
      return submitLogin(browser, page, student, secondPassword);
    }

    before(async () => {
      nextStudent = 0;
      server = await startTestServer(db);
    });
    after(async () => { await server?.stop(); });
    beforeEach(async () => { await repositories().throttle.clear(); });

    // ---------------------------------------------------------------- 1. security headers

    it('the login page carries CSP (frame-ancestors \'none\', no inline script), nosniff, Referrer-Policy; cookies are HttpOnly and SameSite', async () => {
      const jar = new Map<string, string>();
      const setCookies: string[] = [];
      const go = async (url: string, init: RequestInit = {}) => {
        const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
        const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
        for (const header of response.headers.getSetCookie()) {
          setCookies.push(header);
          const [pair] = header.split(';');
          const eq = pair!.indexOf('=');
          jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        return response;
      };
      const attempt = await beginAuthorization(await relyingParty(server));
      const redirect = await go(attempt.url);
      expect(redirect.status).to.be.oneOf([302, 303]);
      const loginUrl = new URL(redirect.headers.get('location')!, server.url).toString();
      const login = await go(loginUrl);
      expect(login.status).to.equal(200);
      const html = await login.text();
      expect(html).to.contain('在学生ログイン');

      const csp = login.headers.get('content-security-policy') ?? '';
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map((d) => [d[0]!, d.slice(1)]));
      expect(directives.get('frame-ancestors')).to.deep.equal(["'none'"]);
      const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
      expect(scriptSrc, 'script-src or default-src').to.be.an('array');
      expect(scriptSrc).to.not.include("'unsafe-inline'");
      expect(scriptSrc).to.not.include("'unsafe-eval'");
      expect(scriptSrc).to.not.include('*');
      expect(directives.get('object-src')).to.deep.equal(["'none'"]);
      expect(html, 'inline script').to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(html, 'inline event handler').to.not.match(/<[^>]+\son[a-z]+=/i);
      expect(login.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(login.headers.get('referrer-policy')).to.be.oneOf(['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin']);
      expect(login.headers.get('cache-control')).to.contain('no-store');

      // Error pages, ours and the provider's, carry the same policy.
      for (const url of [`${server.url}/students/second-password/reset?token=garbage`, `${server.url}/auth?client_id=nope&response_type=code&scope=openid`]) {
        const response = await fetch(url, { redirect: 'manual' });
        expect(response.status, url).to.be.within(400, 499);
        expect(response.headers.get('content-security-policy'), url).to.contain("frame-ancestors 'none'");
        expect(response.headers.get('x-content-type-options'), url).to.equal('nosniff');
        const body = await response.text();
        expect(body, url).to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/i);
      }

      // Log in (first step) so that session cookies are set too.
      const student = freshStudent();
      const csrf = html.match(/name="_csrf" value="([^"]*)"/)?.[1];
      const action = html.match(/action="(\/interaction\/[^"]*\/login)"/)?.[1];
      const posted = await go(new URL(action!, server.url).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf!, user_id: student.userId, password: student.password, second_password: '' }),
      });
      expect(posted.status).to.equal(303);
      let next = posted.headers.get('location');
      for (let hops = 0; next && hops < 5; hops += 1) {
        const response = await go(new URL(next, server.url).toString());
        next = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
        if (!next) expect(await response.text()).to.contain(MSG.emailSetup);
      }
      const names = new Set(setCookies.map((c) => c.split('=')[0]));
      expect([...names]).to.include.members(['_session', '_interaction', 'cert_idp.csrf']);
      for (const cookie of setCookies) {
        expect(cookie.toLowerCase(), cookie).to.contain('httponly');
        expect(cookie.toLowerCase(), cookie).to.match(/samesite=(lax|strict)/);
      }
    });

    // ---------------------------------------------------------------- 2. what the database and the logs keep

    it('stores one-time tokens only as SHA-256 hashes, erases delivered mail bodies, and keeps no password or token anywhere', async () => {
      const student = freshStudent();
      const browser = newBrowser();
      const url = await registrationUrl(browser, student);
      const token = tokenOf(url);
      expect(token).to.match(/^[A-Za-z0-9_-]{43,}$/); // ≥ 256 bits, base64url
      const { tokens, outbox } = repositories();

      const rows = await tokens.find();
      expect(rows.length).to.be.greaterThan(0);
      for (const row of rows) expect(row.tokenHash).to.match(/^[0-9a-f]{64}$/);
      const mine = rows.filter((r) => r.tokenHash === sha256Hex(token));
      expect(mine).to.have.length(1);
      expect(rows.some((r) => r.tokenHash === token || JSON.stringify(r).includes(token))).to.equal(false);

      // Delivered: the row is marked sent and its body (with the URL) is gone.
      const email = emailOf(student);
      let sent: Awaited<ReturnType<typeof outbox.findBy>> = [];
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        sent = await outbox.findBy({ recipient: email });
        if (sent.length && sent.every((r) => r.status === 'sent')) break;
      }
      expect(sent).to.have.length(1);
      expect(sent[0]!.status).to.equal('sent');
      expect(sent[0]!.bodyText).to.equal('');

      // A wrong login leaves throttle keys, which are hashed too.
      await failedLoginPage({ userId: student.userId, password: 'Wrong-Pass-7x' }, 'Some2ndPw7');
      const throttleRows = await repositories().throttle.find();
      expect(throttleRows.length).to.be.greaterThan(0);
      for (const row of throttleRows) expect(row.key).to.match(/^(account|ip):[0-9a-f]{64}$/);

      // Finish the first login, then scan every table for the secrets this test typed or received.
      const done = await confirmEmailLink(browser, url);
      const second = await browser.get(linkByText(done, 'ログインページへ移動'), RP.redirectUri);
      const set = await browser.submit(second, /\/second-password$/, { second_password: 'Scan9Secret', second_password_confirm: 'Scan9Secret' });
      const callback = await browser.get(linkByText(set, 'OK'), RP.redirectUri);
      expect(callback.location ?? '').to.match(new RegExp(`^${RP.redirectUri}\\?code=`));
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && (await server.services.outbox.pendingCount()) > 0;) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const secrets = [token, student.password, 'Wrong-Pass-7x', 'Some2ndPw7', 'Scan9Secret', RP.secret];
      const { dataSource } = server.services.database;
      for (const table of ['accounts', 'one_time_tokens', 'mail_outbox', 'login_throttle', 'audit_events', 'oidc_payload']) {
        const dump = JSON.stringify(await dataSource.query(`SELECT * FROM ${table}`));
        for (const secret of secrets) expect(dump.includes(secret), `${table} holds a secret (${secret.slice(0, 4)}…)`).to.equal(false);
      }
    });

    it('application logs carry no password, one-time URL, address, user ID or cookie, even when mail delivery fails', async () => {
      const tap = tapLogs();
      const { lines } = tap;
      const student = freshStudent();
      const email = emailOf(student);
      let body = '';
      try {
        server.smtp.refuse = true;
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        const emailPage = await submitLogin(browser, page, student);
        await browser.submit(emailPage, /\/email$/, { email, email_confirm: email });
        const { outbox } = repositories();
        for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
          const row = await outbox.findOneBy({ recipient: email });
          if (row?.lastError) { body = row.bodyText; break; }
        }
        server.smtp.refuse = false;
        // More bad input: a wrong password, a missing CSRF token, an oversized body, a forged token.
        await failedLoginPage({ userId: student.userId, password: 'Wrong-Pass-8x' }, 'Log2ndSecret9');
        const other = newBrowser();
        const again = await openLogin(server, other);
        const action = new URL(findForm(again.page, /\/login$/).action, again.page.url).toString();
        await other.request('POST', action, new URLSearchParams({ user_id: student.userId, password: student.password, second_password: '' }));
        await other.request('POST', action, new URLSearchParams({ user_id: 'x'.repeat(100_000), password: student.password }));
        await other.get(`${server.url}/students/email/confirm?token=${Buffer.alloc(32, 9).toString('base64url')}`);
      } finally {
        server.smtp.refuse = false;
        tap.stop();
      }
      expect(body, 'the failed mail is still queued with its URL').to.match(/https?:\/\/\S+\?token=/);
      const token = tokenOf(body.match(/https?:\/\/\S+/)![0]);
      expect(lines.join(''), 'the delivery failure is logged').to.contain('mail delivery failed');
      const logs = lines.join('');
      for (const secret of [student.password, 'Wrong-Pass-8x', 'Log2ndSecret9', token, email, student.userId, 'xxxxxxxxxx']) {
        expect(logs.includes(secret), `the logs hold ${secret.slice(0, 12)}…`).to.equal(false);
      }
      expect(logs).to.not.match(/_session|_interaction=|cert_idp\.csrf=/);
    });

    it('a method no route knows gets 501 and an invalid Host 400, never a 500 or an error in the log', async () => {
      const paths = ['/', '/accessibility', '/token', '/jwks', '/.well-known/openid-configuration', '/healthz', '/nonexistent'];
      await expectAnswered([
        ...paths.flatMap((path) => ['TRACE', 'PROPFIND', 'MKCOL'].map((method) => ({ url: `${server.url}${path}`, method, status: 501 }))),
        ...['evil:99999', 'a b', '[::', 'x:abc', 'evil.example/path'].flatMap((host) => ['/.well-known/openid-configuration', '/session/end', '/', '/auth?client_id=test-rp'].map((path) => ({
          url: `${server.url}${path}`, headers: { host }, status: 400,
        }))),
      ]);
      // A good Host still works.
      await expectAnswered([{ url: `${server.url}/.well-known/openid-configuration`, headers: { host: new URL(server.url).host }, status: 200 }]);
    });
  });
}

describe('security: a forwarded origin that is no URL, behind a trusted proxy', function () {
  let server: TestServer;
  before(async () => { server = await startTestServer({ name: 'sqlite' }, (config) => { config.env.trustProxy = true; }); });
  after(async () => { await server?.stop(); });

  it('X-Forwarded-Host or X-Forwarded-Proto of that kind gets 400, never a 500; a good one is used', async () => {
    const forwarded: Array<Record<string, string>> = [
      { 'x-forwarded-host': 'a b' }, { 'x-forwarded-host': 'evil:99999' }, { 'x-forwarded-proto': 'ht tp' }, { 'x-forwarded-proto': 'ftp' },
    ];
    await expectAnswered(['/.well-known/openid-configuration', '/session/end'].flatMap((path) => forwarded.map((headers) => ({ url: `${server.url}${path}`, headers, status: 400 }))));
    const discovery = await rawRequest(`${server.url}/.well-known/openid-configuration`, 'GET', { 'x-forwarded-host': 'idp.example.test', 'x-forwarded-proto': 'https' });
    expect(discovery.status).to.equal(200);
    expect(JSON.parse(discovery.body).token_endpoint).to.equal('https://idp.example.test/token');
  });
});
