// `npm start` as a newcomer runs it, on another port than 3000: the demo relying party's login goes
// through (its client is registered at ISSUER), and the start-up banner names only the pages that exist.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { startupBanner } from '../../src/dev/routes.js';
import { HttpBrowser, linkByText, textOf } from '../support/browser.js';
import { NEW_SECOND_PASSWORD } from '../support/flows.js';
import { freePort } from '../support/harness.js';
import { confirmEmailLink } from '../support/email-links.js';
import { MailCatcher, urlIn } from '../support/smtp.js';
import { productionExampleConfig, ROOT, ServerProcess, tempDir, writeDirectoryFile } from './support.js';

/** The banner's lines (the process's output that is not a JSON log line). */
function bannerOf(server: ServerProcess): string[] {
  return server.json().filter((l) => 'raw' in l).map((l) => String(l.raw).trim());
}

describe('the demo on another port (npm start with PORT)', function () {
  this.timeout(120_000);
  const smtp = new MailCatcher();
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const servers: ServerProcess[] = [];

  /** A configuration without `demo` (the production example with a file directory). */
  let plainConfig: string;

  before(async () => {
    tmp = await tempDir('cert-idp-demo-');
    await smtp.start();
    await writeDirectoryFile(path.join(tmp.dir, 'students.yaml'), [{ userId: 'p1', password: 'Univ-Pass-1p' }]);
    plainConfig = path.join(tmp.dir, 'plain.yaml');
    await writeFile(plainConfig, productionExampleConfig((config) => {
      config.directory = { adapter: 'file', file: { path: 'students.yaml' } };
    }));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    await smtp.stop();
    await tmp?.remove();
  });

  it('the demo relying party signs a demo student in, its redirect_uri following ISSUER; the banner names it and no outbox', async () => {
    const port = await freePort();
    const issuer = `http://localhost:${port}`; // no ISSUER: the demo's default for this PORT
    const server = new ServerProcess('demo', port, await freePort(), {
      CONFIG_FILE: path.join(ROOT, 'config/cert-idp.yaml'), DATA_DIR: path.join(tmp.dir, 'demo'), SMTP_URL: smtp.url, LOG_LEVEL: 'info',
    });
    servers.push(server);
    await server.start();

    const browser = new HttpBrowser();
    const start = await browser.request('GET', `${issuer}/dev/rp/login?login_type=student`);
    const authorization = new URL(start.location!);
    expect(authorization.origin + authorization.pathname).to.equal(`${issuer}/auth`);
    expect(authorization.searchParams.get('redirect_uri')).to.equal(`${issuer}/dev/rp/callback`);
    const login = await browser.follow(start);
    expect(login.status, textOf(login).slice(0, 300)).to.equal(200);
    expect(textOf(login)).to.contain('ユーザID');

    // The demo student's first login (the address by mail, a second password), back at the demo RP.
    const email = 'demo-port@example.test';
    const emailPage = await browser.submit(login, /\/login$/, { user_id: 's2026001', password: 'Demo-pass1', second_password: '' });
    expect(textOf(emailPage)).to.contain('メールアドレス設定');
    const sent = await browser.submit(emailPage, /\/email$/, { email, email_confirm: email });
    expect(textOf(sent)).to.contain('確認メールを送信しました');
    const mail = await smtp.waitFor(email, (m) => m.subject.includes('メールアドレスの登録'));
    expect(urlIn(mail).startsWith(`${issuer}/`), urlIn(mail)).to.equal(true);
    const done = await confirmEmailLink(browser, urlIn(mail));
    const secondPage = await browser.get(linkByText(done, 'ログインページへ移動'));
    expect(textOf(secondPage)).to.contain('第2パスワード設定');
    const setDone = await browser.submit(secondPage, /\/second-password$/, { second_password: NEW_SECOND_PASSWORD, second_password_confirm: NEW_SECOND_PASSWORD });
    const result = await browser.get(linkByText(setDone, 'OK'));
    expect(result.url.startsWith(`${issuer}/dev/rp/callback?`), result.url).to.equal(true);
    expect(result.status, textOf(result).slice(0, 500)).to.equal(200);
    expect(textOf(result)).to.contain('ID token').and.to.contain(`"iss": "${issuer}"`).and.to.contain('"aud": "demo-rp"');
    const logout = new URL(result.html.match(/href="([^"]*\/session\/end[^"]*)"/)![1]!.replace(/&amp;/g, '&'));
    expect(logout.searchParams.get('post_logout_redirect_uri')).to.equal(`${issuer}/`);

    expect(bannerOf(server)).to.deep.equal([`cert-idp is running at ${issuer}`, `Demo relying party login: ${issuer}/`]);
    const home = await browser.get(`${issuer}/`);
    expect(textOf(home)).to.contain('在学生ログイン (demo RP)');
    expect(textOf(home), 'mail goes to SMTP: no outbox page').not.to.contain('Mail outbox');
    expect((await fetch(`${issuer}/dev/outbox`)).status).to.equal(404);
  });

  it('without `demo` and with SMTP_URL the banner names neither the demo relying party nor the mail outbox', async () => {
    const port = await freePort();
    const server = new ServerProcess('no demo', port, await freePort(), {
      CONFIG_FILE: plainConfig, DATA_DIR: path.join(tmp.dir, 'plain'), SMTP_URL: smtp.url, LOG_LEVEL: 'info',
      CERT_APP_CLIENT_SECRET: 'cert-app-secret-0123456789abcdefghijklmnop',
    });
    servers.push(server);
    await server.start();
    expect(bannerOf(server)).to.deep.equal([`cert-idp is running at http://localhost:${port}`]);
    const home = await new HttpBrowser().get(`http://localhost:${port}/`);
    expect(textOf(home)).not.to.contain('demo RP');
    expect((await fetch(`http://localhost:${port}/dev/rp/login`)).status).to.equal(404);
  });

  it('the banner of each combination: the demo relying party with `demo`, the outbox without SMTP_URL', async () => {
    const env = (file: string, extra: Record<string, string> = {}) => ({
      CONFIG_FILE: file, DATA_DIR: tmp.dir, PORT: '3100', CERT_APP_CLIENT_SECRET: 'cert-app-secret-0123456789abcdefghijklmnop', ...extra,
    });
    const demo = path.join(ROOT, 'config/cert-idp.yaml');
    const banner = (vars: Record<string, string>) => startupBanner(loadConfig(vars)).trim().split('\n').map((l) => l.trim());
    expect(banner(env(demo))).to.deep.equal([
      'cert-idp is running at http://localhost:3100', 'Demo relying party login: http://localhost:3100/', 'Mail outbox: http://localhost:3100/dev/outbox',
    ]);
    expect(banner(env(demo, { SMTP_URL: 'smtp://mail.example.test:25', ISSUER: 'http://idp.example.test:8080' }))).to.deep.equal([
      'cert-idp is running at http://idp.example.test:8080', 'Demo relying party login: http://idp.example.test:8080/',
    ]);
    expect(banner(env(plainConfig))).to.deep.equal(['cert-idp is running at http://localhost:3100', 'Mail outbox: http://localhost:3100/dev/outbox']);
    expect(banner(env(plainConfig, { SMTP_URL: 'smtp://mail.example.test:25' }))).to.deep.equal(['cert-idp is running at http://localhost:3100']);
  });
});
