import { X509Certificate } from 'node:crypto';
import { lazyModule } from '../lazy-module.js';

// SAML metadata of the university's IdP: its own file, or a federation's aggregate (GakuNin) whose
// signature is checked with the federation's metadata-signing certificate. Only the signed bytes are
// read after the check (as node-saml does for assertions), so nothing outside the signature counts.

/** The XML libraries only where the SAML adapter is configured (DESIGN §7: memory). */
const xmldom = lazyModule<typeof import('@xmldom/xmldom')>('@xmldom/xmldom');
const xmlCrypto = lazyModule<typeof import('xml-crypto')>('xml-crypto');
const xpath = lazyModule<typeof import('xpath')>('xpath');

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const SHIBMD = 'urn:mace:shibboleth:metadata:1.0';
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** What this service needs of the IdP: where to send the student, which keys sign, which scopes it may assert. */
export interface IdpDescriptor {
  entityId: string;
  ssoRedirectUrl: string;
  /** PEM certificates of the IdP's signing keys. */
  signingCerts: string[];
  /** shibmd:Scope values: a literal domain, or an anchored regular expression. */
  scopes: Array<{ value: string; regexp: boolean }>;
  /** The metadata's validUntil, if it has one. */
  validUntil?: Date;
}

export class MetadataError extends Error {}

function parse(xml: string): Document {
  const errors: string[] = [];
  const document = new (xmldom().DOMParser)({
    errorHandler: { warning: () => {}, error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) },
  }).parseFromString(xml, 'text/xml');
  if (errors.length || !document?.documentElement) throw new MetadataError('the metadata is not well-formed XML');
  return document as unknown as Document;
}

function elements(expression: string, node: Node): Element[] {
  const select = xpath().useNamespaces({ md: MD, ds: DSIG, shibmd: SHIBMD });
  return (select(expression, node) as Node[]).filter((n): n is Element => n.nodeType === 1);
}

function pem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * The bytes the federation signed, or a MetadataError. The signature must be the root element's own,
 * enveloped, with exactly one reference to the root (GakuNin signs the whole aggregate).
 */
export function verifiedMetadata(xml: string, signingCertPem: string): string {
  const document = parse(xml);
  const root = document.documentElement;
  const signatures = elements('./ds:Signature', root);
  if (signatures.length !== 1) throw new MetadataError('the metadata is not signed');
  const signed = new (xmlCrypto().SignedXml)({ publicCert: signingCertPem, getCertFromKeyInfo: () => null });
  signed.loadSignature(signatures[0]!);
  const references = signed.getReferences();
  const id = root.getAttribute('ID');
  if (references.length !== 1) throw new MetadataError('the metadata signature must have one reference');
  const uri = references[0]!.uri ?? '';
  if (!(uri === '' || (id && uri === `#${id}`))) throw new MetadataError('the metadata signature does not cover the whole document');
  let valid = false;
  try {
    valid = signed.checkSignature(xml);
  } catch {
    valid = false;
  }
  const bytes = valid ? signed.getSignedReferences() : [];
  if (bytes.length !== 1) throw new MetadataError('the metadata signature does not verify with the metadata-signing certificate');
  return bytes[0]!;
}

/** Picks the IdP by its entityID from an EntityDescriptor or an EntitiesDescriptor (already verified if signed). */
export function idpFromMetadata(xml: string, entityId: string, now = new Date()): IdpDescriptor {
  const document = parse(xml);
  const root = document.documentElement;
  const validUntilText = root.getAttribute('validUntil');
  const validUntil = validUntilText ? new Date(validUntilText) : undefined;
  if (validUntil && (Number.isNaN(validUntil.getTime()) || validUntil.getTime() <= now.getTime())) {
    throw new MetadataError('the metadata has expired (validUntil)');
  }
  const entity = elements('descendant-or-self::md:EntityDescriptor', root).find((e) => e.getAttribute('entityID') === entityId);
  if (!entity) throw new MetadataError(`no EntityDescriptor for ${entityId} in the metadata`);
  const idp = elements('./md:IDPSSODescriptor', entity)
    .find((d) => (d.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes('urn:oasis:names:tc:SAML:2.0:protocol'));
  if (!idp) throw new MetadataError(`${entityId} has no SAML 2.0 IDPSSODescriptor`);
  const sso = elements('./md:SingleSignOnService', idp).find((s) => s.getAttribute('Binding') === REDIRECT_BINDING);
  const location = sso?.getAttribute('Location') ?? '';
  if (!/^https?:\/\//.test(location)) throw new MetadataError(`${entityId} has no HTTP-Redirect SingleSignOnService`);
  const signingCerts = elements('./md:KeyDescriptor', idp)
    .filter((k) => !k.getAttribute('use') || k.getAttribute('use') === 'signing')
    .flatMap((k) => elements('./ds:KeyInfo/ds:X509Data/ds:X509Certificate', k))
    .map((c) => pem(c.textContent ?? ''))
    .filter((certificate) => {
      try {
        new X509Certificate(certificate);
        return true;
      } catch {
        return false;
      }
    });
  if (!signingCerts.length) throw new MetadataError(`${entityId} has no signing certificate`);
  const scopes = elements('./md:Extensions/shibmd:Scope', idp)
    .map((s) => ({ value: (s.textContent ?? '').trim(), regexp: s.getAttribute('regexp') === 'true' }))
    .filter((s) => s.value.length > 0);
  return { entityId, ssoRedirectUrl: location, signingCerts, scopes, validUntil };
}

/** Whether `scope` (the part after @ of a scoped attribute) is one the IdP's metadata allows. */
export function scopeAllowed(idp: Pick<IdpDescriptor, 'scopes'>, scope: string): boolean {
  return idp.scopes.some((s) => {
    if (!s.regexp) return s.value.toLowerCase() === scope.toLowerCase();
    try {
      return new RegExp(`^(?:${s.value})$`, 'i').test(scope);
    } catch {
      return false;
    }
  });
}

/** The IdP out of a metadata document: its signature checked first when a signing certificate is given. */
export function readIdpMetadata(xml: string, entityId: string, signingCertPem: string | undefined, now = new Date()): IdpDescriptor {
  return idpFromMetadata(signingCertPem ? verifiedMetadata(xml, signingCertPem) : xml, entityId, now);
}
