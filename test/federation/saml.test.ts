import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { resolveDirectoryConfig } from '../../src/config/directory.js';
import { loadConfig } from '../../src/config/load.js';
import type { AppConfig } from '../../src/config/types.js';
import { SamlStatusError } from '@node-saml/node-saml';
import { assertionAttributes, attributeAliases, classifySamlError, SamlDirectory } from '../../src/directory/saml-directory.js';
import { MetadataError, readIdpMetadata } from '../../src/directory/saml-metadata.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { findForm, linkByText, textOf, type HttpBrowser, type Page } from '../support/browser.js';
import { launchChromium, openContext, PHONE } from '../support/chromium.js';
import { expectAccessible } from '../support/axe.js';
import { refusal } from '../support/config.js';
import { confirmEmailLink } from '../support/email-links.js';
import { NEW_SECOND_PASSWORD, openLogin } from '../support/flows.js';
import { beginAuthorization, DATABASES, exchangeCode, freePort, newBrowser, oidc, relyingParty, RP, startTestServer, type TestServer } from '../support/harness.js';
import { IDP_ENTITY_ID, OID, SamlIdp, samlUser, signEnveloped, type SamlUser } from '../support/saml-idp.js';
import { urlIn } from '../support/smtp.js';

const BUTTON = { ja: '学認（大学の認証サービス）でログイン', en: 'Log in with the university (GakuNin)' };
/** GakuNin's defaults for the rest; the student number, faculty and department are the university's choice. */
const ATTRIBUTES = { studentNumber: 'employeeNumber', faculty: 'jaou', department: OID.ou };

const USERS = {
  first: samlUser('s-first', 101),
  encrypted: samlUser('s-enc', 102),
  again: samlUser('s-again', 103),
  tamper: samlUser('s-tamper', 104),
  replica: samlUser('s-replica', 105),
  refused: samlUser('s-refused', 106, { refuse: ['yes'] }),
  alumnus: samlUser('s-alum', 107, { [OID.affiliation]: ['alum', 'member'] }),
  foreign: samlUser('s-foreign', 108, { [OID.eppn]: ['s-foreign@other-univ.ac.jp'] }),
  displayOnly: samlUser('s-display', 109, { [OID.jasn]: [], [OID.jaGivenName]: [], [OID.jaDisplayName]: ['高橋　一郎'] }),
  scoped: samlUser('s-scoped', 110, { [OID.affiliation]: [], [OID.scopedAffiliation]: ['member@example.ac.jp', 'student@example.ac.jp'] }),
  scopedForeign: samlUser('s-scoped-foreign', 111, { [OID.affiliation]: [], [OID.scopedAffiliation]: ['student@other-univ.ac.jp'] }),
};

function auditOf(server: TestServer) {
  return async (event: string) => (await server.services.audit.list()).filter((e) => e.event === event);
}

/** The XML of a SAMLResponse form field. */
const xmlOf = (samlResponse: string) => Buffer.from(samlResponse, 'base64').toString('utf8');
const encode = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

/** The AuthnRequest inside an HTTP-Redirect URL. */
function authnRequestOf(url: string): string {
  return inflateRawSync(Buffer.from(new URL(url).searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
}

/**
 * Presses the SSO button, signs in at SimpleSAMLphp unless its session answers, and returns the
 * IdP's auto-POST page (the SAMLResponse for the ACS), before it is posted.
 */
async function toIdpPost(browser: HttpBrowser, loginPage: Page, user: SamlUser): Promise<{ page: Page; request: string }> {
  expect(textOf(loginPage)).to.contain(BUTTON.ja);
  const form = findForm(loginPage, /\/sso$/);
  const redirect = await browser.request('POST', new URL(form.action, loginPage.url).href, new URLSearchParams(form.hidden));
  expect(redirect.status, redirect.html.slice(0, 500)).to.equal(303);
  const request = authnRequestOf(redirect.location!);
  let page = await browser.follow(redirect);
  if (/name="username"/.test(page.html)) page = await browser.submit(page, '?', { username: user.login, password: user.password });
  expect(page.html, page.html.slice(0, 800)).to.match(/name="SAMLResponse"/);
  return { page, request };
}

function postFields(page: Page): { acs: string; SAMLResponse: string; RelayState: string } {
  const form = findForm(page, /\/saml\/acs$/);
  return { acs: form.action, SAMLResponse: form.hidden.SAMLResponse!, RelayState: form.hidden.RelayState! };
}

/** Posts (possibly altered) fields to the ACS as the browser would, and follows on. */
async function postToAcs(browser: HttpBrowser, fields: { acs: string; SAMLResponse: string; RelayState: string }, acs = fields.acs): Promise<Page> {
  const answer = await browser.request('POST', acs, { SAMLResponse: fields.SAMLResponse, RelayState: fields.RelayState });
  return browser.follow(answer, RP.redirectUri);
}

/** The assertion's signature removed, or the assertion changed and signed again with the IdP's own key. */
function withoutSignature(xml: string): string {
  return xml.replace(/(<saml:Assertion\b[\s\S]*?)<ds:Signature\b[\s\S]*?<\/ds:Signature>/, '$1');
}
function resigned(xml: string, idpKey: string, change: (assertion: string) => string): string {
  const changed = withoutSignature(xml).replace(/<saml:Assertion\b[\s\S]*<\/saml:Assertion>/, (assertion) => change(assertion));
  return signEnveloped(changed, "//*[local-name(.)='Assertion']", idpKey);
}

describe('federation with the university SAML IdP (SimpleSAMLphp)', function () {
  let idp: SamlIdp;
  before(async () => {
    idp = await SamlIdp.start(Object.values(USERS));
  });
  after(async () => {
    await idp?.stop();
  });

  /** A configuration folder with the SP's keys, the IdP's metadata file and the federation's certificate. */
  async function configFolder(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-saml-config-'));
    await writeFile(path.join(dir, 'sp.key'), idp.spKeys.key);
    await writeFile(path.join(dir, 'sp.crt'), idp.spKeys.cert);
    await writeFile(path.join(dir, 'federation.crt'), idp.federationKeys.cert);
    await writeFile(path.join(dir, 'idp-metadata.xml'), idp.idpMetadata());
    await writeFile(path.join(dir, 'aggregate.xml'), idp.signedAggregate());
    return dir;
  }
  const section = (over: Record<string, unknown> = {}, idpOver: Record<string, unknown> = {}) => ({
    signingKeyFile: 'sp.key', signingCertFile: 'sp.crt',
    idp: { entityId: IDP_ENTITY_ID, metadataFile: 'idp-metadata.xml', ...idpOver },
    buttonText: BUTTON, attributes: ATTRIBUTES, university: 'テスト大学', ...over,
  });

  describe('configuration', () => {
    async function configFile(dir: string, directory: Record<string, unknown>): Promise<string> {
      const doc = parse(await readFile('config/cert-idp.yaml', 'utf8')) as Record<string, unknown>;
      doc.directory = directory;
      const file = path.join(dir, 'config.yaml');
      await writeFile(file, stringify(doc));
      return file;
    }

    it('loads the saml adapter with GakuNin\'s attribute defaults; the README\'s example is valid', async () => {
      const dir = await configFolder();
      const config = loadConfig({ CONFIG_FILE: await configFile(dir, { adapter: 'saml', saml: section() }) });
      expect(config.directory.saml).to.deep.include({ clockSkewSeconds: 60, enrolledValues: ['student'] });
      expect(config.directory.saml!.attributes).to.deep.include({ userId: 'eduPersonPrincipalName', familyName: 'jasn', givenName: 'jaGivenName', status: 'eduPersonAffiliation', studentNumber: 'employeeNumber' });
      expect(config.samlCredentials!.encryptionKey).to.equal(idp.spKeys.key);

      const readme = await readFile('README.md', 'utf8');
      const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => /adapter: saml/.test(b));
      const example = (parse(block!) as { directory: { saml: Record<string, never> } }).directory;
      // The example's files, with this test's keys and a signed aggregate under the example's names.
      const saml = example.saml as unknown as { signingKeyFile: string; signingCertFile: string; idp: { metadataUrl?: string; metadataSigningCertFile: string } };
      for (const [name, content] of [[saml.signingKeyFile, idp.spKeys.key], [saml.signingCertFile, idp.spKeys.cert], [saml.idp.metadataSigningCertFile, idp.federationKeys.cert]] as const) {
        await writeFile(path.join(dir, path.basename(name)), content);
      }
      const relocated = { ...example, saml: { ...example.saml, signingKeyFile: path.basename(saml.signingKeyFile), signingCertFile: path.basename(saml.signingCertFile), idp: { ...saml.idp, metadataSigningCertFile: path.basename(saml.idp.metadataSigningCertFile) } } };
      const fromReadme = loadConfig({ CONFIG_FILE: await configFile(dir, relocated), NODE_ENV: 'test' });
      expect(fromReadme.directory.saml!.idp.metadataUrl).to.match(/^https:\/\//);
    });

    it('names the key of every wrong saml setting: missing certificate, unreadable or unverifiable metadata; production refuses http metadata', async () => {
      const dir = await configFolder();
      await writeFile(path.join(dir, 'tampered.xml'), idp.signedAggregate().replace('example.ac.jp</shibmd:Scope>', 'other-univ.ac.jp</shibmd:Scope>'));
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ adapter: 'saml' }, 'directory.saml: is required'],
        [{ adapter: 'saml', saml: section({ signingCertFile: 'missing.crt' }) }, 'directory.saml.signingCertFile: cannot read'],
        [{ adapter: 'saml', saml: section({ signingKeyFile: 'sp.crt' }) }, 'directory.saml.signingKeyFile: '],
        [{ adapter: 'saml', saml: section({ signingCertFile: undefined }) }, 'directory.saml.signingCertFile: is required'],
        [{ adapter: 'saml', saml: section({ attributes: { faculty: 'jaou', department: 'ou' } }) }, 'directory.saml.attributes.studentNumber: is required'],
        [{ adapter: 'saml', saml: section({}, { metadataFile: 'nowhere.xml' }) }, 'directory.saml.idp.metadataFile: cannot read'],
        [{ adapter: 'saml', saml: section({}, { entityId: 'https://other-idp.example/idp' }) }, 'directory.saml.idp.metadataFile: no EntityDescriptor for https://other-idp.example/idp'],
        [{ adapter: 'saml', saml: section({}, { metadataFile: 'tampered.xml', metadataSigningCertFile: 'federation.crt' }) }, 'directory.saml.idp.metadataFile: the metadata signature does not verify'],
        [{ adapter: 'saml', saml: section({}, { metadataFile: 'idp-metadata.xml', metadataSigningCertFile: 'federation.crt' }) }, 'directory.saml.idp.metadataFile: the metadata is not signed'],
        [{ adapter: 'saml', saml: section({}, { metadataFile: undefined, metadataUrl: 'https://metadata.example/fed.xml' }) }, 'directory.saml.idp.metadataSigningCertFile: required with metadataUrl'],
        [{ adapter: 'saml', saml: section({}, { metadataUrl: 'https://metadata.example/fed.xml' }) }, 'directory.saml.idp: give either metadataFile or metadataUrl'],
      ];
      for (const [directory, expected] of cases) {
        expect(refusal({ CONFIG_FILE: await configFile(dir, directory) }), expected).to.contain(expected);
      }
      const http = await configFile(dir, { adapter: 'saml', saml: section({}, { metadataFile: undefined, metadataUrl: 'http://metadata.example/fed.xml', metadataSigningCertFile: 'federation.crt' }) });
      expect(refusal({ CONFIG_FILE: http, NODE_ENV: 'production' })).to.contain('directory.saml.idp.metadataUrl: must be an https:// URL in production');
    });
  });

  describe('IdP metadata (verified with the federation\'s certificate)', () => {
    it('reads the IdP out of a signed aggregate; refuses it tampered, signed by another key, unsigned or expired', () => {
      const aggregate = idp.signedAggregate();
      const read = readIdpMetadata(aggregate, IDP_ENTITY_ID, idp.federationKeys.cert);
      expect(read).to.deep.include({ ssoRedirectUrl: `${idp.url}/saml2/idp/SSOService.php`, scopes: [{ value: 'example.ac.jp', regexp: false }] });
      expect(read.signingCerts).to.have.length(1);
      const refusedWith = (xml: string, cert = idp.federationKeys.cert) => {
        try {
          readIdpMetadata(xml, IDP_ENTITY_ID, cert);
        } catch (error) {
          expect(error).to.be.instanceOf(MetadataError);
          return (error as Error).message;
        }
        throw new Error('expected the metadata to be refused');
      };
      expect(refusedWith(aggregate.replace('example.ac.jp</shibmd:Scope>', 'other-univ.ac.jp</shibmd:Scope>'))).to.contain('does not verify');
      expect(refusedWith(aggregate, idp.idpKeys.cert)).to.contain('does not verify');
      expect(refusedWith(idp.idpMetadata())).to.contain('not signed');
      expect(refusedWith(idp.signedAggregate({ validUntil: new Date(Date.now() - 60_000) }))).to.contain('expired');
      // A second, unsigned EntityDescriptor slipped in beside the signed one is not part of the signed bytes.
      const smuggled = aggregate.replace('</md:EntitiesDescriptor>', `${idp.idpMetadata({ scope: 'other-univ.ac.jp' }).replace(IDP_ENTITY_ID, 'https://evil.example/idp')}</md:EntitiesDescriptor>`);
      expect(refusedWith(smuggled)).to.contain('does not verify');
    });
  });

  describe('the IdP\'s answers, sorted for the pages and the audit log', () => {
    it('a non-Success status is the IdP refusing (its most specific code audited), NoPassive too; other failures are untrusted responses', () => {
      const status = (codes: string[]) => new SamlStatusError('SAML provider returned Responder error', `<samlp:Status>${codes.map((c) => `<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:${c}">`).join('')}</samlp:Status>`);
      expect(classifySamlError(status(['Responder', 'NoPassive']))).to.deep.equal({ outcome: 'denied', reason: 'status:NoPassive' });
      expect(classifySamlError(status(['Requester', 'AuthnFailed']))).to.deep.equal({ outcome: 'denied', reason: 'status:AuthnFailed' });
      expect(classifySamlError(new Error('Invalid signature: NoPassive'))).to.deep.equal({ outcome: 'denied', reason: 'status:NoPassive' });
      expect(classifySamlError(new Error('InResponseTo is not valid'))).to.deep.equal({ outcome: 'failed', reason: 'in_response_to' });
      expect(classifySamlError(new Error('Invalid EncryptedAssertion content'))).to.deep.equal({ outcome: 'failed', reason: 'decryption' });
      expect(classifySamlError(new TypeError('x'))).to.deep.equal({ outcome: 'failed', reason: 'invalid_response' });
    });

    it('an assertion\'s attributes are kept under their Name and their FriendlyName (as Shibboleth sends both)', () => {
      const attributes = assertionAttributes({
        AttributeStatement: [{
          Attribute: [
            { $: { Name: OID.eppn, FriendlyName: 'eduPersonPrincipalName' }, AttributeValue: [{ _: 's1@example.ac.jp' }] },
            { $: { Name: OID.affiliation }, AttributeValue: [{ _: 'student' }, { _: ' member ' }, { _: '' }] },
          ],
        }],
      });
      expect(attributes.get('eduPersonPrincipalName')).to.deep.equal(['s1@example.ac.jp']);
      expect(attributes.get(OID.eppn)).to.deep.equal(['s1@example.ac.jp']);
      expect(attributes.get(OID.affiliation)).to.deep.equal(['student', 'member']);
    });

    it('an attribute is found under its urn:oid: name, its friendly name and its urn:mace: name', () => {
      expect(attributeAliases('jasn')).to.have.members(['jasn', 'urn:oid:1.3.6.1.4.1.32264.1.1.1', 'urn:mace:dir:attribute-def:jasn']);
      expect(attributeAliases('urn:oid:1.3.6.1.4.1.5923.1.1.1.6')).to.include('eduPersonPrincipalName');
      expect(attributeAliases('urn:oid:1.2.3.4')).to.deep.equal(['urn:oid:1.2.3.4']);
    });
  });

  describe('an IdP whose metadata cannot be fetched (sqlite)', () => {
    let server: TestServer;
    before(async () => {
      const dir = await configFolder();
      const closedPort = await freePort();
      server = await startTestServer({ name: 'sqlite' }, (config: AppConfig) => {
        const resolved = resolveDirectoryConfig({
          adapter: 'saml',
          saml: section({ timeoutMs: 500 }, { metadataFile: undefined, metadataUrl: `http://127.0.0.1:${closedPort}/metadata.xml`, metadataSigningCertFile: 'federation.crt' }),
        } as AppConfig['directory'], {}, dir);
        config.directory = resolved.directory;
        config.samlCredentials = resolved.saml;
      });
    });
    after(async () => {
      await server?.stop();
    });

    it('the service starts; the SSO button gives the unavailable page (503), audited, not throttled; /readyz stays ready', async () => {
      const browser = newBrowser();
      const { page } = await openLogin(server, browser);
      const answer = await browser.submit(page, /\/sso$/, {});
      expect(answer.status).to.equal(503);
      expect(textOf(answer)).to.contain('ただいま大学の認証サービスに接続できません');
      expect((await auditOf(server)('login.directory_unavailable')).at(-1)!.detail).to.include({ directory: 'saml', step: 'authorize' });
      const { dataSource, entities } = server.services.database;
      expect(await dataSource.getRepository(entities.LoginThrottle).count()).to.equal(0);
      expect((await fetch(`${server.url}/readyz`)).status).to.equal(200);
    });
  });

  for (const db of DATABASES) {
    describe(`logins through SimpleSAMLphp (${db.name})`, () => {
      let server: TestServer;
      let replica: RunningServer | undefined;
      let metadataServer: Server;
      let served: { status: number; body: string };
      let notModified = 0;
      let acs = '';

      before(async () => {
        const dir = await configFolder();
        // The federation's aggregate is fetched from a URL, as GakuNin's is.
        served = { status: 200, body: idp.signedAggregate() };
        metadataServer = createHttpServer((req, res) => {
          const etag = `"${served.body.length}-${served.body.slice(-60).replace(/\W/g, '')}"`;
          if (served.status === 200 && req.headers['if-none-match'] === etag) {
            notModified += 1;
            res.statusCode = 304;
            return res.end();
          }
          res.setHeader('etag', etag);
          res.statusCode = served.status;
          res.setHeader('content-type', 'application/samlmetadata+xml');
          res.end(served.body);
        });
        await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', () => resolve()));
        const metadataUrl = `http://127.0.0.1:${(metadataServer.address() as { port: number }).port}/gakunin-metadata.xml`;
        server = await startTestServer(db, (config: AppConfig) => {
          const resolved = resolveDirectoryConfig({
            adapter: 'saml',
            saml: section({}, { metadataFile: undefined, metadataUrl, metadataSigningCertFile: 'federation.crt' }),
          } as AppConfig['directory'], {}, dir);
          config.directory = resolved.directory;
          config.samlCredentials = resolved.saml;
        });
        acs = `${server.url}/saml/acs`;
        await idp.registerSp({ entityId: `${server.url}/saml/metadata`, acs, encryptionCert: idp.spKeys.cert, encrypt: false });
      });
      after(async () => {
        await replica?.stop();
        await server?.stop();
        await new Promise<void>((resolve) => metadataServer.close(() => resolve()));
      });

      it('serves the SP metadata to register with the federation (entityID, ACS, signing and encryption certificates)', async () => {
        const response = await fetch(`${server.url}/saml/metadata`);
        expect(response.status).to.equal(200);
        expect(response.headers.get('content-type')).to.contain('application/samlmetadata+xml');
        const xml = await response.text();
        expect(xml).to.contain(`entityID="${server.url}/saml/metadata"`).and.contain(`Location="${acs}"`)
          .and.contain('Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"').and.contain('use="signing"').and.contain('use="encryption"')
          .and.contain('WantAssertionsSigned="true"').and.contain('urn:oasis:names:tc:SAML:2.0:nameid-format:transient')
          .and.contain('<EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>');
        const certificate = idp.spKeys.cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
        expect(xml.replace(/\s+/g, '')).to.contain(certificate);
      });

      it('first login with a signed assertion: GakuNin attributes → email → second password → tokens with the mapped claims and amr ["fed","pwd"], then again at the next login', async () => {
        const user = USERS.first;
        const browser = newBrowser();
        const { attempt, page } = await openLogin(server, browser);
        const { page: post, request } = await toIdpPost(browser, page, user);
        expect(request).to.not.contain('ForceAuthn');
        expect(request).to.contain(`AssertionConsumerServiceURL="${acs}"`);
        const fields = postFields(post);
        expect(xmlOf(fields.SAMLResponse)).to.contain('<ds:Signature').and.not.contain('EncryptedAssertion');
        const emailPage = await postToAcs(browser, fields);
        expect(textOf(emailPage)).to.contain('メールアドレス設定');
        await browser.submit(emailPage, /\/email$/, { email: 'hana101@example.ac.jp', email_confirm: 'hana101@example.ac.jp' });
        const done = await confirmEmailLink(browser, urlIn(await server.smtp.waitFor('hana101@example.ac.jp')));
        const secondPage = await browser.get(linkByText(done, 'ログインページへ移動'), RP.redirectUri);
        const set = await browser.submit(secondPage, /\/second-password$/, { second_password: NEW_SECOND_PASSWORD, second_password_confirm: NEW_SECOND_PASSWORD });
        const first = await exchangeCode(attempt, await browser.get(linkByText(set, 'OK'), RP.redirectUri));
        const claims = first.claims()!;
        const userinfo = await oidc.fetchUserInfo(attempt.client, first.access_token, claims.sub);
        expect(userinfo).to.deep.include({
          family_name: '鈴木', given_name: '101花', 'family_name#ja-Latn-JP': 'SUZUKI', 'given_name#ja-Latn-JP': 'Hana101', user_type: 'student',
        });
        expect(userinfo.enrollments).to.deep.equal([{
          student_number: '26S101', university: 'テスト大学', faculty: '文学部', department: '史学科', status: 'enrolled', graduated_on: null,
        }]);
        expect(claims.sub).to.not.contain('s-first');
        expect(claims.amr, 'the first login, finished through the second-password setup').to.deep.equal(['fed', 'pwd']);

        // Next time, in another browser: the IdP, then only the second password; amr says both.
        const later = newBrowser();
        const { attempt: attempt2, page: login2 } = await openLogin(server, later);
        const onlySecond = await postToAcs(later, postFields((await toIdpPost(later, login2, user)).page));
        expect(textOf(onlySecond)).to.contain('続けて第2パスワードを入力してください');
        const tokens = await exchangeCode(attempt2, await later.submit(onlySecond, /\/sso\/second-password$/, { second_password: NEW_SECOND_PASSWORD }, RP.redirectUri));
        expect(tokens.claims()!.sub).to.equal(claims.sub);
        expect(tokens.claims()!.amr).to.deep.equal(['fed', 'pwd']);
        expect(tokens.claims()!.acr).to.equal('urn:cert-idp:acr:two-passwords');

        // prompt=login (as re-authentication asks): the AuthnRequest carries ForceAuthn and the IdP
        // asks for the password again although its session is still there.
        const { page: again } = await openLogin(server, later, { prompt: 'login' });
        const form = findForm(again, /\/sso$/);
        const redirect = await later.request('POST', new URL(form.action, again.url).href, new URLSearchParams(form.hidden));
        expect(authnRequestOf(redirect.location!)).to.contain('ForceAuthn="true"');
        const idpPage = await later.follow(redirect);
        expect(idpPage.html).to.match(/name="username"/).and.match(/name="password"/);
      });

      if (db === DATABASES[0]) {
        it('in Chromium, with the IdP on another site: its cross-site POST to the ACS reaches the second password and the client (axe on the pages)', async () => {
          const chromium = await launchChromium();
          try {
            const { context, page, callbacks } = await openContext(chromium, PHONE);
            const attempt = await beginAuthorization(await relyingParty(server));
            await page.goto(attempt.url);
            await expectAccessible(page, 'saml: login with the SSO button (375 px)');
            await page.getByRole('button', { name: BUTTON.ja }).click();
            await page.locator('input[name="username"]').fill(USERS.first.login);
            await page.locator('input[name="password"]').fill(USERS.first.password);
            await page.locator('input[name="password"]').press('Enter');
            // SimpleSAMLphp's page posts the response to the ACS by itself.
            await page.getByText('続けて第2パスワードを入力してください', { exact: false }).waitFor();
            await expectAccessible(page, 'saml: second password after the IdP (375 px)');
            await page.getByLabel('第2パスワード').fill(NEW_SECOND_PASSWORD);
            await page.getByRole('button', { name: 'ログイン', exact: true }).click();
            await page.waitForURL(`${RP.redirectUri}**`);
            const tokens = await exchangeCode(attempt, callbacks.at(-1)!);
            expect(tokens.claims()!.amr).to.deep.equal(['fed', 'pwd']);
            await context.close();
          } finally {
            await chromium.close();
          }
        });
      }

      it('an encrypted assertion (as GakuNin IdPs send) is decrypted with the SP key; a display name stands in for jasn/jaGivenName', async () => {
        await idp.registerSp({ entityId: `${server.url}/saml/metadata`, acs, encryptionCert: idp.spKeys.cert, encrypt: true });
        try {
          for (const user of [USERS.encrypted, USERS.displayOnly, USERS.scoped]) {
            const browser = newBrowser();
            const { page } = await openLogin(server, browser);
            const fields = postFields((await toIdpPost(browser, page, user)).page);
            expect(xmlOf(fields.SAMLResponse)).to.contain('EncryptedAssertion').and.not.contain(`${user.login}@`);
            expect(textOf(await postToAcs(browser, fields))).to.contain('メールアドレス設定');
          }
          const display = await server.services.database.dataSource.getRepository(server.services.database.entities.Account).findOneByOrFail({ directoryId: 's-display@example.ac.jp' });
          expect(display.profile?.name).to.deep.equal({ family: '高橋', given: '一郎' });
        } finally {
          await idp.registerSp({ entityId: `${server.url}/saml/metadata`, acs, encryptionCert: idp.spKeys.cert, encrypt: false });
        }
      });

      it('the IdP refusing the login (RequestDenied), a student who is not enrolled, and a foreign scope: clear pages, audited, no account', async () => {
        const outcome = async (user: SamlUser) => {
          const browser = newBrowser();
          if (user === USERS.refused) await idp.signIn(browser, user);
          const { page } = await openLogin(server, browser);
          return postToAcs(browser, postFields((await toIdpPost(browser, page, user)).page));
        };
        const refused = await outcome(USERS.refused);
        expect(refused.status).to.equal(403);
        expect(textOf(refused)).to.contain('大学の認証サービスでログインが取り消されたか、許可されませんでした');
        expect((await auditOf(server)('login.failure')).at(-1)!.detail).to.include({ reason: 'upstream_denied', upstream: 'status:RequestDenied' });

        const alumnus = await outcome(USERS.alumnus);
        expect(alumnus.status).to.equal(403);
        expect(textOf(alumnus)).to.contain('在学生として確認できなかった');
        expect((await auditOf(server)('login.failure')).at(-1)!.detail).to.include({ directoryReason: 'not_enrolled', federated: true });

        // A scoped affiliation with another university's scope does not count.
        const scopedForeign = await outcome(USERS.scopedForeign);
        expect(scopedForeign.status).to.equal(403);
        expect((await auditOf(server)('login.failure')).at(-1)!.detail).to.include({ directoryReason: 'not_enrolled', federated: true });

        const foreign = await outcome(USERS.foreign);
        expect(foreign.status).to.equal(502);
        expect(textOf(foreign)).to.contain('大学の認証サービスからの応答を確認できませんでした');
        expect((await auditOf(server)('login.failure')).at(-1)!.detail).to.include({ reason: 'upstream_error', upstream: 'scope' });
        const accounts = server.services.database.dataSource.getRepository(server.services.database.entities.Account);
        for (const user of [USERS.refused, USERS.alumnus, USERS.scopedForeign, USERS.foreign]) {
          expect(await accounts.countBy({ directoryId: user.attributes[OID.eppn]![0] })).to.equal(0);
        }
      });

      it('responses altered on the way (signature removed, assertion wrapped, audience or recipient changed, expired, not yet valid, a stale sign-in for a ForceAuthn request, RelayState forged) are refused and audited; a replay is refused', async () => {
        const user = USERS.tamper;
        const browser = newBrowser();
        const attempt = async (alter: (xml: string) => string) => {
          const { page } = await openLogin(server, browser);
          const fields = postFields((await toIdpPost(browser, page, user)).page);
          return { fields, answer: await postToAcs(browser, { ...fields, SAMLResponse: encode(alter(xmlOf(fields.SAMLResponse))) }) };
        };
        const lastUpstreamReason = async () => (await auditOf(server)('login.failure')).at(-1)!.detail?.upstream;
        const expectRefused = async (answer: Page, reason: string) => {
          expect(answer.status, reason).to.equal(502);
          expect(textOf(answer)).to.contain('大学の認証サービスからの応答を確認できませんでした');
          expect(answer.html).to.not.match(/at \w+ \(|Error:/);
          expect(await lastUpstreamReason()).to.equal(reason);
        };

        await expectRefused((await attempt(withoutSignature)).answer, 'signature');
        // Wrapping: an unsigned assertion for another student around the genuine, signed one.
        await expectRefused((await attempt((xml) => xml.replace(/<saml:Assertion\b[\s\S]*<\/saml:Assertion>/, (genuine) => {
          const forged = withoutSignature(genuine).replace(/ID="[^"]+"/, 'ID="_forged"').replaceAll('s-tamper@example.ac.jp', 's-first@example.ac.jp');
          return forged.replace(/(<saml:Issuer>[^<]*<\/saml:Issuer>)/, `$1${genuine}`);
        }))).answer, 'signature');
        // Signed by the IdP's own key, but for another SP or long expired.
        await expectRefused((await attempt((xml) => resigned(xml, idp.idpKeys.key, (a) => a.replace(/<saml:Audience>[^<]*<\/saml:Audience>/, '<saml:Audience>https://other-sp.example/shibboleth</saml:Audience>')))).answer, 'audience');
        const past = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
        await expectRefused((await attempt((xml) => resigned(xml, idp.idpKeys.key, (a) => a
          .replace(/NotOnOrAfter="[^"]+"/g, `NotOnOrAfter="${past(30)}"`)
          .replace(/NotBefore="[^"]+"/g, `NotBefore="${past(40)}"`)))).answer, 'expired');
        await expectRefused((await attempt((xml) => resigned(xml, idp.idpKeys.key, (a) => a
          .replace(/NotBefore="[^"]+"/g, `NotBefore="${past(-30)}"`)))).answer, 'not_yet_valid');

        // Signed again by the IdP, but confirmed for another ACS.
        await expectRefused((await attempt((xml) => resigned(xml, idp.idpKeys.key, (a) => a.replace(/Recipient="[^"]+"/, 'Recipient="https://other-sp.example/Shibboleth.sso/SAML2/POST"')))).answer, 'recipient');

        // A re-authentication (ForceAuthn) answered with a sign-in from before the request, as an IdP that
        // ignores ForceAuthn would send: refused; the same answer with the IdP's real AuthnInstant goes on.
        const elsewhere = newBrowser();
        const reauthentication = async () => {
          const { page } = await openLogin(server, elsewhere, { prompt: 'login' });
          return postFields((await toIdpPost(elsewhere, page, user)).page);
        };
        const stale = await reauthentication();
        await expectRefused(await postToAcs(elsewhere, { ...stale, SAMLResponse: encode(resigned(xmlOf(stale.SAMLResponse), idp.idpKeys.key, (a) => a
          .replace(/AuthnInstant="[^"]+"/, `AuthnInstant="${past(10)}"`))) }), 'stale_authentication');
        const fresh = await reauthentication();
        const onwards = await postToAcs(elsewhere, { ...fresh, SAMLResponse: encode(resigned(xmlOf(fresh.SAMLResponse), idp.idpKeys.key, (a) => a)) });
        expect(onwards.status, onwards.html.slice(0, 300)).to.equal(200);
        expect(textOf(onwards)).to.not.contain('大学の認証サービスからの応答を確認できませんでした');

        // A RelayState that names this login with another secret is not this login's.
        const { page: forgedLogin } = await openLogin(server, browser);
        const real = postFields((await toIdpPost(browser, forgedLogin, user)).page);
        const forged = await postToAcs(browser, { ...real, RelayState: `${real.RelayState.split('.')[0]}.${'A'.repeat(43)}` });
        expect(forged.status).to.equal(400);
        expect(await lastUpstreamReason()).to.equal('state_mismatch');

        // The genuine response once more after a successful use: the login it belonged to is used up.
        const { page } = await openLogin(server, browser);
        const genuine = postFields((await toIdpPost(browser, page, user)).page);
        expect(textOf(await postToAcs(browser, genuine))).to.contain('メールアドレス設定');
        const replay = await postToAcs(browser, genuine);
        expect(replay.status).to.equal(400);
        expect(textOf(replay)).to.contain('大学の認証サービスからの応答を確認できませんでした');
        expect(await lastUpstreamReason()).to.equal('no_pending_request');
      });

      it('a second replica on the same database: a login begun on one finishes on the other; the response replayed there is refused', async () => {
        const port = await freePort();
        replica = await startServer({ ...server.config, env: { ...server.config.env, port } }, { database: server.services.database });
        const replicaAcs = `http://127.0.0.1:${port}/saml/acs`;
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        const fields = postFields((await toIdpPost(browser, page, USERS.replica)).page);
        // The load balancer sends the IdP's POST to the other replica: it finishes the login.
        const onReplica = await browser.follow(await browser.request('POST', replicaAcs, { SAMLResponse: fields.SAMLResponse, RelayState: fields.RelayState }), RP.redirectUri);
        expect(textOf(onReplica)).to.contain('メールアドレス設定');
        // The same response played back to the first replica (and to the other once more) is refused.
        for (const target of [acs, replicaAcs]) {
          const replay = await postToAcs(browser, fields, target);
          expect(replay.status).to.equal(400);
        }
        expect((await auditOf(server)('login.failure')).slice(-2).map((e) => e.detail?.upstream)).to.deep.equal(['no_pending_request', 'no_pending_request']);
      });

      it('an assertion accepted once is refused by every other replica even when both still expect it (the database remembers it)', async () => {
        // Two adapters on the same database, each given the same login's checks, as two replicas
        // would be if the response reached both at once.
        const settings = server.config.directory.saml!;
        const [a, b] = [0, 1].map(() => new SamlDirectory(settings, server.config.samlCredentials!, 'テスト大学', server.config.issuer, server.services.database));
        try {
          await a!.refresh();
          await b!.refresh();
          const checks = { state: `uid-replica-test.${'r'.repeat(43)}`, nonce: oidc.randomNonce(), codeVerifier: 'unused' };
          const started = await a!.authorizationUrl(checks);
          const browser = newBrowser();
          let page = await browser.get((started as { url: string }).url);
          if (/name="username"/.test(page.html)) page = await browser.submit(page, '?', { username: USERS.again.login, password: USERS.again.password });
          const params = new URLSearchParams({ SAMLResponse: postFields(page).SAMLResponse });
          expect((await a!.handleCallback(params, checks)).outcome).to.equal('ok');
          expect(await b!.handleCallback(params, checks)).to.deep.equal({ outcome: 'failed', reason: 'replayed' });
          // Another login's checks do not fit this response at all.
          expect(await b!.handleCallback(params, { ...checks, nonce: oidc.randomNonce() })).to.deep.equal({ outcome: 'failed', reason: 'in_response_to' });
        } finally {
          await a!.close();
          await b!.close();
        }
      });

      it('metadata refreshes: a copy that does not verify and a failed fetch keep the last verified one; with none verified the SSO is unavailable and /readyz stays ready', async () => {
        const settings = server.config.directory.saml!;
        const directory = new SamlDirectory(settings, server.config.samlCredentials!, 'テスト大学', server.config.issuer, server.services.database);
        try {
          await directory.refresh();
          const verified = directory.currentIdp;
          expect(verified?.entityId).to.equal(IDP_ENTITY_ID);
          // Unchanged: the server answers 304 to the copy's ETag, and the copy stays.
          const before = notModified;
          await directory.refresh();
          expect(notModified).to.equal(before + 1);
          expect(directory.currentIdp).to.equal(verified);
          served = { status: 200, body: idp.signedAggregate().replace('example.ac.jp</shibmd:Scope>', 'other-univ.ac.jp</shibmd:Scope>') };
          await directory.refresh();
          expect(directory.currentIdp).to.equal(verified);
          served = { status: 503, body: 'maintenance' };
          await directory.refresh();
          expect(directory.currentIdp).to.equal(verified);
        } finally {
          await directory.close();
        }
        // A replica that starts while the metadata cannot be verified has no IdP: the SSO button says
        // "unavailable"; readiness does not depend on the IdP.
        served = { status: 200, body: idp.idpMetadata() };
        const unverified = new SamlDirectory(settings, server.config.samlCredentials!, 'テスト大学', server.config.issuer, server.services.database);
        try {
          await unverified.refresh();
          expect(unverified.currentIdp).to.equal(undefined);
          expect(await unverified.authorizationUrl({ state: 's', nonce: 'n', codeVerifier: 'v' })).to.deep.equal({ outcome: 'unavailable' });
        } finally {
          await unverified.close();
          served = { status: 200, body: idp.signedAggregate() };
        }
        const ready = await fetch(`${server.url}/readyz`);
        expect(ready.status).to.equal(200);
      });
    });
  }
});
