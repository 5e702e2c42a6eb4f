// A production server process (https ISSUER, TRUST_PROXY=true) as an operator meets it: reached
// without X-Forwarded-Proto (kubectl port-forward, an internal client), and while its database is
// away (a TCP gate in front of MariaDB). Neither is a bug of the request: never a 500.
import net from 'node:net';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { createDataSource } from '../../src/db/data-source.js';
import { isDatabaseOutage } from '../../src/ops/database-outage.js';
import { HttpBrowser, textOf, type Page } from '../support/browser.js';
import { DATABASES, freePort, freshDatabase } from '../support/harness.js';
import {
  cookieKey, documentKey, eventually, productionExampleConfig, ServerProcess, signingKey, TcpGate, tempDir, writeDirectoryFile,
} from './support.js';

const mariadb = DATABASES.find((db) => db.name === 'mariadb');
const HTTPS = { 'x-forwarded-proto': 'https' };
const CLIENT_SECRET = 'cert-app-secret-0123456789abcdefghijklmnop';
const REDIRECT_URI = 'https://certificates.example.ac.jp/oidc/callback';

(mariadb ? describe : describe.skip)('availability: plain HTTP and database outages answer 4xx/503, never 500 (production process)', function () {
  this.timeout(120_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let gate: TcpGate;
  let server: ServerProcess;

  const authUrl = () => {
    const url = new URL(`${server.url}/auth`);
    url.search = new URLSearchParams({
      client_id: 'cert-app', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, login_type: 'student',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  };
  /** The relying party's token request with a code nobody issued (a database lookup, then invalid_grant). */
  const redeemUnknownCode = () => fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { ...HTTPS, 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`cert-app:${CLIENT_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'a'.repeat(43), redirect_uri: REDIRECT_URI, code_verifier: 'b'.repeat(43) }),
  });
  const errorLines = () => server.json().filter((l) => typeof l.level === 'number' && l.level >= 50);
  const withStack = () => server.lines.filter((l) => /"stack"|^\s+at /.test(l));

  before(async () => {
    tmp = await tempDir('cert-idp-availability-');
    const target = new URL(mariadb!.url!);
    await (await freshDatabase(mariadb!)).dataSource.destroy();
    gate = new TcpGate(target.hostname, Number(target.port || 3306));
    await gate.up();
    const through = new URL(target);
    through.hostname = '127.0.0.1';
    through.port = String(gate.port);

    await writeFile(path.join(tmp.dir, 'signing-keys.json'), JSON.stringify({ keys: [await signingKey()] }));
    await writeFile(path.join(tmp.dir, 'cookie-keys'), `${cookieKey()}\n`);
    await writeDirectoryFile(path.join(tmp.dir, 'students.yaml'), [{ userId: 'p1', password: 'Univ-Pass-1p' }]);
    await writeFile(path.join(tmp.dir, 'cert-idp.yaml'), productionExampleConfig((config) => {
      config.directory = { adapter: 'file', file: { path: 'students.yaml' } };
    }));
    server = new ServerProcess('production', await freePort(), await freePort(), {
      NODE_ENV: 'production',
      ISSUER: 'https://login.example.test',
      TRUST_PROXY: 'true',
      DATABASE_URL: through.toString(),
      SMTP_URL: 'smtp://127.0.0.1:9', // never used: no mail is sent here
      CONFIG_FILE: path.join(tmp.dir, 'cert-idp.yaml'),
      DATA_DIR: path.join(tmp.dir, 'no-data'),
      SIGNING_KEYS_FILE: path.join(tmp.dir, 'signing-keys.json'),
      COOKIE_KEYS_FILE: path.join(tmp.dir, 'cookie-keys'),
      DOCUMENT_KEYS: documentKey(),
      CERT_APP_CLIENT_SECRET: CLIENT_SECRET,
      LOG_LEVEL: 'info',
    });
    await server.start();
  });

  after(async () => {
    await gate?.up().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await gate?.down();
    await tmp?.remove();
  });

  it('without X-Forwarded-Proto: no cookie where none is needed, 403 naming https where one is, one warning and no stack', async () => {
    const plain = async (target: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${server.url}${target}`, { headers, redirect: 'manual' });
      return { status: response.status, cookies: response.headers.getSetCookie(), type: response.headers.get('content-type') ?? '', text: await response.text() };
    };
    const html = { accept: 'text/html' };

    // Pages that need no cookie: their ordinary answer, and no cookie.
    const missing = await plain('/no-such-page', html);
    expect(missing.status, missing.text.slice(0, 300)).to.equal(404);
    expect(missing.text).to.contain('ページが見つかりません');
    expect(missing.cookies).to.deep.equal([]);
    const metrics = await plain('/metrics'); // on PORT: metrics have their own port here
    expect(metrics.status).to.equal(404);
    expect(metrics.cookies).to.deep.equal([]);
    const english = await plain('/no-such-page?lang=en', html);
    expect(english.status).to.equal(404);
    expect(english.text).to.contain('The page was not found.');
    // An interaction this browser did not start (issue 10: a second device) leads to a login, here the menu's.
    const stale = await plain('/interaction/no-such-interaction', html);
    expect(stale.status).to.equal(302);
    expect(stale.cookies.filter((c) => /;\s*secure/i.test(c))).to.deep.equal([]);

    // Pages that need a Secure cookie (a form's CSRF secret, the account menu's sign-in state, the
    // provider's interaction): a clear 403.
    for (const target of ['/admin/login', '/account', authUrl().slice(server.url.length)]) {
      const answer = await plain(target, html);
      expect(answer.status, `${target}: ${answer.text.slice(0, 300)}`).to.equal(403);
      expect(answer.type).to.contain('text/html');
      expect(answer.text, target).to.contain('https://login.example.test');
      expect(answer.text, target).to.contain('HTTPS');
      expect(answer.cookies.filter((c) => /;\s*secure/i.test(c)), target).to.deep.equal([]);
    }

    // The provider's logout page (its session cookie), also for a client that takes any type.
    for (const headers of [html, {}]) {
      const logout = await plain('/session/end', headers);
      expect(logout.status, logout.text.slice(0, 300)).to.equal(403);
      expect(logout.text).to.contain('https://login.example.test/session/end');
      expect(logout.cookies.filter((c) => /;\s*secure/i.test(c))).to.deep.equal([]);
    }

    // The same pages through the TLS-terminating ingress work, with Secure cookies.
    const admin = await plain('/admin/login', { ...html, ...HTTPS });
    expect(admin.status).to.equal(200);
    expect(admin.cookies.some((c) => c.startsWith('cert_idp.csrf=') && /;\s*secure/i.test(c))).to.equal(true);
    const login = await new HttpBrowser({ headers: HTTPS }).get(authUrl());
    expect(login.status).to.equal(200);
    expect(textOf(login)).to.contain('ユーザID');

    await new Promise((r) => setTimeout(r, 200));
    const warnings = server.json().filter((l) => l.level === 40 && /X-Forwarded-Proto/.test(String(l.msg)));
    expect(warnings, 'one warning, not one per request').to.have.length(1);
    expect(String(warnings[0]!.msg)).to.contain('TRUST_PROXY');
    expect(errorLines(), JSON.stringify(errorLines())).to.deep.equal([]);
    expect(withStack(), withStack().join('\n')).to.deep.equal([]);
    expect(server.json().filter((l) => l.msg === 'request' && Number(l.status) >= 500)).to.deep.equal([]);
  });

  it('while the database cannot be reached: 503 with Retry-After on our pages (in the user\'s language) and the provider\'s endpoints', async () => {
    // A login begun while the database answers.
    const browser = new HttpBrowser({ headers: { ...HTTPS, accept: 'text/html' } });
    const login = await browser.get(authUrl());
    expect(login.status).to.equal(200);
    const english = new HttpBrowser({ headers: { ...HTTPS, accept: 'text/html' } });
    const englishLogin = await english.get(`${(await english.get(authUrl())).url}?lang=en`); // the language switch, remembered
    expect(textOf(englishLogin)).to.contain('User ID');

    await gate.down();
    try {
      const unavailable = (page: Page, what: string) => {
        expect(page.status, `${what}: ${textOf(page).slice(0, 300)}`).to.equal(503);
        expect(Number(page.headers.get('retry-after')), `${what}: Retry-After`).to.be.above(0);
      };
      // Our pages: the login screen (its interaction is in the database) and the login form post.
      const screen = await browser.request('GET', login.url);
      unavailable(screen, 'login screen');
      expect(textOf(screen)).to.contain('一時的に利用できません');
      const post = await browser.submit(login, /\/login$/, { user_id: 'p1', password: 'Univ-Pass-1p', second_password: '' });
      unavailable(post, 'login post');
      const screenEn = await english.request('GET', englishLogin.url);
      unavailable(screenEn, 'English login screen');
      expect(textOf(screenEn)).to.contain('Temporarily unavailable');

      // The provider's endpoints: its HTML error page and its JSON error shape.
      const auth = await browser.request('GET', authUrl());
      unavailable(auth, '/auth (HTML)');
      expect(textOf(auth)).to.contain('一時的に利用できません');
      const token = await redeemUnknownCode();
      expect(token.status).to.equal(503);
      expect(Number(token.headers.get('retry-after'))).to.be.above(0);
      expect(await token.json()).to.include({ error: 'temporarily_unavailable' });

      expect((await fetch(`${server.url}/healthz`)).status, 'alive').to.equal(200);
    } finally {
      await gate.up();
    }

    // Back: the same login continues, and a bad code is a client error again, not an outage.
    await eventually(async () => (await fetch(`${server.url}/readyz`)).status === 200, 15_000, 'ready again');
    const back = await eventually(async () => {
      const page = await browser.request('GET', login.url);
      return page.status === 200 ? page : undefined;
    }, 15_000, 'the login screen again');
    expect(textOf(back)).to.contain('ユーザID');
    const token = await redeemUnknownCode();
    expect(token.status).to.equal(400);
    expect(errorLines(), JSON.stringify(errorLines())).to.deep.equal([]);
    expect(withStack(), withStack().join('\n')).to.deep.equal([]);
  });
});

describe('isDatabaseOutage: connection errors of mysql2 and its pool, not query errors', function () {
  this.timeout(20_000);
  const errorOf = async (run: () => Promise<unknown>): Promise<unknown> => {
    try {
      await run();
    } catch (error) {
      return error;
    }
    throw new Error('no error');
  };
  /** A TCP listener that plays a broken database: hangs up at once, or says nothing. */
  async function fakeDatabase(onConnection: (socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => { sockets.add(socket); onConnection(socket); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return {
      port: (server.address() as net.AddressInfo).port,
      close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
    };
  }

  it('refused, lost, timed out, pool closed, data source not connected: outages', async () => {
    const pools: mysql.Pool[] = [];
    const pool = (port: number, extra: mysql.PoolOptions = {}) => {
      pools.push(mysql.createPool({ host: '127.0.0.1', port, user: 'root', ...extra }));
      return pools.at(-1)!;
    };
    const closedPort = await freePort();
    const refused = await errorOf(() => pool(closedPort).query('SELECT 1'));
    expect(refused).to.have.property('code', 'ECONNREFUSED');
    const hangUp = await fakeDatabase((socket) => socket.destroy());
    const lost = await errorOf(() => pool(hangUp.port).query('SELECT 1'));
    await hangUp.close();
    expect(lost).to.have.property('code', 'PROTOCOL_CONNECTION_LOST');
    const silent = await fakeDatabase(() => undefined);
    const timedOut = await errorOf(() => pool(silent.port, { connectTimeout: 300 }).query('SELECT 1'));
    await silent.close();
    expect(timedOut).to.have.property('code', 'ETIMEDOUT');
    await Promise.all(pools.map((p) => p.end()));
    const ended = pool(closedPort);
    await ended.end();
    const closed = await errorOf(() => ended.query('SELECT 1'));
    expect((closed as Error).message).to.equal('Pool is closed.');
    // Through TypeORM, as the services meet them.
    const database = createDataSource({ url: `mysql://root@127.0.0.1:${closedPort}/none` });
    const notConnected = await errorOf(() => database.dataSource.query('SELECT 1'));
    const initialize = await errorOf(() => database.dataSource.initialize());
    for (const [name, error] of Object.entries({ refused, lost, timedOut, closed, notConnected, initialize })) {
      expect(isDatabaseOutage(error), `${name}: ${(error as Error).message}`).to.equal(true);
    }
  });

  it('the same network codes of other clients (an HTTP request: the university SSO, a postal-code service) are not', async () => {
    const closedPort = await freePort();
    const fetchRefused = await errorOf(() => fetch(`http://127.0.0.1:${closedPort}/`));
    expect((fetchRefused as Error & { cause?: { code?: string } }).cause?.code).to.equal('ECONNREFUSED');
    expect(isDatabaseOutage(fetchRefused)).to.equal(false);
    expect(isDatabaseOutage(new Error('something else'))).to.equal(false);
  });

  (mariadb ? it : it.skip)('a query\'s own errors (syntax, missing table, duplicate key) are no outage', async () => {
    const database = await freshDatabase(mariadb!);
    try {
      const { dataSource } = database;
      await dataSource.query('CREATE TABLE outage_probe (id INT PRIMARY KEY)');
      await dataSource.query('INSERT INTO outage_probe VALUES (1)');
      const errors = {
        syntax: await errorOf(() => dataSource.query('SELEC 1')),
        missingTable: await errorOf(() => dataSource.query('SELECT * FROM no_such_table')),
        duplicate: await errorOf(() => dataSource.query('INSERT INTO outage_probe VALUES (1)')),
      };
      for (const [name, error] of Object.entries(errors)) {
        expect((error as Error).name, name).to.equal('QueryFailedError');
        expect(isDatabaseOutage(error), `${name}: ${(error as Error).message}`).to.equal(false);
      }
    } finally {
      await database.dataSource.destroy();
    }
  });
});
