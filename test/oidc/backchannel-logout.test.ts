import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { lockAccount, endAccountSessions } from '../../src/staff/accounts/service.js';
import { fullLogin, firstLogin } from '../support/flows.js';
import { beginAuthorization, DATABASES, exchangeCode, newBrowser, oidc, relyingParty, RP, startTestServer, type TestServer } from '../support/harness.js';
import { resetSecondPasswordByMail } from '../support/reset-by-mail.js';
import { emailOf } from '../support/students.js';

// OpenID Connect Back-Channel Logout 1.0 towards the configured relying parties: the certificate app
// runs on the campus network or in the cluster, at a private address — here a listener on 127.0.0.1,
// an address oidc-provider's guard against request forgery refuses for any URL not configured — and is
// told when a user logs out and whenever an account's sign-ins are ended without one (a staff lock,
// "end all sessions", a credential reset). Each logout token is checked as a relying party must (§2.6).

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A relying party's back-channel logout endpoint: collects the logout tokens it is sent, answers `status` to each. */
async function logoutReceiver(status = 200): Promise<{ url: string; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const token = req.method === 'POST' && req.headers['content-type'] === 'application/x-www-form-urlencoded'
        ? new URLSearchParams(body).get('logout_token') : null;
      if (token) tokens.push(token);
      res.writeHead(token ? status : 400, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`,
    tokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

for (const db of DATABASES) {
  describe(`back-channel logout to the relying parties (${db.name})`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let receiver: Awaited<ReturnType<typeof logoutReceiver>>;
    /** A relying party that is down: it takes the request and answers 503. */
    let failing: Awaited<ReturnType<typeof logoutReceiver>>;
    let keys: ReturnType<typeof createLocalJWKSet>;

    before(async () => {
      receiver = await logoutReceiver();
      failing = await logoutReceiver(503);
      server = await startTestServer(db, (config) => {
        config.clients.find((client) => client.client_id === 'test-rp')!.backchannel_logout_uri = receiver.url;
        config.clients.push({
          client_id: 'failing-rp', client_secret: RP.secret, token_endpoint_auth_method: 'client_secret_basic',
          redirect_uris: [RP.redirectUri], first_party: true, backchannel_logout_uri: failing.url,
        });
      });
      keys = createLocalJWKSet(await (await fetch(`${server.url}/jwks`)).json() as JSONWebKeySet);
    });
    after(async () => {
      await server?.stop();
      await receiver?.close();
      await failing?.close();
    });
    beforeEach(() => { receiver.tokens.length = 0; failing.tokens.length = 0; });

    /** A logout token as the relying party must check it (§2.6), for `sub`; its claims. */
    async function verifiedLogout(token: string, sub: string) {
      expect(decodeProtectedHeader(token).typ).to.equal('logout+jwt');
      const { payload } = await jwtVerify(token, keys, { issuer: server.url, audience: 'test-rp', typ: 'logout+jwt' });
      expect(payload.sub).to.equal(sub);
      expect(payload.events).to.deep.equal({ [EVENT]: {} });
      expect(payload.jti).to.be.a('string');
      expect(payload).to.not.have.property('nonce');
      return payload;
    }

    /** A student signed in for the first time (address, second password), with one session in `browser`; their sub. */
    async function signedInStudent(index: number, browser = newBrowser()): Promise<string> {
      const student = server.students[index]!;
      const { tokens } = await firstLogin(server, browser, student, emailOf(student));
      return tokens.claims()!.sub;
    }

    it('a logout at the provider (RP-initiated) reaches the relying party at its private address', async () => {
      const browser = newBrowser();
      const student = server.students[0]!;
      const { tokens, attempt } = await firstLogin(server, browser, student, emailOf(student));
      const confirm = await browser.get(oidc.buildEndSessionUrl(attempt.client, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: RP.postLogoutUri }).toString());
      const xsrf = confirm.html.match(/name="xsrf" value="([^"]+)"/)![1]!;
      const action = confirm.html.match(/<form[^>]*action="([^"]+)"/)![1]!;
      const out = await browser.request('POST', new URL(action, server.url).toString(), new URLSearchParams({ xsrf, logout: 'yes' }));
      expect(out.location ?? '').to.satisfy((location: string) => location.startsWith(RP.postLogoutUri));
      // The provider answers once the relying parties have (its end_session waits for them).
      expect(receiver.tokens).to.have.length(1);
      await verifiedLogout(receiver.tokens[0]!, tokens.claims()!.sub);
    });

    it('a staff lock ends the sign-in at the relying party too', async () => {
      const sub = await signedInStudent(1);
      await lockAccount(server.services, { id: 'staff-test', ip: '192.0.2.9' }, { accountId: sub });
      expect(receiver.tokens, 'sent before the lock returns').to.have.length(1);
      await verifiedLogout(receiver.tokens[0]!, sub);
    });

    it('"end all sessions" tells every relying party of every session; one that fails to take it fails nothing', async () => {
      const browser = newBrowser();
      const sub = await signedInStudent(2, browser);
      // The same browser session signs in to the failing client as well (first party: no screen).
      const other = await beginAuthorization(await relyingParty(server, 'failing-rp'));
      const atOther = await browser.get(other.url, RP.redirectUri);
      expect((await exchangeCode(other, atOther)).claims()!.sub).to.equal(sub);
      // A second session, in another browser.
      await fullLogin(server, newBrowser(), server.students[2]!);

      expect(await endAccountSessions(server.services, { id: 'staff-test', ip: null }, { accountId: sub })).to.equal(2);
      expect(receiver.tokens, 'one per session at test-rp').to.have.length(2);
      for (const token of receiver.tokens) await verifiedLogout(token, sub);
      // The failing relying party was sent its token (for the one session that signed in to it), answered 503.
      expect(failing.tokens).to.have.length(1);
      expect((await jwtVerify(failing.tokens[0]!, keys, { issuer: server.url, audience: 'failing-rp' })).payload.sub).to.equal(sub);
      expect((await server.services.audit.list(sub)).map((e) => e.event)).to.include('account.sessions_ended');
    });

    it('a reset of the second password by mail (S6) logs the student out at the relying party', async () => {
      const sub = await signedInStudent(3);
      await resetSecondPasswordByMail(server, emailOf(server.students[3]!), 'Reset2Second');
      expect(receiver.tokens, 'sent before the reset page answers').to.have.length(1);
      await verifiedLogout(receiver.tokens[0]!, sub);
    });

    it('an account without a session sends nothing', async () => {
      const sub = await signedInStudent(4);
      await endAccountSessions(server.services, { id: 'staff-test' }, { accountId: sub });
      receiver.tokens.length = 0;
      expect(await endAccountSessions(server.services, { id: 'staff-test' }, { accountId: sub })).to.equal(0);
      expect(receiver.tokens).to.have.length(0);
    });
  });
}
