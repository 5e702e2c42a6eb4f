import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CacheProvider, Profile, SAML } from '@node-saml/node-saml';
import { LessThan } from 'typeorm';
import type { AttributeMapping, SamlCredentials, SamlDirectoryConfig } from '../config/types.js';
import type { Database } from '../db/data-source.js';
import { isDuplicateKey } from '../db/errors.js';
import { lazyModule } from '../lazy-module.js';
import { logger } from '../logger.js';
import { freshEnough, type FederatedLoginStart, type FederationAnswer, type FederationChecks, type RedirectDirectory } from './directory.js';
import { mapPerson } from './mapping.js';
import { readIdpMetadata, scopeAllowed, type IdpDescriptor } from './saml-metadata.js';

/** node-saml and its XML libraries only where the SAML adapter is configured (DESIGN §7: memory). */
const nodeSaml = lazyModule<typeof import('@node-saml/node-saml')>('@node-saml/node-saml');

// Federation with the university's SAML 2.0 IdP (Web Browser SSO: AuthnRequest by HTTP-Redirect,
// Response by HTTP-POST to the AssertionConsumerService). node-saml checks the signature and reads only
// the signed assertion; this adapter adds what it leaves to the service provider: the IdP's issuer, the
// bearer confirmation's Recipient and InResponseTo, the assertion's first use across replicas, and the
// scope of scoped attributes against the IdP's metadata.

/** The SP's fixed endpoints (src/students/federation/routes.ts serves them). */
export const SAML_ACS_PATH = '/saml/acs';
export const SAML_METADATA_PATH = '/saml/metadata';

const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';

/** Friendly names and their OIDs (eduPerson, inetOrgPerson, GakuNin's ja* attributes), in both directions. */
const ATTRIBUTE_OIDS: Record<string, string> = {
  eduPersonPrincipalName: '1.3.6.1.4.1.5923.1.1.1.6',
  eduPersonAffiliation: '1.3.6.1.4.1.5923.1.1.1.1',
  eduPersonScopedAffiliation: '1.3.6.1.4.1.5923.1.1.1.9',
  eduPersonPrimaryAffiliation: '1.3.6.1.4.1.5923.1.1.1.5',
  mail: '0.9.2342.19200300.100.1.3',
  displayName: '2.16.840.1.113730.3.1.241',
  employeeNumber: '2.16.840.1.113730.3.1.3',
  sn: '2.5.4.4',
  givenName: '2.5.4.42',
  cn: '2.5.4.3',
  o: '2.5.4.10',
  ou: '2.5.4.11',
  uid: '0.9.2342.19200300.100.1.1',
  jasn: '1.3.6.1.4.1.32264.1.1.1',
  jaGivenName: '1.3.6.1.4.1.32264.1.1.2',
  jaDisplayName: '1.3.6.1.4.1.32264.1.1.3',
  jao: '1.3.6.1.4.1.32264.1.1.4',
  jaou: '1.3.6.1.4.1.32264.1.1.5',
};
const FRIENDLY_NAMES = Object.fromEntries(Object.entries(ATTRIBUTE_OIDS).map(([name, oid]) => [oid, name]));

/** Every spelling under which an attribute may arrive: urn:oid:, the friendly name, the old urn:mace: name. */
export function attributeAliases(name: string): string[] {
  const oid = name.startsWith('urn:oid:') ? name.slice(8) : ATTRIBUTE_OIDS[name];
  const friendly = oid ? FRIENDLY_NAMES[oid] : name.startsWith('urn:mace:dir:attribute-def:') ? name.slice(27) : name;
  const aliases = new Set([name]);
  if (oid) aliases.add(`urn:oid:${oid}`);
  if (friendly) {
    aliases.add(friendly);
    aliases.add(`urn:mace:dir:attribute-def:${friendly}`);
  }
  return [...aliases];
}

type XmlNode = { _?: string; $?: Record<string, string>; [child: string]: unknown };
const children = (node: unknown, name: string): XmlNode[] => {
  const value = (node as Record<string, unknown> | undefined)?.[name];
  return Array.isArray(value) ? value as XmlNode[] : [];
};
const text = (node: XmlNode | string | undefined): string => (typeof node === 'string' ? node : node?._ ?? '').trim();

/** The attributes of the signed assertion, by every name they arrive under (Name and FriendlyName). */
export function assertionAttributes(assertion: unknown): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const statement of children(assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, 'Attribute')) {
      const values = children(attribute, 'AttributeValue').map(text).filter((v) => v.length > 0);
      for (const name of [attribute.$?.Name, attribute.$?.FriendlyName]) {
        if (!name) continue;
        byName.set(name, [...(byName.get(name) ?? []), ...values]);
      }
    }
  }
  return byName;
}

/** A short, log- and audit-safe token of what went wrong (never the IdP's free text). */
type Failure = { outcome: 'denied'; reason: string } | { outcome: 'failed'; reason: string };

/** Sorts node-saml's errors into the pages and audit reasons of a federated login. */
export function classifySamlError(error: unknown): Failure {
  if (error instanceof nodeSaml().SamlStatusError) {
    const codes = [...error.xmlStatus.matchAll(/urn:oasis:names:tc:SAML:2\.0:status:([A-Za-z]{1,40})/g)].map((m) => m[1]!);
    return { outcome: 'denied', reason: `status:${codes.at(-1) ?? 'unknown'}` };
  }
  const message = (error as Error | undefined)?.message ?? '';
  if (/NoPassive/.test(message)) return { outcome: 'denied', reason: 'status:NoPassive' };
  if (/InResponseTo/i.test(message)) return { outcome: 'failed', reason: 'in_response_to' };
  if (/not yet valid/i.test(message)) return { outcome: 'failed', reason: 'not_yet_valid' };
  if (/expired|No valid subject confirmation/i.test(message)) return { outcome: 'failed', reason: 'expired' };
  if (/audience/i.test(message)) return { outcome: 'failed', reason: 'audience' };
  if (/signature|signed|multiple assertions/i.test(message)) return { outcome: 'failed', reason: 'signature' };
  if (/decrypt|EncryptedAssertion/i.test(message)) return { outcome: 'failed', reason: 'decryption' };
  return { outcome: 'failed', reason: 'invalid_response' };
}

/** The AuthnRequest's ID, from the login's nonce (an XML ID must not start with a digit). */
export function requestIdOf(checks: Pick<FederationChecks, 'nonce'>): string {
  return `_${checks.nonce}`;
}

/**
 * node-saml asks its cache whether a response's InResponseTo was issued: here it is exactly the
 * request of this login (kept with the login in the database, so any replica can answer).
 */
function thisRequestOnly(requestId: string): CacheProvider {
  return {
    saveAsync: async (_key, value) => ({ value, createdAt: Date.now() }),
    getAsync: async (key) => (key === requestId ? new Date().toISOString() : null),
    removeAsync: async (key) => key,
  };
}

export class SamlDirectory implements RedirectDirectory {
  readonly kind = 'redirect' as const;
  readonly protocol = 'saml' as const;
  /** The AssertionConsumerService (HTTP-POST). */
  readonly redirectUri: string;
  readonly entityId: string;
  readonly metadataUrl: string;
  private idp: IdpDescriptor | undefined;
  /** What identifies the copy `idp` was read from: its digest and the server's cache validators. */
  private verified: { digest: string; etag?: string; lastModified?: string } | undefined;
  private loading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: SamlDirectoryConfig,
    private readonly credentials: SamlCredentials,
    private readonly university: string,
    ourIssuer: string,
    private readonly database: Database,
  ) {
    this.redirectUri = `${ourIssuer}${SAML_ACS_PATH}`;
    this.metadataUrl = `${ourIssuer}${SAML_METADATA_PATH}`;
    this.entityId = settings.entityId ?? this.metadataUrl;
    // Fetched at start and refreshed periodically; a failed fetch keeps the last verified copy and never
    // stops the service (the login page says "unavailable" until a copy is there).
    void this.refresh();
    const minutes = settings.idp.refreshMinutes ?? 60;
    this.timer = setInterval(() => void this.refresh(), minutes * 60_000);
    this.timer.unref();
  }

  /** Reads the metadata again (file or URL); a copy that does not verify is refused and the last one kept. */
  refresh(): Promise<void> {
    if (!this.loading) {
      this.loading = this.load().finally(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  /** The IdP as the last verified metadata describes it (for tests and the SP metadata page). */
  get currentIdp(): IdpDescriptor | undefined {
    return this.idp;
  }

  private async load(): Promise<void> {
    const { idp } = this.settings;
    const source = idp.metadataUrl ? 'url' : 'file';
    let xml: string;
    let validators: { etag?: string; lastModified?: string } = {};
    try {
      if (idp.metadataUrl) {
        // A federation aggregate is large and changes rarely: ask whether it changed since the copy
        // that verified (ETag / Last-Modified), so that an unchanged one is neither sent nor parsed again.
        const headers: Record<string, string> = {};
        if (this.idp && this.verified?.etag) headers['if-none-match'] = this.verified.etag;
        if (this.idp && this.verified?.lastModified) headers['if-modified-since'] = this.verified.lastModified;
        const response = await fetch(idp.metadataUrl, { headers, signal: AbortSignal.timeout(this.settings.timeoutMs ?? 5000), redirect: 'error' });
        if (response.status === 304 && this.idp) return;
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        xml = await response.text();
        validators = { etag: response.headers.get('etag') ?? undefined, lastModified: response.headers.get('last-modified') ?? undefined };
      } else {
        xml = await readFile(this.credentials.metadataFile!, 'utf8');
      }
    } catch (error) {
      logger.warn({ directory: 'saml', source, kept: Boolean(this.idp), err: { name: (error as Error)?.name, message: (error as Error)?.message } },
        'the IdP metadata could not be read; the last verified copy is kept');
      return;
    }
    const digest = createHash('sha256').update(xml).digest('hex');
    if (this.idp && digest === this.verified?.digest) return;
    try {
      this.idp = readIdpMetadata(xml, idp.entityId, this.credentials.metadataSigningCert);
      this.verified = { digest, ...validators };
      logger.info({ directory: 'saml', source, idp: idp.entityId, validUntil: this.idp.validUntil?.toISOString() }, 'the IdP metadata was read');
    } catch (error) {
      logger.error({ directory: 'saml', source, kept: Boolean(this.idp), err: { message: (error as Error)?.message } },
        'the IdP metadata was refused; the last verified copy is kept');
    }
  }

  private async currentOrLoad(): Promise<IdpDescriptor | undefined> {
    if (!this.idp || (this.idp.validUntil && this.idp.validUntil.getTime() <= Date.now())) await this.refresh();
    const idp = this.idp;
    if (idp?.validUntil && idp.validUntil.getTime() <= Date.now()) return undefined;
    return idp;
  }

  private client(idp: IdpDescriptor, requestId: string, forceAuthn: boolean): SAML {
    const { credentials } = this;
    return new (nodeSaml().SAML)({
      entryPoint: idp.ssoRedirectUrl,
      issuer: this.entityId,
      audience: this.entityId,
      callbackUrl: this.redirectUri,
      idpCert: idp.signingCerts,
      idpIssuer: idp.entityId,
      privateKey: credentials.signingKey,
      signatureAlgorithm: 'sha256',
      decryptionPvk: credentials.encryptionKey,
      // Shibboleth and SimpleSAMLphp sign the assertion, not always the response around it.
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: (this.settings.clockSkewSeconds ?? 60) * 1000,
      identifierFormat: TRANSIENT,
      // No RequestedAuthnContext: the IdP's own policy decides how the student signs in there.
      disableRequestedAuthnContext: true,
      forceAuthn,
      validateInResponseTo: nodeSaml().ValidateInResponseTo.always,
      cacheProvider: thisRequestOnly(requestId),
      generateUniqueId: () => requestId,
    });
  }

  /** The SP metadata to register with the federation (entityID, ACS, signing and encryption certificates). */
  serviceProviderMetadata(): string {
    const xml = nodeSaml().generateServiceProviderMetadata({
      issuer: this.entityId,
      callbackUrl: this.redirectUri,
      privateKey: this.credentials.signingKey,
      publicCerts: this.credentials.signingCert,
      decryptionPvk: this.credentials.encryptionKey,
      decryptionCert: this.credentials.encryptionCert,
      identifierFormat: TRANSIENT,
      wantAssertionsSigned: true,
      generateUniqueId: () => `_${createHash('sha256').update(this.entityId).digest('hex').slice(0, 32)}`,
    });
    // node-saml lists the content encryption algorithms it decrypts; the key transport it decrypts is
    // RSA-OAEP (MGF1, SHA-1) alone, so say so, or an IdP may pick one it cannot read (xmlenc11#rsa-oaep).
    return xml.replace(/<EncryptionMethod /, `<EncryptionMethod Algorithm="${RSA_OAEP_MGF1P}"/><EncryptionMethod `);
  }

  async authorizationUrl(checks: FederationChecks, options: FederatedLoginStart = {}): Promise<{ outcome: 'ok'; url: string } | { outcome: 'unavailable' }> {
    const idp = await this.currentOrLoad();
    if (!idp) return { outcome: 'unavailable' };
    // RelayState is the login's state: it names the interaction and is checked against the stored one.
    const url = await this.client(idp, requestIdOf(checks), options.forceFreshLogin === true).getAuthorizeUrlAsync(checks.state, undefined, {});
    return { outcome: 'ok', url };
  }

  async handleCallback(params: URLSearchParams, checks: FederationChecks): Promise<FederationAnswer> {
    const idp = await this.currentOrLoad();
    if (!idp) return { outcome: 'unavailable' };
    const samlResponse = params.get('SAMLResponse');
    if (!samlResponse) return { outcome: 'failed', reason: 'no_response' };
    const requestId = requestIdOf(checks);
    let profile: Profile | null;
    try {
      ({ profile } = await this.client(idp, requestId, false).validatePostResponseAsync({ SAMLResponse: samlResponse, RelayState: checks.state }));
    } catch (error) {
      const failure = classifySamlError(error);
      logger.warn({ directory: 'saml', stage: 'callback', outcome: failure.outcome, reason: failure.reason }, 'the university sign-in could not be completed');
      return failure;
    }
    if (!profile) return { outcome: 'denied', reason: 'status:NoPassive' };
    const assertion = (profile.getAssertion?.() as { Assertion?: XmlNode } | undefined)?.Assertion;
    const refused = (reason: string): FederationAnswer => {
      logger.warn({ directory: 'saml', stage: 'callback', outcome: 'failed', reason }, 'the university sign-in could not be completed');
      return { outcome: 'failed', reason };
    };
    if (!assertion) return refused('invalid_response');
    if (text(children(assertion, 'Issuer')[0]) !== idp.entityId) return refused('issuer');
    // The bearer confirmation (signed) must name this ACS and this login's request.
    const confirmations = children(children(assertion, 'Subject')[0], 'SubjectConfirmation')
      .filter((c) => c.$?.Method === BEARER)
      .flatMap((c) => children(c, 'SubjectConfirmationData'));
    if (!confirmations.some((data) => data.$?.Recipient === this.redirectUri)) return refused('recipient');
    if (!confirmations.some((data) => data.$?.InResponseTo === requestId)) return refused('in_response_to');
    const assertionId = assertion.$?.ID;
    if (!assertionId) return refused('invalid_response');
    // A re-authentication asked for ForceAuthn: the IdP's (signed) AuthnInstant must be no older than the
    // request, or an IdP that ignored ForceAuthn would pass its old session off as a fresh sign-in.
    if (checks.freshLoginSince !== undefined) {
      const instants = children(assertion, 'AuthnStatement').map((statement) => Date.parse(statement.$?.AuthnInstant ?? ''));
      const newest = instants.length > 0 ? Math.max(...instants) / 1000 : Number.NaN;
      if (!freshEnough(newest, checks.freshLoginSince)) return refused('stale_authentication');
    }
    const notOnOrAfter = [children(assertion, 'Conditions')[0]?.$?.NotOnOrAfter, ...confirmations.map((d) => d.$?.NotOnOrAfter)]
      .map((value) => (value ? Date.parse(value) : Number.NaN))
      .filter((value) => Number.isFinite(value));
    const expiresAt = new Date(Math.max(Date.now() + 3600_000, ...notOnOrAfter) + (this.settings.clockSkewSeconds ?? 60) * 1000);
    if (!(await firstUseOfAssertion(this.database, `${idp.entityId}\n${assertionId}`, expiresAt))) return refused('replayed');
    return this.person(assertionAttributes(assertion), idp);
  }

  /** The student's record out of the attributes, as the mapping names them. */
  private person(attributes: Map<string, string[]>, idp: IdpDescriptor): FederationAnswer {
    const mapping = this.settings.attributes;
    const valuesOf = (name: string | undefined): string[] => (name ? attributeAliases(name).flatMap((alias) => attributes.get(alias) ?? []) : []);

    // eduPersonPrincipalName is <id>@<scope>: the scope must be one the IdP's metadata lists, or an IdP
    // could assert the students of another university.
    const principal = valuesOf(mapping.userId)[0];
    const userScope = principal?.includes('@') ? principal.slice(principal.lastIndexOf('@') + 1) : undefined;
    if (principal && mapping.userId && attributeAliases(mapping.userId).includes('eduPersonPrincipalName')) {
      if (!userScope || !scopeAllowed(idp, userScope)) {
        logger.warn({ directory: 'saml', stage: 'callback', outcome: 'failed', reason: 'scope' }, 'the principal name has a scope the IdP may not assert');
        return { outcome: 'failed', reason: 'scope' };
      }
    }
    // Scoped affiliations ("student@example.ac.jp") count only with an allowed scope, then without it.
    // With the default status attribute (eduPersonAffiliation), an IdP that releases only
    // eduPersonScopedAffiliation is read as well.
    const statusNames = [mapping.status, ...(mapping.status && attributeAliases(mapping.status).includes('eduPersonAffiliation') ? ['eduPersonScopedAffiliation'] : [])];
    const statuses = statusNames.flatMap((name) => valuesOf(name)).flatMap((value) => {
      const at = value.lastIndexOf('@');
      if (at < 0) return [value];
      return scopeAllowed(idp, value.slice(at + 1)) ? [value.slice(0, at)] : [];
    });
    // jasn / jaGivenName, or else jaDisplayName split at its (half- or full-width) space.
    const [displayFamily, displayGiven] = (valuesOf(mapping.displayName)[0] ?? '').trim().split(/[\s\u3000]+/, 2);
    const values: Record<keyof AttributeMapping, string[]> = {
      userId: principal ? [principal] : [],
      studentNumber: valuesOf(mapping.studentNumber),
      familyName: valuesOf(mapping.familyName).length ? valuesOf(mapping.familyName) : displayGiven ? [displayFamily!] : [],
      givenName: valuesOf(mapping.givenName).length ? valuesOf(mapping.givenName) : displayGiven ? [displayGiven] : [],
      familyNameKana: valuesOf(mapping.familyNameKana),
      givenNameKana: valuesOf(mapping.givenNameKana),
      familyNameLatin: valuesOf(mapping.familyNameLatin),
      givenNameLatin: valuesOf(mapping.givenNameLatin),
      faculty: valuesOf(mapping.faculty),
      department: valuesOf(mapping.department),
      status: statuses,
    };
    const identity = Object.fromEntries(Object.keys(values).map((key) => [key, key])) as unknown as AttributeMapping;
    const mapped = mapPerson((key) => values[key as keyof AttributeMapping] ?? [], identity, {
      enrolledValues: this.settings.enrolledValues ?? ['student'],
      university: this.university,
    });
    if (mapped.outcome === 'invalid') {
      if (mapped.missing) logger.warn({ directory: 'saml', missing: mapped.missing }, 'the assertion lacks a mapped attribute; refused');
      return { outcome: 'invalid', reason: mapped.reason };
    }
    return mapped;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.loading;
  }
}

/**
 * Records an assertion as used, in the database that every replica shares: true the first time,
 * false for a replay. Expired records are dropped on the way.
 */
export async function firstUseOfAssertion(database: Database, key: string, expiresAt: Date): Promise<boolean> {
  const seen = database.dataSource.getRepository(database.entities.SamlAssertionSeen);
  await seen.delete({ expiresAt: LessThan(new Date()) });
  try {
    await seen.insert({ id: createHash('sha256').update(key).digest('hex'), expiresAt });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
