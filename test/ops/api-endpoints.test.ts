import http from 'node:http';
import { expect } from 'chai';
import als from 'oidc-provider/lib/helpers/als.js';
import Koa from 'koa';
import { TypeOrmAdapter, deferProviderWrites, endEverySignInOf, takeReadAhead } from '../../src/oidc/adapter.js';
import { providerRequests } from '../../src/oidc/provider-requests.js';
import { PublishedDocuments } from '../../src/oidc/api-endpoints.js';
import { AccountStore } from '../../src/accounts/account-store.js';
import type { Database } from '../../src/db/data-source.js';
import type { Page } from '../support/browser.js';
import { fullLogin, firstLogin, NEW_SECOND_PASSWORD, openLogin, submitLogin } from '../support/flows.js';
import { statementsDuring } from '../support/statements.js';
import { DATABASES, exchangeCode, freshDatabase, newBrowser, RP, startTestServer, type AuthorizationAttempt, type TestServer } from '../support/harness.js';

/** A graduate's account, as the adapter reads it beside a token. */
async function insertGraduate(database: Database, id: string, email: string, name: { family: string; given: string }): Promise<void> {
  await database.dataSource.getRepository(database.entities.Account).insert({
    id, userType: 'graduate', directoryId: null, email, emailVerified: true, secondPasswordHash: '$argon2id$x',
    profile: { name, enrollments: [] } as never, locale: 'ja', createdAt: new Date(), updatedAt: new Date(),
    passwordHash: '$argon2id$y', passwordIsInitial: false, passwordExpiresAt: null, termsVersion: null, termsAcceptedAt: null, personal: null, locked: false,
  });
}

for (const db of DATABASES) {
  describe(`provider API endpoints (${db.name})`, function () {
    this.timeout(60_000);
    let server: TestServer;
    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    it('userinfo, code exchange and refresh read their token, grant and account in one statement, and answer as before', async () => {
      const student = server.students[0]!;
      await firstLogin(server, newBrowser(), student, 'api-endpoints@example.ac.jp');
      const database = server.services.database;
      let login: Awaited<ReturnType<typeof fullLogin>> | undefined;
      // The code exchange happens inside fullLogin, after the resume; its statements are among these.
      const loginStatements = await statementsDuring(database, async () => {
        login = await fullLogin(server, newBrowser(), student, NEW_SECOND_PASSWORD, { scope: 'openid profile offline_access', prompt: 'consent' });
      });
      expect(loginStatements.filter((sql) => /FROM oidc_payload t LEFT JOIN oidc_payload g/.test(sql)), 'the code is read with its grant and account').to.have.length(1);
      const { access_token: accessToken, refresh_token: refreshToken } = login!.tokens;
      expect(refreshToken).to.be.a('string');

      let claims: Record<string, unknown> = {};
      const userinfo = await statementsDuring(database, async () => {
        const response = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
        expect(response.status).to.equal(200);
        claims = await response.json() as Record<string, unknown>;
      });
      expect(userinfo, 'userinfo: one statement').to.have.length(1);
      expect(claims.sub).to.be.a('string');
      expect(claims.name).to.be.a('string');

      const refresh = await statementsDuring(database, async () => {
        const response = await fetch(`${server.url}/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`test-rp:${RP.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken! }),
        });
        expect(response.status).to.equal(200);
        const tokens = await response.json() as Record<string, unknown>;
        expect(tokens.access_token).to.be.a('string');
        expect(tokens.id_token).to.be.a('string');
      });
      expect(refresh.filter((sql) => /^SELECT/i.test(sql)), 'refresh: the token, its grant and account in one SELECT').to.have.length(1);
    });

    it('a token whose session, grant or account is gone or locked is refused, though all were read with the token', async () => {
      const student = server.students[1]!;
      await firstLogin(server, newBrowser(), student, 'api-endpoints-2@example.ac.jp');
      const { tokens } = await fullLogin(server, newBrowser(), student);
      const me = () => fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      // userinfo from a browser: CORS only for the origin of one of the client's redirect URIs.
      const fromOrigin = async (origin: string) => (await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}`, origin } })).headers.get('access-control-allow-origin');
      expect(await fromOrigin(new URL(RP.redirectUri).origin)).to.equal(new URL(RP.redirectUri).origin);
      expect(await fromOrigin('https://elsewhere.example')).to.equal(null);
      expect(await fromOrigin('null')).to.equal(null);
      // Without offline_access the access token is bound to the browser's session: read with it.
      const statements = await statementsDuring(server.services.database, async () => { expect((await me()).status).to.equal(200); });
      expect(statements, 'a session-bound token: still one statement').to.have.length(1);
      expect(statements[0]).to.match(/LEFT JOIN oidc_payload s ON s\.model = \? AND s\.uid = t\.session_uid/);
      const accounts = server.services.database.dataSource.getRepository(server.services.database.entities.Account);
      const account = await accounts.findOneByOrFail({ directoryId: student.userId });
      await accounts.update({ id: account.id }, { locked: true });
      expect((await me()).status).to.equal(401);
      await accounts.update({ id: account.id }, { locked: false });
      expect((await me()).status).to.equal(200);
      const grantId = (await server.services.database.dataSource.query('SELECT grant_id FROM oidc_payload WHERE model = ? AND id = ?', ['AccessToken', tokens.access_token]) as Array<{ grant_id: string }>)[0]!.grant_id;
      const { database } = server.services;
      const sessions = await database.dataSource.query('SELECT id FROM oidc_payload WHERE model = ? AND account_id = ?', ['Session', account.id]) as Array<{ id: string }>;
      await database.dataSource.query('UPDATE oidc_payload SET expires_at = ? WHERE model = ? AND account_id = ?', ['2000-01-01 00:00:00.000', 'Session', account.id]);
      expect((await me()).status, 'the session expired').to.equal(401);
      await database.dataSource.query('UPDATE oidc_payload SET expires_at = NULL WHERE model = ? AND account_id = ?', ['Session', account.id]);
      expect((await me()).status).to.equal(200);
      expect(sessions.length).to.be.greaterThan(0);
      await database.dataSource.query('DELETE FROM oidc_payload WHERE model = ? AND id = ?', ['Grant', grantId]);
      expect((await me()).status, 'the grant is gone').to.equal(401);
    });

    it('the resume after a login reads the account with the interaction, not on its own', async () => {
      const student = server.students[4]!;
      await firstLogin(server, newBrowser(), student, 'api-endpoints-5@example.ac.jp');
      const statements = await statementsDuring(server.services.database, async () => { await fullLogin(server, newBrowser(), student); });
      const accountsAlone = statements.filter((sql) => /^SELECT/i.test(sql) && !/oidc_payload/.test(sql));
      expect(accountsAlone, 'only the login\'s lookup by user ID reads the accounts alone').to.have.length(1);
      expect(accountsAlone[0]).to.match(/directory_id[`"]? = \?/);
      // The provider's rows go out once per request: the interaction (authorization request), its
      // result (our login route), the session, grant and code together (resume), the consumed code
      // with the access token (token request).
      const upserts = statements.filter((sql) => /^INSERT INTO oidc_payload/.test(sql));
      expect(upserts.map((sql) => sql.split('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').length - 1)).to.deep.equal([1, 1, 3, 2]);
      // The code is marked consumed on its own, at once, so that two exchanges of it cannot both succeed.
      const updates = statements.filter((sql) => /^UPDATE oidc_payload/.test(sql));
      expect(updates).to.have.length(1);
      expect(updates[0]).to.match(/^UPDATE oidc_payload SET consumed_at = \? WHERE model = \? AND id = \? AND consumed_at IS NULL\b/);
    });

    it('a student login counts its attempt on the throttle in one statement per key and ends it in one', async () => {
      const student = server.students[3]!;
      await firstLogin(server, newBrowser(), student, 'api-endpoints-4@example.ac.jp');
      const { database } = server.services;
      const statements = await statementsDuring(database, async () => { await fullLogin(server, newBrowser(), student); }, /\blogin_throttle\b/);
      expect(statements.map((sql) => sql.split(' ')[0])).to.deep.equal(['INSERT', 'INSERT', 'UPDATE']);
      const rows = await database.dataSource.getRepository(database.entities.LoginThrottle).find();
      const accountCounts = rows.filter((row) => row.key.startsWith('account:')).map((row) => row.failures);
      expect(accountCounts).to.not.be.empty;
      expect([...new Set(accountCounts)], 'the account keys count nothing').to.deep.equal([0]);
    });

    it('the code exchange reads the code\'s session with the code, and refuses a code whose session was logged out or expired', async () => {
      const student = server.students[2]!;
      await firstLogin(server, newBrowser(), student, 'api-endpoints-3@example.ac.jp');
      const { database } = server.services;
      /** The session the code row names (its session_uid column), as its id or undefined once gone. */
      const sessionOf = async (callback: Page) => {
        const code = new URL(callback.location!).searchParams.get('code')!;
        const rows = await database.dataSource.query('SELECT session_uid FROM oidc_payload WHERE model = ? AND id = ?', ['AuthorizationCode', code]) as Array<{ session_uid: string | null }>;
        expect(rows[0]?.session_uid, 'the code row names its session').to.be.a('string');
        const uid = rows[0]!.session_uid!;
        const id = async () => (await database.dataSource.query('SELECT id FROM oidc_payload WHERE model = ? AND uid = ?', ['Session', uid]) as Array<{ id: string }>)[0]?.id;
        expect(await id(), 'the session is stored').to.be.a('string');
        return id;
      };
      const login = async () => {
        const browser = newBrowser();
        const { attempt, page } = await openLogin(server, browser);
        const callback = await submitLogin(browser, page, student, NEW_SECOND_PASSWORD);
        return { browser, attempt, callback, session: await sessionOf(callback) };
      };
      const refused = async (attempt: AuthorizationAttempt, callback: Page) => {
        const error: unknown = await exchangeCode(attempt, callback).then(() => undefined, (e: unknown) => e);
        expect((error as { error?: string } | undefined)?.error).to.equal('invalid_grant');
      };

      // Logged out between the login and the code exchange (the provider destroys the session and revokes the grant).
      const loggedOut = await login();
      const confirm = await loggedOut.browser.get(`${server.url}/session/end`);
      const action = confirm.html.match(/<form[^>]*id="op.logoutForm"[^>]*action="([^"]+)"/)![1]!;
      const xsrf = confirm.html.match(/name="xsrf" value="([^"]+)"/)![1]!;
      await loggedOut.browser.follow(await loggedOut.browser.request('POST', new URL(action, server.url).toString(), new URLSearchParams({ xsrf, logout: 'yes' })));
      expect(await loggedOut.session(), 'the logout ended the session').to.equal(undefined);
      await refused(loggedOut.attempt, loggedOut.callback);

      // The session row alone gone (the code and its grant stay): the code's session binding refuses it.
      const gone = await login();
      await database.dataSource.query('DELETE FROM oidc_payload WHERE model = ? AND id = ?', ['Session', await gone.session()]);
      await refused(gone.attempt, gone.callback);

      // Expired: refused; the same code once the session lives again is exchanged (the refusal did not use it up).
      const expired = await login();
      const sessionId = await expired.session();
      await database.dataSource.query('UPDATE oidc_payload SET expires_at = ? WHERE model = ? AND id = ?', ['2000-01-01 00:00:00.000', 'Session', sessionId]);
      await refused(expired.attempt, expired.callback);
      await database.dataSource.query('UPDATE oidc_payload SET expires_at = NULL WHERE model = ? AND id = ?', ['Session', sessionId]);
      const exchange = await statementsDuring(database, async () => {
        expect((await exchangeCode(expired.attempt, expired.callback)).access_token).to.be.a('string');
      });
      expect(exchange.filter((sql) => /^SELECT/i.test(sql)), 'the code, its grant, session and account in one SELECT').to.have.length(1);
      expect(exchange[0]).to.match(/LEFT JOIN oidc_payload s ON s\.model = \? AND s\.uid = t\.session_uid/);
    });

    it('the discovery document and the JWKS: answered again as the provider first answered them, per origin, with CORS as the provider does', async () => {
      const get = (path: string, headers: Record<string, string> = {}) => new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        const request = http.request(new URL(path, server.url), { headers }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => { body += chunk; });
          response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
        });
        request.on('error', reject);
        request.end();
      });
      const comparable = (headers: http.IncomingHttpHeaders) => {
        const { date: _date, 'x-request-id': _id, connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
        return rest;
      };
      for (const path of ['/.well-known/openid-configuration', '/jwks']) {
        const first = await get(path);
        const again = await get(path);
        expect(first.status, path).to.equal(200);
        expect(again.body, path).to.equal(first.body);
        expect(comparable(again.headers), path).to.deep.equal(comparable(first.headers));
        expect(again.headers['access-control-allow-origin'], path).to.equal('*');
        const cors = await get(path, { origin: 'https://rp.example.test' });
        expect(cors.headers['access-control-allow-origin'], path).to.equal('https://rp.example.test');
        expect(cors.headers.vary, path).to.match(/Origin/);
        expect(cors.body, path).to.equal(first.body);
      }
      const discovery = JSON.parse((await get('/.well-known/openid-configuration')).body) as Record<string, string>;
      expect(discovery.token_endpoint).to.equal(`${server.url}/token`);
      // The provider builds the endpoints from the host asked for: so does a kept copy, per host.
      const otherHost = JSON.parse((await get('/.well-known/openid-configuration', { host: 'idp.example.test' })).body) as Record<string, string>;
      expect(otherHost.token_endpoint).to.equal('http://idp.example.test/token');
      expect(JSON.parse((await get('/.well-known/openid-configuration', { host: 'idp.example.test' })).body)).to.deep.equal(otherHost);
      expect(JSON.parse((await get('/.well-known/openid-configuration')).body)).to.deep.equal(discovery);
      // Many hosts: a bounded number of copies; the rest is answered by the provider each time.
      for (let i = 0; i < 12; i += 1) {
        const answer = JSON.parse((await get('/.well-known/openid-configuration', { host: `h${i}.example.test` })).body) as Record<string, string>;
        expect(answer.token_endpoint).to.equal(`http://h${i}.example.test/token`);
      }
    });

    it('answers with the API headers, never a cookie, and pages keep their own policy', async () => {
      for (const url of [`${server.url}/.well-known/openid-configuration`, `${server.url}/jwks`]) {
        const response = await fetch(url);
        expect(response.status, url).to.equal(200);
        expect(response.headers.get('x-content-type-options'), url).to.equal('nosniff');
        expect(response.headers.get('content-security-policy'), url).to.equal("default-src 'none'; frame-ancestors 'none'");
        expect(response.headers.get('referrer-policy'), url).to.equal('no-referrer');
        expect(response.headers.get('set-cookie'), url).to.equal(null);
        expect(response.headers.get('x-request-id'), url).to.be.a('string');
      }
      const token = await fetch(`${server.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=x' });
      expect(token.status).to.equal(400);
      expect(await token.json()).to.have.property('error', 'invalid_request');
      // GET /token is no API call: it goes on to the web stack (its error page and policy).
      const page = await fetch(`${server.url}/token`);
      expect(page.headers.get('content-security-policy')).to.contain("script-src 'self'");
      const login = await fetch(`${server.url}/accessibility`);
      expect(login.headers.get('content-security-policy')).to.contain("script-src 'self'");
    });
  });

  describe(`provider storage read-ahead (${db.name})`, () => {
    let database: Database;
    before(async () => {
      database = await freshDatabase(db);
      await database.dataSource.runMigrations({ transaction: 'each' });
    });
    after(async () => { await database?.dataSource.destroy(); });

    it('keeps a token\'s grant and account for its own request only, once each, and drops the grant on a write', async () => {
      const accounts = new AccountStore(database);
      const options = { accounts: accounts.columns };
      const tokens = new TypeOrmAdapter('AccessToken', database, options);
      const grants = new TypeOrmAdapter('Grant', database, options);
      const accountId = '6f1f3c2e-0000-4000-8000-00000000b001';
      await insertGraduate(database, accountId, 'ahead@example.ac.jp', { family: '先読', given: '花子' });
      await grants.upsert('g-ahead', { accountId, clientId: 'c', kind: 'Grant' } as never, 60);
      await tokens.upsert('t-ahead', { accountId, grantId: 'g-ahead', kind: 'AccessToken' } as never, 60);

      // Outside a request nothing is kept.
      expect((await tokens.find('t-ahead'))?.grantId).to.equal('g-ahead');
      expect(takeReadAhead('Grant:g-ahead').found).to.equal(false);

      const request = {};
      await als.run(request, async () => {
        expect((await tokens.find('t-ahead'))?.grantId).to.equal('g-ahead');
        const account = takeReadAhead<{ id: string; email: string; locked: boolean }>(`Account:${accountId}`);
        expect(account.found && account.value.email).to.equal('ahead@example.ac.jp');
        expect(account.found && account.value.locked).to.equal(false);
        expect(takeReadAhead(`Account:${accountId}`).found, 'taken once').to.equal(false);

        // The grant read ahead is what the table holds; a write in this request drops it.
        const statements = await statementsDuring(database, async () => {
          expect((await grants.find('g-ahead'))?.clientId).to.equal('c');
        });
        expect(statements, 'the grant came with the token').to.have.length(0);
        await tokens.find('t-ahead');
        await grants.upsert('g-ahead', { accountId, clientId: 'changed', kind: 'Grant' } as never, 60);
        expect((await grants.find('g-ahead'))?.clientId).to.equal('changed');

        // An expired grant is no grant, read ahead or not.
        await grants.upsert('g-ahead', { accountId, clientId: 'c', kind: 'Grant' } as never, -1);
        await tokens.find('t-ahead');
        expect(await grants.find('g-ahead')).to.equal(undefined);
      });
      await als.run({}, async () => {
        expect(takeReadAhead('Grant:g-ahead').found, 'another request sees nothing of it').to.equal(false);
      });

      // A session is read with its account (every authorization request with a session asks for both).
      const sessions = new TypeOrmAdapter('Session', database, options);
      await sessions.upsert('s-ahead', { uid: 'u-ahead', accountId, kind: 'Session' } as never, 60);
      await als.run({}, async () => {
        expect((await sessions.find('s-ahead'))?.accountId).to.equal(accountId);
        const account = takeReadAhead<{ email: string }>(`Account:${accountId}`);
        expect(account.found && account.value.email).to.equal('ahead@example.ac.jp');
      });

      // An interaction is read with the account its login result names (the resume's findAccount asks for it), and only then.
      const interactions = new TypeOrmAdapter('Interaction', database, options);
      const accountIdColumn = async (id: string) => (await database.dataSource.query('SELECT account_id FROM oidc_payload WHERE model = ? AND id = ?', ['Interaction', id]) as Array<{ account_id: string | null }>)[0]?.account_id;
      await interactions.upsert('i-ahead', { kind: 'Interaction', uid: 'i-ahead', session: { accountId: 'someone-else' } } as never, 60);
      expect(await accountIdColumn('i-ahead'), 'no login result yet').to.equal(null);
      await als.run({}, async () => {
        expect((await interactions.find('i-ahead'))?.uid).to.equal('i-ahead');
        expect(takeReadAhead(`Account:${accountId}`).found).to.equal(false);
        expect(takeReadAhead('Account:someone-else').found).to.equal(false);
      });
      await interactions.upsert('i-ahead', { kind: 'Interaction', uid: 'i-ahead', result: { login: { accountId } } } as never, 60);
      expect(await accountIdColumn('i-ahead')).to.equal(accountId);
      await database.dataSource.getRepository(database.entities.Account).update({ id: accountId }, { locked: true });
      await als.run({}, async () => {
        const statements = await statementsDuring(database, async () => {
          expect((await interactions.find('i-ahead'))?.result).to.deep.equal({ login: { accountId } });
        });
        expect(statements, 'one statement').to.have.length(1);
        const account = takeReadAhead<{ email: string; locked: boolean }>(`Account:${accountId}`);
        expect(account.found && account.value.email).to.equal('ahead@example.ac.jp');
        expect(account.found && account.value.locked, 'read as it is: findAccount refuses a locked account').to.equal(true);
      });
      // Outside a request of the provider (our interaction routes read it through the provider's API)
      // nothing would keep the account: the interaction is read alone.
      const outside = await statementsDuring(database, async () => {
        expect((await interactions.find('i-ahead'))?.result).to.deep.equal({ login: { accountId } });
      });
      expect(outside, 'one statement, no join').to.have.length(1);
      expect(outside[0]).to.not.match(/JOIN/);
      // The column does not make the interaction the account's: ending its sign-ins leaves it.
      await endEverySignInOf(database, accountId, async () => undefined);
      expect(await accountIdColumn('i-ahead')).to.equal(accountId);
      expect(await sessions.find('s-ahead')).to.equal(undefined);
    });

    it('the finds of concurrent requests are read in one statement, each request keeping its own token, grant and account; a request alone reads at once', async () => {
      const accounts = new AccountStore(database);
      const options = { accounts: accounts.columns };
      const tokens = new TypeOrmAdapter('AccessToken', database, options);
      const grants = new TypeOrmAdapter('Grant', database, options);
      const people = ['一', '二', '三', '四', '五'].map((given, i) => ({ id: `6f1f3c2e-0000-4000-8000-00000000c00${i}`, given, email: `together-${i}@example.ac.jp` }));
      for (const [i, person] of people.entries()) {
        await insertGraduate(database, person.id, person.email, { family: '同時', given: person.given });
        await grants.upsert(`g-together-${i}`, { accountId: person.id, clientId: `client-${i}`, kind: 'Grant' } as never, 60);
        await tokens.upsert(`t-together-${i}`, { accountId: person.id, grantId: `g-together-${i}`, kind: 'AccessToken' } as never, 60);
      }
      // Five requests of the provider, one of them for a token that does not exist and two for the same token.
      const asked = ['t-together-0', 't-together-1', 't-together-2', 't-together-3', 't-together-4', 't-gone', 't-together-1'];
      let seen: Array<{ token?: string; grant?: string; email?: string | false }> = [];
      const statements = await statementsDuring(database, async () => {
        seen = await Promise.all(asked.map((id) => als.run({}, async () => {
          const token = await tokens.find(id);
          const grant = token ? await grants.find(token.grantId as string) : undefined;
          const account = token ? takeReadAhead<{ email: string }>(`Account:${token.accountId as string}`) : undefined;
          return { token: token?.accountId as string | undefined, grant: grant?.clientId as string | undefined, email: account?.found && account.value.email };
        })));
      });
      expect(statements, 'one statement for the seven finds, the grants came with it').to.have.length(1);
      expect(seen).to.deep.equal([
        ...people.map((person, i) => ({ token: person.id, grant: `client-${i}`, email: person.email })),
        { token: undefined, grant: undefined, email: undefined },
        { token: people[1]!.id, grant: 'client-1', email: people[1]!.email },
      ]);

      // What a request changes of its copy, the other request that read the same token does not see.
      await als.run({}, async () => {
        const [mine, theirs] = await Promise.all([als.run({}, () => tokens.find('t-together-0')), als.run({}, () => tokens.find('t-together-0'))]);
        (mine as Record<string, unknown>).accountId = 'changed';
        expect(theirs?.accountId).to.equal(people[0]!.id);
      });

      // A request alone: one statement, as before; a later one reads the table as it is then.
      await tokens.upsert('t-together-0', { accountId: people[0]!.id, grantId: 'g-together-1', kind: 'AccessToken' } as never, 60);
      const alone = await statementsDuring(database, async () => {
        await als.run({}, async () => { expect((await tokens.find('t-together-0'))?.grantId).to.equal('g-together-1'); });
      });
      expect(alone).to.have.length(1);
    });
  });

  describe(`provider writes of a request, together (${db.name})`, function () {
    this.timeout(60_000);
    let database: Database;
    beforeEach(async () => {
      database = await freshDatabase(db);
      await database.dataSource.runMigrations({ transaction: 'each' });
    });
    afterEach(async () => { if (database.dataSource.isInitialized) await database.dataSource.destroy(); });
    const rowIds = async () => (await database.dataSource.query('SELECT model, id, consumed_at FROM oidc_payload ORDER BY model, id') as Array<{ model: string; id: string; consumed_at: unknown }>)
      .map((row) => `${row.model}:${row.id}${row.consumed_at ? ' consumed' : ''}`);

    it('upserts wait for the end of the request and go out in one statement; the request reads its own; other writes keep their order', async () => {
      const sessions = new TypeOrmAdapter('Session', database);
      const grants = new TypeOrmAdapter('Grant', database);
      const codes = new TypeOrmAdapter('AuthorizationCode', database);
      const interactions = new TypeOrmAdapter('Interaction', database);
      await interactions.upsert('i1', { kind: 'Interaction', uid: 'i1' } as never, 60);
      const request = {};
      let during: string[] = [];
      const all = await statementsDuring(database, () => deferProviderWrites(request, database, () => als.run(request, async () => {
        during = await statementsDuring(database, async () => {
          const session = { kind: 'Session', uid: 'u1', accountId: 'a1' } as Record<string, unknown>;
          await sessions.upsert('s1', session as never, 60);
          session.accountId = 'changed after the save';
          await grants.upsert('g1', { kind: 'Grant', accountId: 'a1' } as never, 60);
          await codes.upsert('c1', { kind: 'AuthorizationCode', grantId: 'g1', userCode: 'UC-1' } as never, 60);
          await grants.upsert('g-expired', { kind: 'Grant' } as never, -1);
          // What the request wrote, as the table would give it back.
          expect((await sessions.find('s1'))?.accountId).to.equal('a1');
          expect((await sessions.findByUid('u1'))?.accountId).to.equal('a1');
          expect((await codes.findByUserCode('UC-1'))?.grantId).to.equal('g1');
          expect(await grants.find('g-expired')).to.equal(undefined);
        });
        expect(during, 'nothing written or read yet').to.deep.equal([]);
        expect(await rowIds()).to.deep.equal(['Interaction:i1']);
      })));
      expect(all.filter((sql) => /^INSERT/.test(sql)), 'one statement for the four rows').to.have.length(1);
      expect(await rowIds()).to.deep.equal(['AuthorizationCode:c1', 'Grant:g-expired', 'Grant:g1', 'Interaction:i1', 'Session:s1']);

      // A destroy or consume writes the pending upserts first: the row it ends is the one the request wrote.
      const later = {};
      await deferProviderWrites(later, database, () => als.run(later, async () => {
        await codes.upsert('c2', { kind: 'AuthorizationCode' } as never, 60);
        await codes.consume('c2');
        await sessions.upsert('s2', { kind: 'Session', uid: 'u2' } as never, 60);
        await sessions.destroy('s2');
        await interactions.destroy('i1');
        await grants.upsert('g2', { kind: 'Grant' } as never, 60);
      }));
      expect(await rowIds()).to.deep.equal(['AuthorizationCode:c1', 'AuthorizationCode:c2 consumed', 'Grant:g-expired', 'Grant:g1', 'Grant:g2', 'Session:s1']);

      // A code read and consumed in the request goes out with the token it gave, consumed; the request sees it consumed.
      const exchange = {};
      const tokens = new TypeOrmAdapter('AccessToken', database);
      const exchanged = await statementsDuring(database, () => deferProviderWrites(exchange, database, () => als.run(exchange, async () => {
        expect((await codes.find('c1'))?.consumed).to.equal(undefined);
        await codes.consume('c1');
        expect((await codes.find('c1'))?.consumed).to.be.a('number');
        await tokens.upsert('at1', { kind: 'AccessToken', grantId: 'g1' } as never, 60);
      })));
      expect(exchanged.map((sql) => sql.split(' ')[0])).to.deep.equal(['SELECT', 'UPDATE', 'INSERT']);
      expect(await rowIds()).to.include.members(['AuthorizationCode:c1 consumed', 'AccessToken:at1']);
      expect((await codes.find('c1'))?.grantId, 'the code row as it was').to.equal('g1');

      // A row the request read and then removed is not written back by a consume of it: the consume
      // fails (invalid_grant), as it does for a row another request removed (its sign-ins ended).
      await codes.upsert('c3', { kind: 'AuthorizationCode', grantId: 'g3' } as never, 60);
      const removing = {};
      const removed = await deferProviderWrites(removing, database, () => als.run(removing, async () => {
        expect((await codes.find('c3'))?.grantId).to.equal('g3');
        await codes.destroy('c3');
        await codes.consume('c3');
      })).then(() => undefined, (failure: unknown) => failure);
      expect(removed).to.have.property('error', 'invalid_grant');
      expect(await rowIds()).to.not.include.members(['AuthorizationCode:c3', 'AuthorizationCode:c3 consumed']);

      // Two requests that read the same code unconsumed, then consume it: only the first gets to.
      await codes.upsert('c4', { kind: 'AuthorizationCode', grantId: 'g4' } as never, 60);
      const [one, two] = [{}, {}];
      const outcomes = await Promise.allSettled([one, two].map((ctx) => deferProviderWrites(ctx, database, () => als.run(ctx, async () => {
        expect((await codes.find('c4'))?.consumed).to.equal(undefined);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await codes.consume('c4');
      }))));
      expect(outcomes.map((outcome) => outcome.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
      expect(await rowIds()).to.include('AuthorizationCode:c4 consumed');

      // A request that fails keeps what it wrote before, as when each write went out at once.
      const failing = {};
      const error = await deferProviderWrites(failing, database, () => als.run(failing, async () => {
        await grants.upsert('g3', { kind: 'Grant' } as never, 60);
        throw new Error('the provider failed');
      })).catch((e: unknown) => e as Error);
      expect(error).to.be.instanceOf(Error).with.property('message', 'the provider failed');
      expect(await rowIds()).to.include('Grant:g3');

      // Outside such a request an upsert is written at once.
      await als.run({}, async () => { await grants.upsert('g4', { kind: 'Grant' } as never, 60); });
      expect(await rowIds()).to.include('Grant:g4');
    });

    it('requests that end in one turn write their rows in one statement; a row the table refuses fails its own request only', async () => {
      const sessions = new TypeOrmAdapter('Session', database);
      // A row without a model: the table refuses it (NOT NULL), on either database.
      const refused = new TypeOrmAdapter(null as unknown as string, database);
      const request = (write: () => Promise<void>) => {
        const ctx = {};
        return deferProviderWrites(ctx, database, () => als.run(ctx, write));
      };
      let outcomes: Array<PromiseSettledResult<void>> = [];
      const together = await statementsDuring(database, async () => {
        outcomes = await Promise.allSettled([
          request(() => sessions.upsert('s-a', { kind: 'Session', uid: 'u-a' } as never, 60)),
          request(async () => {
            await sessions.upsert('s-b', { kind: 'Session', uid: 'u-b' } as never, 60);
            await sessions.upsert('s-a', { kind: 'Session', uid: 'u-a', accountId: 'the later request' } as never, 60);
          }),
        ]);
      });
      expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'fulfilled']);
      expect(together.filter((sql) => /^INSERT/.test(sql)), 'one statement for both requests').to.have.length(1);
      expect(await rowIds()).to.deep.equal(['Session:s-a', 'Session:s-b']);
      expect((await sessions.find('s-a'))?.accountId, 'of one row written twice, the later request\'s wins').to.equal('the later request');

      outcomes = await Promise.allSettled([
        request(() => sessions.upsert('s-c', { kind: 'Session', uid: 'u-c' } as never, 60)),
        request(() => refused.upsert('x', { kind: 'Nothing' } as never, 60)),
        request(() => sessions.upsert('s-d', { kind: 'Session', uid: 'u-d' } as never, 60)),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
      expect(await rowIds()).to.deep.equal(['Session:s-a', 'Session:s-b', 'Session:s-c', 'Session:s-d']);
    });

    it('when the writes fail after the provider answered, its answer does not leave: no redirect, no cookie', async () => {
      const grants = new TypeOrmAdapter('Grant', database);
      // A stand-in for the provider: it saves a row, sets a cookie and redirects with a code.
      const provider = new Koa();
      provider.use(async (ctx) => als.run(ctx, async () => {
        await grants.upsert('g1', { kind: 'Grant' } as never, 60);
        ctx.cookies.set('_session', 'abc', { signed: false });
        ctx.redirect('https://rp.example.test/cb?code=secret-code');
        await database.dataSource.destroy(); // the database goes away before the writes go out
      }));
      const app = new Koa();
      let thrown: unknown;
      app.use(async (ctx, next) => {
        try { await next(); } catch (error) { thrown = error; ctx.status = 503; ctx.body = 'unavailable'; }
      });
      app.use(providerRequests(provider as never, database));
      const server = http.createServer(app.callback()).listen(0);
      try {
        const { port } = server.address() as { port: number };
        const response = await fetch(`http://127.0.0.1:${port}/auth/x`, { redirect: 'manual' });
        expect(response.status).to.equal(503);
        expect(response.headers.get('location')).to.equal(null);
        expect(response.headers.get('set-cookie')).to.equal(null);
        expect(await response.text()).to.equal('unavailable');
        expect(thrown).to.be.instanceOf(Error);
      } finally {
        server.close();
      }
    });
  });
}

describe('published documents (discovery, JWKS)', () => {
  it('answer from the kept copy after the first 200, per host, and never keep an error or another path', async () => {
    const documents = new PublishedDocuments(['/jwks']);
    let calls = 0;
    const app = new Koa();
    app.use(async (ctx) => {
      if (documents.answer(ctx)) return;
      calls += 1;
      if (ctx.get('x-fail')) { ctx.status = 503; ctx.body = { error: 'down' }; return; }
      ctx.type = 'application/jwk-set+json; charset=utf-8';
      ctx.body = { keys: [{ kid: ctx.host }] };
      documents.keep(ctx);
    });
    const server = app.listen(0);
    try {
      const port = (server.address() as { port: number }).port;
      const get = (path: string, headers: Record<string, string> = {}) => new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path, headers }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
          response.on('end', () => resolve({ status: response.statusCode!, type: String(response.headers['content-type']), body }));
        }).on('error', reject);
      });
      expect((await get('/jwks', { 'x-fail': '1' })).status).to.equal(503);
      expect(calls, 'an error is not kept').to.equal(1);
      const first = await get('/jwks');
      const again = await get('/jwks');
      expect(calls, 'the second answer is the kept copy').to.equal(2);
      expect(again).to.deep.equal(first);
      expect(JSON.parse(first.body)).to.deep.equal({ keys: [{ kid: `127.0.0.1:${port}` }] });
      expect(JSON.parse((await get('/jwks', { host: 'other.example.test' })).body)).to.deep.equal({ keys: [{ kid: 'other.example.test' }] });
      expect(calls, 'another host has its own copy').to.equal(3);
      await get('/other');
      await get('/other');
      expect(calls, 'other paths are never kept').to.equal(5);
    } finally {
      server.close();
    }
  });
});
