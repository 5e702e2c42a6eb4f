// The token endpoint's side of the OpenID Connect contract (README "The OpenID Connect contract"):
// a client authenticates by the method it registered and no other, and refresh tokens rotate as
// documented. openid-client is the relying party.
import { expect } from 'chai';
import { newBrowser, oidc, DATABASES, startTestServer, RP, type TestServer, relyingParty, exchangeCode, beginAuthorization, type AuthorizationAttempt } from '../support/harness.js';
import { firstLogin, fullLogin, NEW_SECOND_PASSWORD, submitLogin } from '../support/flows.js';

/**
 * What the server answered instead of tokens, or undefined on success: openid-client's
 * ResponseBodyError, or its WWWAuthenticateChallengeError when the 401 carries a Basic challenge.
 */
async function refusal(attempt: Promise<unknown>): Promise<{ error: string; status: number } | undefined> {
  try {
    await attempt;
    return undefined;
  } catch (error) {
    if (error instanceof oidc.ResponseBodyError) return { error: error.error, status: error.status };
    if (error instanceof oidc.WWWAuthenticateChallengeError) return { error: String(error.cause[0]?.parameters.error), status: error.status };
    throw error;
  }
}

const OFFLINE = { scope: 'openid offline_access', prompt: 'consent' };

for (const db of DATABASES) {
  describe(`the token endpoint: client authentication and refresh tokens (${db.name})`, function () {
    let server: TestServer;
    let student: TestServer['students'][number];
    before(async () => {
      server = await startTestServer(db);
      student = server.students[0]!;
      await firstLogin(server, newBrowser(), student, 'token-endpoint@example.ac.jp');
    });
    after(async () => { await server?.stop(); });

    /** A login through `clientId` that stops at the callback: the code is not exchanged yet. */
    async function codeFor(clientId: string, method: 'basic' | 'post' | 'none', extra: Record<string, string> = {}): Promise<{ attempt: AuthorizationAttempt; callback: string }> {
      const attempt = await beginAuthorization(await relyingParty(server, clientId, method), extra);
      const browser = newBrowser();
      const page = await browser.get(attempt.url, RP.redirectUri);
      const callback = await submitLogin(browser, page, student, NEW_SECOND_PASSWORD);
      expect(callback.location ?? '').to.satisfy((l: string) => l.startsWith(RP.redirectUri));
      return { attempt, callback: callback.location! };
    }

    const wrongWays = [
      { clientId: 'test-rp', registered: 'basic', other: 'post', how: 'a client_secret_basic client that sends its secret in the body' },
      { clientId: 'test-rp-post', registered: 'post', other: 'basic', how: 'a client_secret_post client that sends its secret in the Authorization header' },
    ] as const;
    for (const { clientId, registered, other, how } of wrongWays) {
      it(`${how} is refused (invalid_client); the registered method works`, async () => {
        const { attempt, callback } = await codeFor(clientId, registered);
        const otherWay = { ...attempt, client: await relyingParty(server, clientId, other) };
        expect(await refusal(exchangeCode(otherWay, callback))).to.deep.equal({ error: 'invalid_client', status: 401 });
        // The client was refused before the code was looked at: the code still works with the registered method.
        const tokens = await exchangeCode(attempt, callback);
        expect(tokens.claims()!.aud).to.equal(clientId);
      });
    }

    it('the registered method holds at every endpoint that authenticates clients: refresh, revocation, introspection', async () => {
      const { tokens, attempt } = await fullLogin(server, newBrowser(), student, NEW_SECOND_PASSWORD, OFFLINE);
      const refreshToken = tokens.refresh_token!;
      const asPost = await relyingParty(server, 'test-rp', 'post');
      expect(await refusal(oidc.refreshTokenGrant(asPost, refreshToken))).to.deep.equal({ error: 'invalid_client', status: 401 });
      expect(await refusal(oidc.tokenRevocation(asPost, refreshToken))).to.deep.equal({ error: 'invalid_client', status: 401 });
      const resourceServerAsPost = await relyingParty(server, 'resource-server', 'post');
      expect(await refusal(oidc.tokenIntrospection(resourceServerAsPost, tokens.access_token))).to.deep.equal({ error: 'invalid_client', status: 401 });
      // Nothing of that touched the tokens: with the registered method they still work.
      expect((await oidc.tokenIntrospection(await relyingParty(server, 'resource-server'), tokens.access_token)).active).to.equal(true);
      expect((await oidc.refreshTokenGrant(attempt.client, refreshToken)).access_token).to.be.a('string');
    });

    it('a wrong secret by the registered method is refused too', async () => {
      const { attempt, callback } = await codeFor('test-rp', 'basic');
      const wrong = oidc.discovery(new URL(server.url), 'test-rp', 'not-the-secret', oidc.ClientSecretBasic('not-the-secret'), { execute: [oidc.allowInsecureRequests] });
      expect(await refusal(exchangeCode({ ...attempt, client: await wrong }, callback))).to.deep.equal({ error: 'invalid_client', status: 401 });
    });

    it('a confidential client keeps its refresh token until 70 % of its lifetime has passed, then gets a new one; the replaced one revokes the grant', async () => {
      const { tokens, attempt } = await fullLogin(server, newBrowser(), student, NEW_SECOND_PASSWORD, OFFLINE);
      const first = tokens.refresh_token!;
      const again = await oidc.refreshTokenGrant(attempt.client, first);
      expect(again.refresh_token, 'not rotated early in its life').to.equal(first);
      expect((await oidc.refreshTokenGrant(attempt.client, first)).access_token).to.be.a('string');

      // Age the stored token past 70 % of its lifetime (its iat moves back; the expiry stays).
      await ageRefreshToken(server, first, 0.75);
      const rotated = await oidc.refreshTokenGrant(attempt.client, first);
      expect(rotated.refresh_token).to.be.a('string').and.not.equal(first);
      expect((await oidc.refreshTokenGrant(attempt.client, rotated.refresh_token!)).refresh_token, 'the new one, young again, is kept').to.equal(rotated.refresh_token);
      // The replaced token presented again: refused, and every token of the grant with it.
      expect(await refusal(oidc.refreshTokenGrant(attempt.client, first))).to.deep.include({ error: 'invalid_grant' });
      expect(await refusal(oidc.refreshTokenGrant(attempt.client, rotated.refresh_token!))).to.deep.include({ error: 'invalid_grant' });
      expect((await oidc.tokenIntrospection(await relyingParty(server, 'resource-server'), rotated.access_token)).active).to.equal(false);
    });

    it('a public client gets a new refresh token at every use; the replaced one revokes the grant', async () => {
      const { attempt, callback } = await codeFor('public-app', 'none', OFFLINE);
      const tokens = await exchangeCode(attempt, callback);
      const first = tokens.refresh_token!;
      expect(first, 'refresh token').to.be.a('string');
      const second = (await oidc.refreshTokenGrant(attempt.client, first)).refresh_token!;
      expect(second).to.be.a('string').and.not.equal(first);
      const third = (await oidc.refreshTokenGrant(attempt.client, second)).refresh_token!;
      expect(third).to.be.a('string').and.not.equal(second);
      expect(await refusal(oidc.refreshTokenGrant(attempt.client, first))).to.deep.include({ error: 'invalid_grant' });
      expect(await refusal(oidc.refreshTokenGrant(attempt.client, third))).to.deep.include({ error: 'invalid_grant' });
    });
  });
}

/** Moves a stored refresh token's issue time back so that `fraction` of its lifetime has passed. */
async function ageRefreshToken(server: TestServer, token: string, fraction: number): Promise<void> {
  const { dataSource } = server.services.database;
  const rows = await dataSource.query('SELECT payload FROM oidc_payload WHERE model = ? AND id = ?', ['RefreshToken', token]) as Array<{ payload: unknown }>;
  expect(rows, 'the stored refresh token').to.have.length(1);
  const raw = rows[0]!.payload;
  const payload = (typeof raw === 'string' ? JSON.parse(raw) : Buffer.isBuffer(raw) ? JSON.parse(raw.toString('utf8')) : raw) as { iat: number; exp: number };
  // (now - iat) / (exp - iat) = fraction, solved for iat.
  const now = Math.floor(Date.now() / 1000);
  payload.iat = Math.floor((now - fraction * payload.exp) / (1 - fraction));
  await dataSource.query('UPDATE oidc_payload SET payload = ? WHERE model = ? AND id = ?', [JSON.stringify(payload), 'RefreshToken', token]);
}
