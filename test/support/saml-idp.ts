import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SignedXml } from 'xml-crypto';
import type { HttpBrowser } from './browser.js';
import { freePort } from './harness.js';

// A real SAML 2.0 IdP for the tests: SimpleSAMLphp 1.19 (Debian package `simplesamlphp`), served by
// `php -S` on a loopback port from a configuration, metadata and keys written here into a temporary
// folder (SIMPLESAMLPHP_CONFIG_DIR); the system's /etc/simplesamlphp is never read.

const run = promisify(execFile);
const SIMPLESAMLPHP = '/usr/share/simplesamlphp';

export const IDP_ENTITY_ID = 'https://idp.example.ac.jp/idp/shibboleth';
/**
 * The IdP listens on another loopback address than the service (127.0.0.1): for a browser it is
 * another site, as a university's IdP is, so its POST to the ACS is cross-site and carries none of
 * the service's SameSite cookies.
 */
const IDP_HOST = '127.0.0.2';
export const IDP_SCOPE = 'example.ac.jp';

/** GakuNin's attribute names (urn:oid:, NameFormat uri) as a Shibboleth IdP releases them. */
export const OID = {
  eppn: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6',
  affiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.1',
  scopedAffiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.9',
  mail: 'urn:oid:0.9.2342.19200300.100.1.3',
  sn: 'urn:oid:2.5.4.4',
  givenName: 'urn:oid:2.5.4.42',
  jasn: 'urn:oid:1.3.6.1.4.1.32264.1.1.1',
  jaGivenName: 'urn:oid:1.3.6.1.4.1.32264.1.1.2',
  jaDisplayName: 'urn:oid:1.3.6.1.4.1.32264.1.1.3',
  jaou: 'urn:oid:1.3.6.1.4.1.32264.1.1.5',
  employeeNumber: 'urn:oid:2.16.840.1.113730.3.1.3',
  ou: 'urn:oid:2.5.4.11',
} as const;

export interface SamlUser {
  login: string;
  password: string;
  attributes: Record<string, string[]>;
}

export function samlUser(login: string, n: number, over: Record<string, string[]> = {}): SamlUser {
  return {
    login,
    password: `Idp-pass-${n}`,
    attributes: {
      [OID.eppn]: [`${login}@${IDP_SCOPE}`],
      [OID.affiliation]: ['student', 'member'],
      [OID.jasn]: ['鈴木'],
      [OID.jaGivenName]: [`${n}花`],
      [OID.sn]: ['SUZUKI'],
      [OID.givenName]: [`Hana${n}`],
      [OID.mail]: [`${login}@${IDP_SCOPE}`],
      [OID.employeeNumber]: [`26S${n}`],
      [OID.jaou]: ['文学部'],
      [OID.ou]: ['史学科'],
      ...over,
    },
  };
}

export interface KeyPair { key: string; cert: string; keyFile: string; certFile: string }

async function keyPair(dir: string, name: string, subject: string): Promise<KeyPair> {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.crt`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '30', '-subj', subject, '-keyout', keyFile, '-out', certFile]);
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), keyFile, certFile };
}

const certBody = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
const php = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export interface SpRegistration {
  entityId: string;
  acs: string;
  /** The SP's certificate (PEM): its AuthnRequests' signatures are checked with it, and with `encrypt` assertions are encrypted to it. */
  encryptionCert: string;
  encrypt: boolean;
}

export class SamlIdp {
  readonly dir: string;
  url = '';
  idpKeys!: KeyPair;
  /** The SP's signing/encryption pair (the test's cert-idp uses it). */
  spKeys!: KeyPair;
  /** The federation's metadata signer (GakuNin's role). */
  federationKeys!: KeyPair;
  private process: ChildProcess | undefined;
  private port = 0;

  private constructor(dir: string, private readonly users: SamlUser[]) {
    this.dir = dir;
  }

  static async start(users: SamlUser[]): Promise<SamlIdp> {
    const idp = new SamlIdp(await mkdtemp(path.join(os.tmpdir(), 'cert-idp-saml-')), users);
    await idp.setUp();
    return idp;
  }

  private async setUp(): Promise<void> {
    for (const sub of ['config', 'metadata', 'cert', 'log', 'tmp', 'data', 'sessions']) await mkdir(path.join(this.dir, sub));
    const certDir = path.join(this.dir, 'cert');
    [this.idpKeys, this.spKeys, this.federationKeys] = await Promise.all([
      keyPair(certDir, 'idp', '/CN=idp.example.ac.jp'),
      keyPair(certDir, 'sp', '/CN=cert-idp SP'),
      keyPair(certDir, 'federation', '/CN=Test Federation Metadata Signer'),
    ]);
    this.port = await freePort();
    this.url = `http://${IDP_HOST}:${this.port}`;
    await this.writeConfig();
    await this.writeAuthSources();
    await writeFile(path.join(this.dir, 'metadata', 'saml20-idp-hosted.php'), `<?php
$metadata[${php(IDP_ENTITY_ID)}] = [
  'host' => '__DEFAULT__',
  'privatekey' => 'idp.key',
  'certificate' => 'idp.crt',
  'auth' => 'example-userpass',
  'scope' => [${php(IDP_SCOPE)}],
  'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
  'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  // A user with the attribute refuse=yes gets a SAML error response (Responder / RequestDenied), as an
  // IdP's access policy answers; the attribute itself is never released.
  'authproc' => [
    90 => ['class' => 'core:PHP', 'code' => 'if (($attributes["refuse"][0] ?? "") === "yes") { throw new \\SimpleSAML\\Module\\saml\\Error("urn:oasis:names:tc:SAML:2.0:status:Responder", "urn:oasis:names:tc:SAML:2.0:status:RequestDenied", "refused by policy"); } unset($attributes["refuse"]);'],
  ],
];
`);
    await this.launch();
  }

  private async writeConfig(): Promise<void> {
    const d = (sub: string) => php(`${path.join(this.dir, sub)}/`);
    await writeFile(path.join(this.dir, 'config', 'config.php'), `<?php
$config = [
  'baseurlpath' => ${php(`${this.url}/`)},
  'certdir' => ${d('cert')},
  'loggingdir' => ${d('log')},
  'datadir' => ${d('data')},
  'tempdir' => ${d('tmp')},
  'technicalcontact_name' => 'Test',
  'technicalcontact_email' => 'it@example.ac.jp',
  'timezone' => 'UTC',
  'secretsalt' => 'test-only-salt-0123456789abcdef',
  'auth.adminpassword' => 'test-only-admin-password',
  'admin.protectindexpage' => false,
  'admin.protectmetadata' => false,
  'admin.checkforupdates' => false,
  'debug' => ['saml' => false, 'backtraces' => false, 'validatexml' => false],
  'showerrors' => true,
  'errorreporting' => false,
  'logging.level' => SimpleSAML\\Logger::WARNING,
  'logging.handler' => 'file',
  'logging.logfile' => 'simplesamlphp.log',
  'enable.saml20-idp' => true,
  'enable.shib13-idp' => false,
  'session.cookie.secure' => false,
  'session.cookie.samesite' => null,
  'session.phpsession.savepath' => ${d('sessions')},
  'session.phpsession.cookiename' => 'SimpleSAMLIdPSession',
  'session.cookie.name' => 'SimpleSAMLIdPSessionID',
  'session.authtoken.cookiename' => 'SimpleSAMLIdPAuthToken',
  'store.type' => 'phpsession',
  'language.default' => 'en',
  'language.available' => ['en'],
  'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],
  'metadata.sources' => [['type' => 'flatfile', 'directory' => ${d('metadata')}]],
  'metadata.sign.enable' => false,
];
`);
  }

  private async writeAuthSources(): Promise<void> {
    const entries = this.users.map((user) => {
      const attributes = Object.entries(user.attributes)
        .map(([name, values]) => `${php(name)} => [${values.map(php).join(', ')}]`)
        .join(', ');
      return `    ${php(`${user.login}:${user.password}`)} => [${attributes}],`;
    });
    await writeFile(path.join(this.dir, 'config', 'authsources.php'), `<?php
$config = [
  'admin' => ['core:AdminPassword'],
  'example-userpass' => [
    'exampleauth:UserPass',
${entries.join('\n')}
  ],
];
`);
  }

  /** Registers the SP (our cert-idp) at the IdP, optionally encrypting assertions to it. */
  async registerSp(sp: SpRegistration): Promise<void> {
    await writeFile(path.join(this.dir, 'metadata', 'saml20-sp-remote.php'), `<?php
$metadata[${php(sp.entityId)}] = [
  'AssertionConsumerService' => [['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', 'Location' => ${php(sp.acs)}]],
  'certData' => ${php(certBody(sp.encryptionCert))},
  'assertion.encryption' => ${sp.encrypt ? 'true' : 'false'},
  'sharedkey_algorithm' => 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
  // The SP signs its AuthnRequests (HTTP-Redirect binding); the IdP accepts only validly signed ones.
  'validate.authnrequest' => true,
  'saml20.sign.assertion' => true,
  'saml20.sign.response' => false,
];
`);
  }

  /**
   * Signs the user in at the IdP itself (its own test page, no SP involved), so that the next
   * AuthnRequest is answered from the IdP's session, where its access policy (authproc) applies and
   * a refusal becomes a SAML error response.
   */
  async signIn(browser: HttpBrowser, user: SamlUser): Promise<void> {
    const form = await browser.get(`${this.url}/module.php/core/authenticate.php?as=example-userpass`);
    await browser.submit(form, '?', { username: user.login, password: user.password });
  }

  /** The IdP's SAML metadata as a Shibboleth IdP publishes it (signing key, SSO endpoint, shibmd:Scope). */
  idpMetadata(options: { scope?: string; id?: string } = {}): string {
    return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" entityID="${IDP_ENTITY_ID}"${options.id ? ` ID="${options.id}"` : ''}>
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:Extensions><shibmd:Scope regexp="false">${options.scope ?? IDP_SCOPE}</shibmd:Scope></md:Extensions>
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(this.idpKeys.cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${this.url}/saml2/idp/SSOService.php"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
  }

  /** A federation aggregate holding the IdP, signed with the federation's key (as GakuNin's is). */
  signedAggregate(options: { scope?: string; validUntil?: Date } = {}): string {
    const entity = this.idpMetadata({ scope: options.scope }).replace(/^<md:EntityDescriptor[^>]*>/, (open) => open.replace(/ xmlns:\w+="[^"]*"/g, ''));
    const validUntil = (options.validUntil ?? new Date(Date.now() + 7 * 86400_000)).toISOString();
    const xml = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" ID="_fed${Date.now()}" Name="https://test-federation.example/" validUntil="${validUntil}">${entity}</md:EntitiesDescriptor>`;
    return signEnveloped(xml, "/*[local-name(.)='EntitiesDescriptor']", this.federationKeys.key, "/*[local-name(.)='EntitiesDescriptor']/*[1]");
  }

  private async launch(): Promise<void> {
    const log: string[] = [];
    // opcache would keep a rewritten metadata file for up to 2 s: re-read it at every request.
    const child = spawn('php', ['-d', 'opcache.revalidate_freq=0', '-S', `${IDP_HOST}:${this.port}`, '-t', path.join(SIMPLESAMLPHP, 'www')], {
      env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: path.join(this.dir, 'config') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    this.process = child;
    for (let i = 0; i < 100; i += 1) {
      if (child.exitCode !== null) throw new Error(`php -S exited: ${log.join('')}`);
      if (await listening(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`php -S did not listen: ${log.join('')}`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, IDP_HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An enveloped XML signature (RSA-SHA256, exclusive c14n) over the element `xpath`, placed first inside it (or before `before`). */
export function signEnveloped(xml: string, xpath: string, privateKey: string, before?: string): string {
  const signer = new SignedXml({ privateKey, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
  signer.addReference({
    xpath,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signer.computeSignature(xml, { prefix: 'ds', location: before ? { reference: before, action: 'before' } : { reference: xpath, action: 'prepend' } });
  return signer.getSignedXml();
}
