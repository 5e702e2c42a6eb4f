import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { MAX_LOGOUT_ATTEMPTS } from '../../src/oidc/sign-ins.js';
import { lockAccount, endAccountSessions } from '../../src/staff/accounts/service.js';
import { fullLogin, firstLogin } from '../support/flows.js';
import { beginAuthorization, DATABASES, exchangeCode, newBrowser, oidc, relyingParty, RP, startTestServer, type TestServer } from '../support/harness.js';
import { resetSecondPasswordByMail } from '../support/reset-by-mail.js';
import { metricValue } from '../support/metrics.js';
import { emailOf } from '../support/students.js';

// OpenID Connect Back-Channel Logout 1.0 towards the configured relying parties: the certificate app
// runs on the campus network or in the cluster, at a private address — here a listener on 127.0.0.1,
// an address oidc-provider's guard against request forgery refuses for any URL not configured — and is
// told when a user logs out and whenever an account's sign-ins are ended without one (a staff lock,
// "end all sessions", a credential reset). Each logout token is checked as a relying party must (§2.6).

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A relying party's back-channel logout endpoint: collects the logout tokens it is sent, answers `status` (which a test may change) to each. */
async function logoutReceiver(initialStatus = 200): Promise<{ url: string; tokens: string[]; status: number; close(): Promise<void> }> {
  const tokens: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const token = req.method === 'POST' && req.headers['content-type'] === 'application/x-www-form-urlencoded'
        ? new URLSearchParams(body).get('logout_token') : null;
      if (token) tokens.push(token);
      res.writeHead(token ? receiver.status : 400, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`,
    tokens,
    status: initialStatus,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return receiver;
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
    beforeEach(async () => {
      receiver.tokens.length = 0;
      failing.tokens.length = 0;
      failing.status = 503;
      await logoutRows().clear();
    });

    const logoutRows = () => server.services.database.dataSource.getRepository(server.services.database.entities.BackchannelLogout);
    /** `seconds` from now: when a logout retried after them is due. */
    const later = (seconds: number) => new Date(Date.now() + seconds * 1000);

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
      // What it did not take stays queued for a later attempt; what the others took is gone.
      const queued = await logoutRows().find();
      expect(queued.map((row) => [row.clientId, row.accountId, row.attempts, row.lockedUntil])).to.deep.equal([['failing-rp', sub, 1, null]]);
      expect(queued[0]!.nextAttemptAt.getTime()).to.be.greaterThan(Date.now() + 20_000);
    });

    it('a relying party that was down when a staff lock ended the sign-in is told once it is back, with a new token', async () => {
      const browser = newBrowser();
      const sub = await signedInStudent(5, browser);
      const atFailing = await beginAuthorization(await relyingParty(server, 'failing-rp'));
      await exchangeCode(atFailing, await browser.get(atFailing.url, RP.redirectUri));
      await lockAccount(server.services, { id: 'staff-test', ip: null }, { accountId: sub });
      expect(failing.tokens).to.have.length(1);
      expect(receiver.tokens).to.have.length(1);

      // Not yet due: nothing is sent.
      expect(await server.services.signIns.processDue()).to.equal(0);
      expect(failing.tokens).to.have.length(1);
      // Still down at the second attempt: the wait doubles.
      expect(await server.services.signIns.processDue(later(31))).to.equal(0);
      expect(failing.tokens).to.have.length(2);
      const [second] = await logoutRows().find();
      expect(second!.attempts).to.equal(2);
      expect(second!.nextAttemptAt.getTime()).to.be.greaterThan(Date.now() + 50_000);
      // Back up: the third attempt is taken and the logout is done with.
      failing.status = 200;
      expect(await server.services.signIns.processDue(later(61))).to.equal(1);
      expect(failing.tokens).to.have.length(3);
      const payloads = await Promise.all(failing.tokens.map(async (token) => (await jwtVerify(token, keys, { issuer: server.url, audience: 'failing-rp', typ: 'logout+jwt' })).payload));
      expect(payloads.every((payload) => payload.sub === sub)).to.equal(true);
      expect(new Set(payloads.map((payload) => payload.jti)).size, 'each attempt a token of its own').to.equal(3);
      expect(await server.services.signIns.pendingCount()).to.equal(0);
      expect(await server.services.signIns.processDue(later(7200))).to.equal(0);
      expect(failing.tokens).to.have.length(3);
      // The relying party that took it at once was not told again.
      expect(receiver.tokens).to.have.length(1);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metricValue(metrics, 'certidp_backchannel_logouts_total', { result: 'retry' })).to.be.at.least(2);
      expect(metricValue(metrics, 'certidp_backchannel_logouts_total', { result: 'sent' })).to.be.at.least(2);
      expect(metrics).to.match(/^certidp_backchannel_logouts_pending 0$/m);
    });

    it('a user\'s logout that a relying party did not take is sent again later', async () => {
      const browser = newBrowser();
      const student = server.students[6]!;
      const { tokens, attempt } = await firstLogin(server, browser, student, emailOf(student));
      const atFailing = await beginAuthorization(await relyingParty(server, 'failing-rp'));
      await exchangeCode(atFailing, await browser.get(atFailing.url, RP.redirectUri));
      const confirm = await browser.get(oidc.buildEndSessionUrl(attempt.client, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: RP.postLogoutUri }).toString());
      const xsrf = confirm.html.match(/name="xsrf" value="([^"]+)"/)![1]!;
      const action = confirm.html.match(/<form[^>]*action="([^"]+)"/)![1]!;
      // "logout: yes": the whole browser session ends, at both relying parties.
      await browser.request('POST', new URL(action, server.url).toString(), new URLSearchParams({ xsrf, logout: 'yes' }));
      expect(receiver.tokens).to.have.length(1);
      expect(failing.tokens).to.have.length(1);
      // The provider's failure event queues it (without holding up the logout's answer).
      for (let wait = 0; (await logoutRows().count()) === 0 && wait < 50; wait += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      const [queued] = await logoutRows().find();
      expect([queued?.clientId, queued?.accountId, queued?.attempts]).to.deep.equal(['failing-rp', tokens.claims()!.sub, 1]);

      failing.status = 204;
      expect(await server.services.signIns.processDue(later(31))).to.equal(1);
      expect(failing.tokens).to.have.length(2);
      expect((await jwtVerify(failing.tokens[1]!, keys, { issuer: server.url, audience: 'failing-rp' })).payload.sub).to.equal(tokens.claims()!.sub);
      expect(await logoutRows().count()).to.equal(0);
    });

    it('a logout is given up after the last attempt', async () => {
      const sub = await signedInStudent(7);
      const before = receiver.tokens.length;
      receiver.status = 500;
      try {
        await endAccountSessions(server.services, { id: 'staff-test', ip: null }, { accountId: sub });
        expect(receiver.tokens).to.have.length(before + 1);
        await logoutRows().update({ accountId: sub }, { attempts: MAX_LOGOUT_ATTEMPTS - 1 });
        expect(await server.services.signIns.processDue(later(3601))).to.equal(0);
        expect(receiver.tokens, 'the last attempt was made').to.have.length(before + 2);
        expect(await logoutRows().count(), 'and nothing is left to send').to.equal(0);
      } finally {
        receiver.status = 200;
      }
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
