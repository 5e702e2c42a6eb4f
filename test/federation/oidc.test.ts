import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type nockType from 'nock';
import { interceptHttp, type Nock } from '../support/nock.js';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { AppConfig, OidcDirectoryConfig } from '../../src/config/types.js';
import { OidcDirectory } from '../../src/directory/oidc-directory.js';
import { findForm, linkByText, textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { NEW_SECOND_PASSWORD, openLogin } from '../support/flows.js';
import { DATABASES, exchangeCode, freePort, newBrowser, oidc, RP, startTestServer, type TestServer } from '../support/harness.js';
import { refusal } from '../support/config.js';
import { urlIn } from '../support/smtp.js';
import { startUpstreamIdp, UPSTREAM_CLIENT_SECRET, type UpstreamIdp, type UpstreamUser } from '../support/upstream-idp.js';
import { confirmEmailLink } from '../support/email-links.js';

const CLAIMS = {
  userId: 'sub',
  studentNumber: 'student_number',
  familyName: 'family_name',
  givenName: 'given_name',
  familyNameKana: 'family_name#ja-Kana-JP',
  givenNameKana: 'given_name#ja-Kana-JP',
  familyNameLatin: 'family_name#ja-Latn-JP',
  givenNameLatin: 'given_name#ja-Latn-JP',
  faculty: 'faculty',
  department: 'department',
  status: 'student_status',
};
const BUTTON = { ja: '大学SSOでログイン', en: 'Log in with the university SSO' };

function upstreamUser(sub: string, n: number, status = 'enrolled'): UpstreamUser {
  return {
    sub,
    password: `upstream-${n}`,
    claims: {
      family_name: '佐藤', given_name: `${n}美`,
      'family_name#ja-Kana-JP': 'サトウ', 'given_name#ja-Kana-JP': `${n}ミ`,
      'family_name#ja-Latn-JP': 'SATO', 'given_name#ja-Latn-JP': `Yumi${n}`,
      student_number: `26F${n}`, faculty: '工学部', department: '情報工学科', student_status: status,
    },
  };
}

const USERS = {
  first: upstreamUser('u-1001', 1001),
  again: upstreamUser('u-1002', 1002),
  states: upstreamUser('u-1003', 1003),
  denied: upstreamUser('u-1004', 1004),
  down: upstreamUser('u-1005', 1005),
  graduated: upstreamUser('u-2001', 2001, 'graduated'),
  reauth: upstreamUser('u-1006', 1006),
  stale: upstreamUser('u-1007', 1007),
};

function oidcSettings(issuer: string, over: Partial<OidcDirectoryConfig> = {}): OidcDirectoryConfig {
  return {
    issuer,
    clientId: 'cert-idp',
    tokenEndpointAuthMethod: 'client_secret_basic',
    scope: 'openid profile university',
    userinfo: true,
    timeoutMs: 2000,
    buttonText: BUTTON,
    claims: CLAIMS,
    enrolledValues: ['enrolled'],
    university: 'テスト大学',
    ...over,
  };
}

/** Presses the SSO button and signs in at the upstream IdP; returns the page this provider shows next. */
async function ssoLogin(browser: HttpBrowser, loginPage: Page, user: UpstreamUser, stopAt = RP.redirectUri): Promise<Page> {
  expect(textOf(loginPage)).to.contain(BUTTON.ja);
  const upstreamLogin = await browser.submit(loginPage, /\/sso$/, {});
  expect(textOf(upstreamLogin)).to.contain('University SSO');
  return browser.submit(upstreamLogin, /\/login$/, { login: user.sub, password: user.password }, stopAt);
}

/** Dates the provider's sessions of an account back, as if the sign-in were `minutes` old. */
async function ageSignIn(server: TestServer, accountId: string, minutes: number): Promise<void> {
  const { dataSource, entities } = server.services.database;
  const rows = dataSource.getRepository(entities.OidcPayload);
  for (const row of await rows.findBy({ model: 'Session', accountId })) {
    const payload = row.payload as { loginTs: number };
    await rows.update({ model: row.model, id: row.id }, { payload: { ...payload, loginTs: payload.loginTs - minutes * 60 } });
  }
}

const CHOOSER = '在学生の方';
const SECOND_PASSWORD_ONLY = '続けて第2パスワードを入力してください';

function auditOf(server: TestServer) {
  return async (event: string) => (await server.services.audit.list()).filter((e) => e.event === event);
}

function repositories(server: TestServer) {
  const { dataSource, entities } = server.services.database;
  return {
    throttle: dataSource.getRepository(entities.LoginThrottle),
    accounts: dataSource.getRepository(entities.Account),
  };
}

describe('federation with the university OpenID Connect IdP', () => {
  describe('configuration', () => {
    async function configFile(directory: Record<string, unknown>, files: Record<string, string> = {}): Promise<string> {
      const doc = parse(await readFile('config/cert-idp.yaml', 'utf8')) as Record<string, unknown>;
      doc.directory = directory;
      const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-oidc-config-'));
      for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
      const file = path.join(dir, 'config.yaml');
      await writeFile(file, stringify(doc));
      return file;
    }
    const section = (over: Record<string, unknown> = {}) => ({
      issuer: 'https://sso.example.ac.jp/realms/univ', clientId: 'cert-idp', clientSecretEnv: 'SSO_CLIENT_SECRET',
      buttonText: BUTTON, claims: CLAIMS, enrolledValues: ['enrolled'], ...over,
    });

    it('loads an oidc adapter with the client secret from the environment or a file, with defaults', async () => {
      const config = loadConfig({ CONFIG_FILE: await configFile({ adapter: 'oidc', oidc: section() }), SSO_CLIENT_SECRET: 'env-secret' });
      expect(config.directorySecret).to.equal('env-secret');
      expect(config.directory.oidc).to.include({ tokenEndpointAuthMethod: 'client_secret_basic', scope: 'openid profile', timeoutMs: 5000, userinfo: false });
      const fromFile = loadConfig({ CONFIG_FILE: await configFile({ adapter: 'oidc', oidc: section({ clientSecretEnv: undefined, clientSecretFile: 'secret' }) }, { secret: 'file-secret\n' }) });
      expect(fromFile.directorySecret).to.equal('file-secret');
      const pkceOnly = loadConfig({ CONFIG_FILE: await configFile({ adapter: 'oidc', oidc: section({ clientSecretEnv: undefined }) }) });
      expect(pkceOnly.directory.oidc!.tokenEndpointAuthMethod).to.equal('none');
    });

    it('the README\'s example is valid', async () => {
      const readme = await readFile('README.md', 'utf8');
      const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => /adapter: oidc/.test(b));
      const example = (parse(block!) as { directory: Record<string, unknown> }).directory;
      const config = loadConfig({ CONFIG_FILE: await configFile(example), UNIV_SSO_CLIENT_SECRET: 'readme-secret', NODE_ENV: 'test' });
      expect(config.directory.oidc).to.deep.include({ issuer: 'https://sso.example.ac.jp/realms/univ', userinfo: true, scope: 'openid profile university' });
      expect(config.directorySecret).to.equal('readme-secret');
    });

    it('names the key of every wrong oidc setting; production refuses an http:// IdP', async () => {
      const env = { SSO_CLIENT_SECRET: 's' };
      const cases: Array<[Record<string, unknown>, string, Record<string, string>?]> = [
        [{ adapter: 'oidc' }, 'directory.oidc: is required'],
        [{ adapter: 'oidc', oidc: section() }, 'directory.oidc.clientSecretEnv: environment variable SSO_CLIENT_SECRET is not set', {}],
        [{ adapter: 'oidc', oidc: section({ buttonText: undefined }) }, 'directory.oidc.buttonText: is required'],
        [{ adapter: 'oidc', oidc: section({ buttonText: { ja: 'ログイン' } }) }, 'directory.oidc.buttonText.en: is required'],
        [{ adapter: 'oidc', oidc: section({ scope: 'profile email' }) }, 'directory.oidc.scope'],
        [{ adapter: 'oidc', oidc: section({ issuer: 'not a url' }) }, 'directory.oidc.issuer'],
        [{ adapter: 'oidc', oidc: section({ tokenEndpointAuthMethod: 'none' }) }, 'directory.oidc.tokenEndpointAuthMethod'],
        [{ adapter: 'oidc', oidc: section({ clientSecretEnv: undefined, tokenEndpointAuthMethod: 'client_secret_post' }) }, 'directory.oidc.clientSecretEnv: client_secret_post needs'],
        [{ adapter: 'oidc', oidc: section({ claims: { ...CLAIMS, userId: undefined } }) }, 'directory.oidc.claims.userId: is required'],
      ];
      for (const [directory, expected, caseEnv] of cases) {
        expect(refusal({ CONFIG_FILE: await configFile(directory), ...(caseEnv ?? env) }), expected).to.contain(expected);
      }
      const http = await configFile({ adapter: 'oidc', oidc: section({ issuer: 'http://sso.example.ac.jp' }) });
      expect(refusal({ CONFIG_FILE: http, NODE_ENV: 'production', SSO_CLIENT_SECRET: 's' })).to.contain('directory.oidc.issuer: must be an https:// URL in production');
    });
  });

  for (const db of DATABASES) {
    describe(`through a second oidc-provider as the university IdP (${db.name})`, () => {
      let server: TestServer;
      let upstream: UpstreamIdp;
      let callbackPrefix: string;
      before(async () => {
        const upstreamPort = await freePort();
        server = await startTestServer(db, (config: AppConfig) => {
          config.directory = { adapter: 'oidc', oidc: oidcSettings(`http://127.0.0.1:${upstreamPort}`) };
          config.directorySecret = UPSTREAM_CLIENT_SECRET;
        });
        // The IdP needs this provider's callback URL, which is known once the server runs.
        callbackPrefix = `${server.url}/interaction/sso/callback`;
        upstream = await startUpstreamIdp({ port: upstreamPort, redirectUri: callbackPrefix, users: Object.values(USERS) });
      });
      after(async () => {
        await server?.stop();
        await upstream?.stop();
      });
      beforeEach(async () => { await repositories(server).throttle.clear(); });

      it('the login page offers the university SSO (configurable text) instead of the ID and password fields', async () => {
        const { page } = await openLogin(server, newBrowser());
        expect(page.status).to.equal(200);
        expect(textOf(page)).to.contain(BUTTON.ja).and.contain('在学生ログイン');
        expect(page.html).to.not.match(/name="user_id"|name="password"/);
        const { page: english } = await openLogin(server, newBrowser(), { ui_locales: 'en' });
        expect(textOf(english)).to.contain(BUTTON.en);
      });

      it('first login via federation: upstream login → email → second password → code → tokens → claims; later: upstream login → second password only', async () => {
        const user = USERS.first;
        const browser = newBrowser();
        const { attempt, page } = await openLogin(server, browser);
        const emailPage = await ssoLogin(browser, page, user);
        expect(textOf(emailPage)).to.contain('メールアドレス設定');
        await browser.submit(emailPage, /\/email$/, { email: 'yumi@example.ac.jp', email_confirm: 'yumi@example.ac.jp' });
        const done = await confirmEmailLink(browser, urlIn(await server.smtp.waitFor('yumi@example.ac.jp')));
        const secondPage = await browser.get(linkByText(done, 'ログインページへ移動'), RP.redirectUri);
        expect(textOf(secondPage)).to.contain('第2パスワード設定');
        const set = await browser.submit(secondPage, /\/second-password$/, { second_password: NEW_SECOND_PASSWORD, second_password_confirm: NEW_SECOND_PASSWORD });
        expect(textOf(set)).to.contain('第2パスワードが設定されました');
        const first = await exchangeCode(attempt, await browser.get(linkByText(set, 'OK'), RP.redirectUri));
        const firstClaims = first.claims()!;
        expect(firstClaims.acr).to.equal('urn:cert-idp:acr:two-passwords');
        // The session rests on the SSO and the second password just set.
        expect(firstClaims.amr).to.deep.equal(['fed', 'pwd']);
        // An ordinary login does not ask the IdP for a fresh sign-in.
        const plain = upstream.authorizationRequests.at(-1)!;
        expect([plain.get('prompt'), plain.get('max_age')]).to.deep.equal([null, null]);
        // Another authorization served from that session carries the session's amr.
        const { attempt: fromSession, page: served } = await openLogin(server, browser);
        expect((await exchangeCode(fromSession, served)).claims()!.amr).to.deep.equal(['fed', 'pwd']);

        const userinfo = await oidc.fetchUserInfo(attempt.client, first.access_token, firstClaims.sub);
        expect(firstClaims.sub).to.not.equal(user.sub);
        expect(userinfo).to.deep.include({
          email: 'yumi@example.ac.jp', family_name: '佐藤', given_name: '1001美',
          'family_name#ja-Kana-JP': 'サトウ', 'given_name#ja-Kana-JP': '1001ミ',
          'family_name#ja-Latn-JP': 'SATO', 'given_name#ja-Latn-JP': 'Yumi1001', user_type: 'student',
        });
        expect(userinfo.enrollments).to.deep.equal([{
          student_number: '26F1001', university: 'テスト大学', faculty: '工学部', department: '情報工学科', status: 'enrolled', graduated_on: null,
        }]);

        // A later login in a new browser: the IdP again, then only the second password here.
        const later = newBrowser();
        const { attempt: attempt2, page: login2 } = await openLogin(server, later);
        const onlySecond = await ssoLogin(later, login2, user);
        expect(textOf(onlySecond)).to.contain('続けて第2パスワードを入力してください');
        expect(onlySecond.html).to.not.match(/name="user_id"|name="password"/);
        // Who signed in upstream is kept server-side: the form carries nothing but the CSRF token.
        expect(Object.keys(findForm(onlySecond, /\/sso\/second-password$/).hidden)).to.deep.equal(['_csrf']);

        const wrong = await later.submit(onlySecond, /\/sso\/second-password$/, { second_password: 'Wrong2ndPw1' }, RP.redirectUri);
        expect(textOf(wrong)).to.contain('第2パスワードが正しくありません');
        const counted = await repositories(server).throttle.find();
        expect(counted.map((r) => r.failures).sort()).to.deep.equal([1, 1]);

        const callback = await later.submit(wrong, /\/sso\/second-password$/, { second_password: NEW_SECOND_PASSWORD }, RP.redirectUri);
        const tokens = await exchangeCode(attempt2, callback);
        expect(tokens.claims()!.sub).to.equal(firstClaims.sub);
        expect(tokens.claims()!.acr).to.equal('urn:cert-idp:acr:two-passwords');
        expect(tokens.claims()!.amr).to.deep.equal(['fed', 'pwd']);
        // Success resets the account's count (its row stays, counting nothing); the IP's own failure stays counted.
        const after = await repositories(server).throttle.find();
        expect(after.map((r) => [r.key.split(':')[0], r.failures, r.lockedUntil]).sort()).to.deep.equal([['account', 0, null], ['ip', 1, null]]);
      });

      it('without login_type (/account opened directly) the chooser is shown once; a re-authentication is a fresh login at the IdP (prompt=login, max_age=0: its login form again), without the chooser', async () => {
        const user = USERS.reauth;
        const setup = newBrowser();
        await ssoLogin(setup, (await openLogin(server, setup)).page, user);
        await repositories(server).accounts.update({ directoryId: user.sub }, {
          email: 'reauth@example.ac.jp', emailVerified: true, secondPasswordHash: await server.services.hasher.hash(NEW_SECOND_PASSWORD),
        });
        const account = await repositories(server).accounts.findOneByOrFail({ directoryId: user.sub });

        // /account directly: chooser → SSO → IdP → the second password (not the chooser again).
        const browser = newBrowser();
        const chooser = await browser.get(`${server.url}/account`);
        expect(textOf(chooser)).to.contain(CHOOSER);
        const loginPage = await browser.get(linkByText(chooser, CHOOSER));
        const secondOnly = await ssoLogin(browser, loginPage, user);
        expect(textOf(secondOnly)).to.contain(SECOND_PASSWORD_ONLY).and.not.contain(CHOOSER);
        const menu = await browser.submit(secondOnly, /\/sso\/second-password$/, { second_password: NEW_SECOND_PASSWORD });
        expect(menu.url).to.equal(`${server.url}/account`);
        expect(textOf(menu)).to.contain('メニュー');

        // Older than account.reauthenticateAfterMinutes: changing the second password signs in afresh.
        await ageSignIn(server, account.id, 20);
        const requestsBefore = upstream.authorizationRequests.length;
        const again = await browser.get(`${server.url}/account/second-password`);
        expect(textOf(again)).to.contain(BUTTON.ja).and.not.contain(CHOOSER);
        const upstreamLogin = await browser.submit(again, /\/sso$/, {});
        // The IdP holds a session of this browser, yet shows its login form: it was asked to.
        expect(textOf(upstreamLogin)).to.contain('University SSO');
        expect(upstreamLogin.html).to.contain('name="password"');
        const forced = upstream.authorizationRequests.slice(requestsBefore);
        expect(forced.map((q) => [q.get('prompt'), q.get('max_age')])).to.deep.equal([['login', '0']]);
        const second = await browser.submit(upstreamLogin, /\/login$/, { login: user.sub, password: user.password });
        expect(textOf(second)).to.contain(SECOND_PASSWORD_ONLY).and.not.contain(CHOOSER);
        const change = await browser.submit(second, /\/sso\/second-password$/, { second_password: NEW_SECOND_PASSWORD });
        expect(change.url).to.equal(`${server.url}/account/second-password`);
        expect(textOf(change)).to.contain('新しい第2パスワード');
      });

      it('a fresh sign-in asked for by a client (prompt=login, max_age) and answered by the IdP with an older authentication is refused on the SSO error page; an ordinary login accepts it', async () => {
        upstream.behaviour.honourForcedLogin = false;
        upstream.behaviour.loginAgeSeconds = 600;
        try {
          let browser = newBrowser();
          for (const asks of [{ prompt: 'login' }, { max_age: '300' }] as Array<Record<string, string>>) {
            browser = newBrowser();
            const { page } = await openLogin(server, browser, asks);
            const failures = (await auditOf(server)('login.failure')).length;
            const refused = await ssoLogin(browser, page, USERS.stale);
            const asked = upstream.authorizationRequests.at(-1)!;
            expect([asked.get('prompt'), asked.get('max_age')], JSON.stringify(asks)).to.deep.equal(['login', '0']);
            expect(refused.status).to.equal(502);
            expect(textOf(refused)).to.contain('ログインできませんでした').and.contain('大学の認証サービスからの応答を確認できませんでした');
            const audited = (await auditOf(server)('login.failure')).slice(failures);
            expect(audited.map((e) => [e.detail?.reason, e.detail?.upstream])).to.deep.equal([['upstream_error', 'stale_authentication']]);
            expect(await repositories(server).accounts.countBy({ directoryId: USERS.stale.sub })).to.equal(0);
          }

          // Without prompt=login or max_age the IdP's session answers, however old its sign-in.
          const { page: ordinary } = await openLogin(server, browser);
          expect(textOf(ordinary)).to.contain(BUTTON.ja);
          const accepted = await browser.submit(ordinary, /\/sso$/, {}, RP.redirectUri);
          expect(textOf(accepted)).to.contain('メールアドレス設定');
        } finally {
          upstream.behaviour.honourForcedLogin = true;
          upstream.behaviour.loginAgeSeconds = 0;
        }
      });

      it('a wrong second password after the IdP counts like a wrong login: the account locks and says nothing more', async () => {
        const user = USERS.again;
        // Sign in once to create the account, then give it an address and a second password directly.
        const setup = newBrowser();
        await ssoLogin(setup, (await openLogin(server, setup)).page, user);
        await repositories(server).accounts.update({ directoryId: user.sub }, {
          email: 'again@example.ac.jp', emailVerified: true, secondPasswordHash: await server.services.hasher.hash(NEW_SECOND_PASSWORD),
        });
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        let current = await ssoLogin(browser, page, user);
        const { maxFailures } = server.config.throttle.perAccount;
        for (let i = 0; i < maxFailures; i += 1) {
          current = await browser.submit(current, /\/sso\/second-password$/, { second_password: `Wrong2ndPw${i}` }, RP.redirectUri);
          expect(textOf(current)).to.contain('第2パスワードが正しくありません');
        }
        // Locked: even the right second password is refused, with the same words.
        const locked = await browser.submit(current, /\/sso\/second-password$/, { second_password: NEW_SECOND_PASSWORD }, RP.redirectUri);
        expect(textOf(locked)).to.contain('第2パスワードが正しくありません');
        expect((await auditOf(server)('login.locked')).length).to.be.greaterThan(0);
      });

      it('a wrong state ends on a clear page (no stack trace) and is audited; so do a replayed and a state-less callback', async () => {
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        const atCallback = await ssoLogin(browser, page, USERS.states, callbackPrefix);
        expect(atCallback.location).to.match(/^http:\/\/127\.0\.0\.1:\d+\/interaction\/sso\/callback\?/);
        const real = new URL(atCallback.location!);
        const forged = new URL(real);
        const [uid] = real.searchParams.get('state')!.split('.');
        forged.searchParams.set('state', `${uid}.${'A'.repeat(43)}`);
        const failures = (await auditOf(server)('login.failure')).length;

        const wrongState = await browser.get(forged.href, RP.redirectUri);
        expect(wrongState.status).to.equal(400);
        expect(textOf(wrongState)).to.contain('ログインできませんでした').and.contain('大学の認証サービスからの応答を確認できませんでした');
        expect(wrongState.html).to.not.match(/at \w+ \(|Error:/);
        // The pending request was used up: the genuine response cannot be played afterwards either.
        const replay = await browser.get(real.href, RP.redirectUri);
        expect(replay.status).to.equal(400);
        const noState = await browser.get(`${callbackPrefix}?code=abc`, RP.redirectUri);
        expect(noState.status).to.equal(400);
        const audited = (await auditOf(server)('login.failure')).slice(failures).map((e) => e.detail?.upstream);
        expect(audited).to.deep.equal(['state_mismatch', 'no_pending_request', 'unknown_state']);
        expect(await repositories(server).accounts.countBy({ directoryId: USERS.states.sub })).to.equal(0);

        // "Back to the login page" starts over, and the same student gets in.
        const retry = await browser.get(linkByText(wrongState, 'ログイン画面へ戻る'), RP.redirectUri);
        expect(textOf(retry)).to.contain(BUTTON.ja);
      });

      it('a denied consent at the IdP ends on a clear page and is audited', async () => {
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        const upstreamLogin = await browser.submit(page, /\/sso$/, {});
        const denied = await browser.submit(upstreamLogin, /\/deny$/, {}, RP.redirectUri);
        expect(denied.status).to.equal(403);
        expect(textOf(denied)).to.contain('大学の認証サービスでログインが取り消されたか、許可されませんでした');
        const last = (await auditOf(server)('login.failure')).at(-1)!;
        expect(last.detail).to.include({ reason: 'upstream_denied', upstream: 'access_denied' });
      });

      it('a student whose upstream status is not enrolled cannot sign in (no account is created)', async () => {
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        const refused = await ssoLogin(browser, page, USERS.graduated);
        expect(refused.status).to.equal(403);
        expect(textOf(refused)).to.contain('在学生として確認できなかった');
        expect(await repositories(server).accounts.countBy({ directoryId: USERS.graduated.sub })).to.equal(0);
        expect((await auditOf(server)('login.failure')).at(-1)!.detail).to.include({ directoryReason: 'not_enrolled', federated: true });
      });

      it('the IdP going down between the redirect and the callback: the unavailable page, not counted, audited', async () => {
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        const atCallback = await ssoLogin(browser, page, USERS.down, callbackPrefix);
        await upstream.stop();
        try {
          const down = await browser.get(atCallback.location!, RP.redirectUri);
          expect(down.status).to.equal(503);
          expect(textOf(down)).to.contain('ただいま大学の認証サービスに接続できません');
          expect(await repositories(server).throttle.count()).to.equal(0);
          expect((await auditOf(server)('login.directory_unavailable')).at(-1)!.detail).to.include({ directory: 'oidc', step: 'callback' });
        } finally {
          await upstream.start();
        }
      });
    });

    describe(`a broken IdP: a local HTTP server that hangs, then answers the token request with HTML (${db.name})`, () => {
      let server: TestServer;
      let mode: 'silent' | 'html-token' = 'silent';
      let issuer = '';
      const fake = createHttpServer((req, res) => {
        if (mode === 'silent') return; // accepts, never answers
        if (req.url === '/.well-known/openid-configuration') {
          res.setHeader('content-type', 'application/json');
          return res.end(JSON.stringify({
            issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
            response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
          }));
        }
        res.setHeader('content-type', 'text/html');
        res.end('<html><body>Internal proxy page</body></html>');
      });
      before(async () => {
        await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', () => resolve()));
        issuer = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
        server = await startTestServer(db, (config) => {
          config.directory = { adapter: 'oidc', oidc: oidcSettings(issuer, { timeoutMs: 500 }) };
          config.directorySecret = UPSTREAM_CLIENT_SECRET;
        });
      });
      after(async () => {
        await server?.stop();
        fake.closeAllConnections();
        await new Promise<void>((resolve) => fake.close(() => resolve()));
      });

      it('an IdP that does not answer: the SSO button gives the unavailable page (503) within the timeout, audited, not throttled', async () => {
        mode = 'silent';
        const browser = newBrowser();
        const { page } = await openLogin(server, browser, { ui_locales: 'en' });
        const started = Date.now();
        const answer = await browser.submit(page, /\/sso$/, {});
        expect(Date.now() - started).to.be.lessThan(5000);
        expect(answer.status).to.equal(503);
        expect(textOf(answer)).to.contain('The university authentication service cannot be reached right now');
        expect((await auditOf(server)('login.directory_unavailable')).at(-1)!.detail).to.include({ directory: 'oidc', step: 'authorize' });
        expect(await repositories(server).throttle.count()).to.equal(0);
        const ready = await fetch(`${server.url}/readyz`);
        if (ready.status !== 404) expect(ready.status).to.equal(200);
      });

      it('an HTML page instead of the token response: a clear page (502), audited, no account', async () => {
        mode = 'html-token';
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        const form = findForm(page, /\/sso$/);
        const redirect = await browser.request('POST', new URL(form.action, page.url).href, new URLSearchParams(form.hidden));
        expect(redirect.status).to.equal(303);
        const state = new URL(redirect.location!).searchParams.get('state')!;
        const failures = (await auditOf(server)('login.failure')).length;
        const answer = await browser.get(`${server.url}/interaction/sso/callback?code=c0de&state=${encodeURIComponent(state)}`, RP.redirectUri);
        expect(answer.status).to.equal(502);
        expect(textOf(answer)).to.contain('大学の認証サービスからの応答を確認できませんでした');
        expect(answer.html).to.not.match(/Internal proxy page|at \w+ \(|Error:/);
        const audited = (await auditOf(server)('login.failure')).slice(failures);
        expect(audited.map((e) => e.detail?.reason)).to.deep.equal(['upstream_error']);
        expect(await repositories(server).accounts.count()).to.equal(0);
      });
    });
  }

  // nock intercepts at the socket level (it would also catch the database's connections), so these
  // run against the adapter itself, with no server and no database; the pages and audit entries for
  // `failed` and `unavailable` answers are covered over HTTP above.
  describe('malformed upstream responses (nock), at the adapter', () => {
    const ISSUER = 'https://idp.nock.example';
    let key: CryptoKey;
    let strangerKey: CryptoKey;
    let directory: OidcDirectory;
    let nock: Nock;
    let releaseHttp: () => void;

    before(async () => {
      ({ nock, release: releaseHttp } = await interceptHttp());
      ({ privateKey: key } = await generateKeyPair('RS256', { extractable: true }));
      ({ privateKey: strangerKey } = await generateKeyPair('RS256'));
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = await exportJWK(key);
      nock(ISSUER).persist()
        .get('/.well-known/openid-configuration').reply(200, {
          issuer: ISSUER, authorization_endpoint: `${ISSUER}/authorize`, token_endpoint: `${ISSUER}/token`,
          jwks_uri: `${ISSUER}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'], code_challenge_methods_supported: ['S256'],
        })
        .get('/jwks').reply(200, { keys: [{ ...publicJwk, kid: 'k1', alg: 'RS256', use: 'sig' }] });
      directory = new OidcDirectory(oidcSettings(ISSUER, { userinfo: false, timeoutMs: 1000 }), 'nock-client-secret', 'テスト大学', 'http://127.0.0.1:3999');
    });
    after(() => releaseHttp());

    /** The checks of one login, as the routes keep them; returns them with the authorization URL. */
    async function start() {
      const checks = { state: `interaction-uid-1.${'s'.repeat(43)}`, nonce: `n-${Math.random().toString(36).slice(2)}`, codeVerifier: 'v'.repeat(43) };
      const started = await directory.authorizationUrl(checks);
      expect(started.outcome).to.equal('ok');
      return { checks, url: new URL((started as { url: string }).url) };
    }

    function idToken(claims: Record<string, unknown>, options: { signer?: CryptoKey; audience?: string } = {}) {
      return new SignJWT({ ...upstreamUser('u-nock', 9001).claims, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(ISSUER).setAudience(options.audience ?? 'cert-idp').setSubject(String(claims.sub ?? 'u-nock'))
        .setIssuedAt().setExpirationTime('5m')
        .sign(options.signer ?? key);
    }

    async function callback(reply: (scope: nockType.Interceptor, nonce: string) => Promise<nockType.Scope> | nockType.Scope, extra: Record<string, string> = {}) {
      const { checks } = await start();
      const scope = await reply(nock(ISSUER).post('/token'), checks.nonce);
      const params = new URLSearchParams({ code: 'c0de', state: checks.state, iss: ISSUER, ...extra });
      const answer = await directory.handleCallback(params, checks);
      return { answer, scope };
    }

    it('the authorization request: code flow with PKCE (S256), state, nonce and the registered callback', async () => {
      const { url, checks } = await start();
      expect(url.origin + url.pathname).to.equal(`${ISSUER}/authorize`);
      expect(Object.fromEntries(url.searchParams)).to.include({
        response_type: 'code', client_id: 'cert-idp', redirect_uri: 'http://127.0.0.1:3999/interaction/sso/callback',
        state: checks.state, nonce: checks.nonce, code_challenge_method: 'S256', scope: 'openid profile university',
      });
      expect(url.searchParams.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
    });

    it('a fresh sign-in (re-authentication): prompt=login and max_age=0 upstream; an ID token without auth_time, or with an older one, is failed', async () => {
      const { checks } = await start();
      const forced = await directory.authorizationUrl(checks, { forceFreshLogin: true });
      const query = new URL((forced as { url: string }).url).searchParams;
      expect([query.get('prompt'), query.get('max_age')]).to.deep.equal(['login', '0']);
      const now = Math.floor(Date.now() / 1000);
      for (const [authTime, outcome] of [[undefined, 'failed'], [now - 600, 'failed'], [now, 'ok']] as const) {
        const fresh = { ...checks, nonce: `n-${Math.random().toString(36).slice(2)}`, freshLoginSince: now };
        nock(ISSUER).post('/token').reply(200, {
          access_token: 'at', token_type: 'Bearer', id_token: await idToken({ nonce: fresh.nonce, sub: 'u-nock-fresh', auth_time: authTime }),
        });
        const answer = await directory.handleCallback(new URLSearchParams({ code: 'c0de', state: fresh.state, iss: ISSUER }), fresh);
        expect(answer.outcome, String(authTime)).to.equal(outcome);
        if (outcome === 'failed') expect(answer).to.deep.equal({ outcome: 'failed', reason: 'stale_authentication' });
      }
    });

    it('the control: a well-formed answer maps the claims (so the failures below are the malformations)', async () => {
      const { answer, scope } = await callback(async (s, nonce) => s.reply(200, {
        access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: await idToken({ nonce, sub: 'u-nock-ok' }),
      }));
      expect(answer.outcome).to.equal('ok');
      expect(answer.outcome === 'ok' && answer.person.userId).to.equal('u-nock-ok');
      expect(scope.isDone()).to.equal(true);
    });

    const malformed: Array<[string, (scope: nockType.Interceptor, nonce: string) => Promise<nockType.Scope> | nockType.Scope]> = [
      ['an HTML page instead of JSON', (s) => s.reply(200, '<html>oops</html>', { 'content-type': 'text/html' })],
      ['JSON that is cut off', (s) => s.reply(200, '{"access_token": "at", "token_ty', { 'content-type': 'application/json' })],
      ['a JSON array', (s) => s.reply(200, '[1, 2]', { 'content-type': 'application/json' })],
      ['no ID token', (s) => s.reply(200, { access_token: 'at', token_type: 'Bearer', expires_in: 60 })],
      ['an ID token that is not a JWT', (s) => s.reply(200, { access_token: 'at', token_type: 'Bearer', id_token: 'not.a.jwt' })],
      ['an ID token signed by another key', async (s, nonce) => s.reply(200, { access_token: 'at', token_type: 'Bearer', id_token: await idToken({ nonce }, { signer: strangerKey }) })],
      ['an ID token with a wrong nonce', async (s) => s.reply(200, { access_token: 'at', token_type: 'Bearer', id_token: await idToken({ nonce: 'not-the-nonce' }) })],
      ['an ID token for another audience', async (s, nonce) => s.reply(200, { access_token: 'at', token_type: 'Bearer', id_token: await idToken({ nonce }, { audience: 'someone-else' }) })],
      ['a token error (invalid_grant)', (s) => s.reply(400, { error: 'invalid_grant', error_description: 'code expired' })],
    ];
    for (const [what, reply] of malformed) {
      it(`${what}: failed (a clear page and an audit entry upstream_error)`, async () => {
        const { answer } = await callback(reply);
        expect(answer.outcome, JSON.stringify(answer)).to.equal('failed');
        expect((answer as { reason: string }).reason).to.match(/^[A-Za-z0-9_.:-]+$/);
      });
    }

    it('an ID token without a mapped claim (student number): invalid, incomplete', async () => {
      const { answer } = await callback(async (s, nonce) => s.reply(200, {
        access_token: 'at', token_type: 'Bearer', id_token: await idToken({ nonce, student_number: undefined }),
      }));
      expect(answer).to.deep.equal({ outcome: 'invalid', reason: 'incomplete' });
    });

    it('the IdP answering the callback with an error: access_denied is denied, server_error is unavailable', async () => {
      const { checks } = await start();
      expect(await directory.handleCallback(new URLSearchParams({ error: 'access_denied', state: checks.state, iss: ISSUER }), checks)).to.deep.equal({ outcome: 'denied', reason: 'access_denied' });
      expect(await directory.handleCallback(new URLSearchParams({ error: 'server_error', state: checks.state, iss: ISSUER }), checks)).to.deep.equal({ outcome: 'unavailable' });
    });

    for (const [what, reply] of [
      ['a 503 from the token endpoint', (s: nockType.Interceptor) => s.reply(503, 'busy')],
      ['a 502 with a JSON error body', (s: nockType.Interceptor) => s.reply(502, { error: 'server_error' })],
      ['a dropped connection at the token endpoint', (s: nockType.Interceptor) => s.replyWithError('socket hang up')],
    ] as const) {
      it(`${what}: unavailable (not a failed login)`, async () => {
        const { answer } = await callback(reply);
        expect(answer).to.deep.equal({ outcome: 'unavailable' });
      });
    }

    it('a discovery document for another issuer: unavailable, and discovery is retried at the next login', async () => {
      const other = 'https://other.nock.example';
      nock(other).get('/.well-known/openid-configuration').reply(200, { issuer: 'https://evil.example', authorization_endpoint: `${other}/authorize`, token_endpoint: `${other}/token`, jwks_uri: `${other}/jwks` });
      const misconfigured = new OidcDirectory(oidcSettings(other), 's', 'テスト大学', 'http://127.0.0.1:3999');
      const checks = { state: 'x', nonce: 'y', codeVerifier: 'z'.repeat(43) };
      expect(await misconfigured.authorizationUrl(checks)).to.deep.equal({ outcome: 'unavailable' });
      nock(other).get('/.well-known/openid-configuration').reply(200, { issuer: other, authorization_endpoint: `${other}/authorize`, token_endpoint: `${other}/token`, jwks_uri: `${other}/jwks`, response_types_supported: ['code'] });
      expect((await misconfigured.authorizationUrl(checks)).outcome).to.equal('ok');
    });
  });
});
