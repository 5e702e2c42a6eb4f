import { expect } from 'chai';
import { jwtVerify, createRemoteJWKSet } from 'jose';
import { newBrowser, oidc, DATABASES, startTestServer, RP, type TestServer, relyingParty, exchangeCode, beginAuthorization } from './support/harness.js';
import { textOf } from './support/browser.js';
import { firstLogin, fullLogin, NEW_SECOND_PASSWORD, openLogin, submitLogin } from './support/flows.js';

for (const db of DATABASES) {
  describe(`current-student journey over HTTP (${db.name})`, function () {
    let server: TestServer;
    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    it('S1 → S2 → S3: first login, email registration, second password, login; claims checked one by one', async () => {
      const student = server.students[0]!;
      const browser = newBrowser();
      const first = await firstLogin(server, browser, student, 'taro@example.ac.jp');
      const firstClaims = first.tokens.claims()!;
      expect(firstClaims.acr).to.equal('urn:cert-idp:acr:two-passwords');

      // S3 in a new browser: all three values.
      const { tokens, attempt } = await fullLogin(server, newBrowser(), student);
      const claims = tokens.claims()!;
      expect(claims.iss).to.equal(server.url);
      expect(claims.aud).to.equal('test-rp');
      expect(claims.sub).to.equal(firstClaims.sub);
      expect(claims.sub).to.match(/^[0-9a-f-]{36}$/);
      expect(claims.sub).to.not.equal(student.userId);
      expect(claims.amr).to.deep.equal(['pwd']);

      // The ID token is signed RS256 with a key from the JWKS.
      const jwks = createRemoteJWKSet(new URL(`${server.url}/jwks`));
      const verified = await jwtVerify(tokens.id_token!, jwks, { issuer: server.url, audience: 'test-rp' });
      expect(verified.protectedHeader.alg).to.equal('RS256');

      const userinfo = await oidc.fetchUserInfo(attempt.client, tokens.access_token, claims.sub);
      expect(userinfo.sub).to.equal(claims.sub);
      expect(userinfo.email).to.equal('taro@example.ac.jp');
      expect(userinfo.email_verified).to.equal(true);
      expect(userinfo.name).to.equal('試験 1郎');
      expect(userinfo.family_name).to.equal('試験');
      expect(userinfo.given_name).to.equal('1郎');
      expect(userinfo['family_name#ja-Kana-JP']).to.equal('シケン');
      expect(userinfo['given_name#ja-Kana-JP']).to.equal('1ロウ');
      expect(userinfo['family_name#ja-Latn-JP']).to.equal('SHIKEN');
      expect(userinfo['given_name#ja-Latn-JP']).to.equal('Taro1');
      expect(userinfo.user_type).to.equal('student');
      expect(userinfo.enrollments).to.deep.equal([{
        student_number: student.studentNumber, university: 'サンプル大学', faculty: '文学部', department: '日本文学科', status: 'enrolled', graduated_on: null,
      }]);
    });
  });
}
