import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MetadataError, readIdpMetadata } from '../directory/saml-metadata.js';
import { ConfigError } from './errors.js';
import type { DirectoryConfig, LdapDirectoryConfig, OidcDirectoryConfig, SamlCredentials, SamlDirectoryConfig } from './types.js';

export const LDAP_DEFAULTS = { connectTimeoutMs: 5000, timeoutMs: 5000, poolSize: 5, scope: 'sub' } as const;
export const OIDC_DEFAULTS = { scope: 'openid profile', timeoutMs: 5000, userinfo: false } as const;

export const SAML_DEFAULTS = { clockSkewSeconds: 60, timeoutMs: 5000, refreshMinutes: 60, enrolledValues: ['student'] } as const;

/**
 * GakuNin's attributes by default (friendly names; the adapter also accepts their urn:oid: names):
 * eduPersonPrincipalName as the key, jasn/jaGivenName (or jaDisplayName) in kanji, sn/givenName in
 * romaji, eduPersonAffiliation for the status. The student number, faculty and department have no
 * federation-wide attribute: the configuration names them.
 */
export const SAML_DEFAULT_ATTRIBUTES = {
  userId: 'eduPersonPrincipalName',
  familyName: 'jasn',
  givenName: 'jaGivenName',
  displayName: 'jaDisplayName',
  familyNameLatin: 'sn',
  givenNameLatin: 'givenName',
  status: 'eduPersonAffiliation',
} as const;

export interface ResolvedDirectory {
  directory: DirectoryConfig;
  /** The LDAP bind password or the OIDC client secret (never logged, never in the file). */
  secret?: string;
  /** The SAML adapter's keys and certificates. */
  saml?: SamlCredentials;
  /** What production refuses (the caller adds them to its own list). */
  productionRefusals: string[];
}

/** A secret named by an environment variable or a (mounted) file; `key` names the setting in errors. */
function readSecret(key: string, env: NodeJS.ProcessEnv, configDir: string, source: { env?: string; file?: string }): string | undefined {
  if (source.env && source.file) throw new ConfigError(`${key}Env / ${key}File: give one of them, not both`);
  if (source.env) {
    const value = env[source.env];
    if (!value) throw new ConfigError(`${key}Env: environment variable ${source.env} is not set`);
    return value;
  }
  if (source.file) {
    const file = path.resolve(configDir, source.file);
    let value: string;
    try {
      value = readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(`${key}File: cannot read ${file}`);
    }
    // A mounted secret usually ends with a newline that is not part of it.
    value = value.replace(/\r?\n$/, '');
    if (!value) throw new ConfigError(`${key}File: ${file} is empty`);
    return value;
  }
  return undefined;
}

function readable(key: string, configDir: string, file: string): string {
  const resolved = path.resolve(configDir, file);
  try {
    readFileSync(resolved);
  } catch {
    throw new ConfigError(`${key}: cannot read ${resolved}`);
  }
  return resolved;
}

function resolveLdap(ldap: LdapDirectoryConfig, env: NodeJS.ProcessEnv, configDir: string): { ldap: LdapDirectoryConfig; secret?: string; refusals: string[] } {
  const key = 'directory.ldap';
  if (!ldap.search === !ldap.directBind) throw new ConfigError(`${key}: give either search (search-then-bind) or directBind, not both or neither`);
  const secure = ldap.url.startsWith('ldaps://');
  if (secure && ldap.startTls) throw new ConfigError(`${key}.startTls: not with an ldaps:// url (the connection is already TLS)`);
  if (ldap.caFile && !secure && !ldap.startTls) throw new ConfigError(`${key}.caFile: only used with ldaps:// or startTls: true`);
  let secret: string | undefined;
  if (ldap.search) {
    const { bindDn, bindPasswordEnv, bindPasswordFile } = ldap.search;
    if (bindDn && !bindPasswordEnv && !bindPasswordFile) throw new ConfigError(`${key}.search.bindPasswordEnv: bindDn needs bindPasswordEnv or bindPasswordFile`);
    if (!bindDn && (bindPasswordEnv || bindPasswordFile)) throw new ConfigError(`${key}.search.bindDn: a bind password is given without bindDn`);
    secret = readSecret(`${key}.search.bindPassword`, env, configDir, { env: bindPasswordEnv, file: bindPasswordFile });
  }
  const refusals: string[] = [];
  if (!secure && !ldap.startTls && !ldap.allowPlaintext) {
    refusals.push(`${key}.url: ldap:// without startTls sends university passwords in the clear; use ldaps://, startTls: true, or allowPlaintext: true for a directory on a trusted link`);
  }
  return {
    ldap: {
      ...ldap,
      caFile: ldap.caFile ? readable(`${key}.caFile`, configDir, ldap.caFile) : undefined,
      connectTimeoutMs: ldap.connectTimeoutMs ?? LDAP_DEFAULTS.connectTimeoutMs,
      timeoutMs: ldap.timeoutMs ?? LDAP_DEFAULTS.timeoutMs,
      poolSize: ldap.poolSize ?? LDAP_DEFAULTS.poolSize,
      search: ldap.search ? { ...ldap.search, scope: ldap.search.scope ?? LDAP_DEFAULTS.scope } : undefined,
    },
    secret,
    refusals,
  };
}

function resolveOidc(oidc: OidcDirectoryConfig, env: NodeJS.ProcessEnv, configDir: string): { oidc: OidcDirectoryConfig; secret?: string; refusals: string[] } {
  const key = 'directory.oidc';
  const secret = readSecret(`${key}.clientSecret`, env, configDir, { env: oidc.clientSecretEnv, file: oidc.clientSecretFile });
  const method = oidc.tokenEndpointAuthMethod ?? (secret ? 'client_secret_basic' : 'none');
  if (method !== 'none' && !secret) throw new ConfigError(`${key}.clientSecretEnv: ${method} needs clientSecretEnv or clientSecretFile`);
  if (method === 'none' && secret) throw new ConfigError(`${key}.tokenEndpointAuthMethod: "none" with a client secret; remove the secret or choose client_secret_basic`);
  const refusals = oidc.issuer.startsWith('https://') ? [] : [`${key}.issuer: must be an https:// URL in production`];
  return {
    oidc: {
      ...oidc,
      issuer: oidc.issuer,
      tokenEndpointAuthMethod: method,
      scope: oidc.scope ?? OIDC_DEFAULTS.scope,
      timeoutMs: oidc.timeoutMs ?? OIDC_DEFAULTS.timeoutMs,
      userinfo: oidc.userinfo ?? OIDC_DEFAULTS.userinfo,
    },
    secret,
    refusals,
  };
}

/** A PEM file that must hold a certificate or a private key; `key` names the setting in errors. */
function readPem(key: string, configDir: string, file: string, kind: 'certificate' | 'private key'): string {
  const resolved = path.resolve(configDir, file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch {
    throw new ConfigError(`${key}: cannot read ${resolved}`);
  }
  try {
    if (kind === 'certificate') new X509Certificate(text);
    else createPrivateKey(text);
  } catch {
    throw new ConfigError(`${key}: ${resolved} does not hold a PEM ${kind}`);
  }
  return text;
}

function resolveSaml(saml: SamlDirectoryConfig, configDir: string): { saml: SamlDirectoryConfig; credentials: SamlCredentials; refusals: string[] } {
  const key = 'directory.saml';
  const { idp } = saml;
  if (!idp.metadataFile === !idp.metadataUrl) throw new ConfigError(`${key}.idp: give either metadataFile or metadataUrl, not both or neither`);
  if (idp.metadataUrl && !idp.metadataSigningCertFile) {
    throw new ConfigError(`${key}.idp.metadataSigningCertFile: required with metadataUrl (metadata fetched over the network is used only once its signature verifies)`);
  }
  if (!saml.encryptionKeyFile !== !saml.encryptionCertFile) throw new ConfigError(`${key}.encryptionKeyFile / encryptionCertFile: give both or neither`);
  const signingKey = readPem(`${key}.signingKeyFile`, configDir, saml.signingKeyFile, 'private key');
  const signingCert = readPem(`${key}.signingCertFile`, configDir, saml.signingCertFile, 'certificate');
  const credentials: SamlCredentials = {
    signingKey,
    signingCert,
    encryptionKey: saml.encryptionKeyFile ? readPem(`${key}.encryptionKeyFile`, configDir, saml.encryptionKeyFile, 'private key') : signingKey,
    encryptionCert: saml.encryptionCertFile ? readPem(`${key}.encryptionCertFile`, configDir, saml.encryptionCertFile, 'certificate') : signingCert,
    metadataSigningCert: idp.metadataSigningCertFile
      ? readPem(`${key}.idp.metadataSigningCertFile`, configDir, idp.metadataSigningCertFile, 'certificate')
      : undefined,
  };
  if (idp.metadataFile) {
    // A file is read and checked now: a missing, unreadable, unverifiable file or one without the IdP stops the start.
    const file = path.resolve(configDir, idp.metadataFile);
    let xml: string;
    try {
      xml = readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(`${key}.idp.metadataFile: cannot read ${file}`);
    }
    try {
      readIdpMetadata(xml, idp.entityId, credentials.metadataSigningCert);
    } catch (error) {
      if (error instanceof MetadataError) throw new ConfigError(`${key}.idp.metadataFile: ${error.message}`);
      throw error;
    }
    credentials.metadataFile = file;
  }
  const refusals = idp.metadataUrl && !idp.metadataUrl.startsWith('https://')
    ? [`${key}.idp.metadataUrl: must be an https:// URL in production`]
    : [];
  return {
    saml: {
      ...saml,
      attributes: { ...SAML_DEFAULT_ATTRIBUTES, ...saml.attributes },
      enrolledValues: saml.enrolledValues ?? [...SAML_DEFAULTS.enrolledValues],
      clockSkewSeconds: saml.clockSkewSeconds ?? SAML_DEFAULTS.clockSkewSeconds,
      timeoutMs: saml.timeoutMs ?? SAML_DEFAULTS.timeoutMs,
      idp: { ...idp, refreshMinutes: idp.refreshMinutes ?? SAML_DEFAULTS.refreshMinutes },
    },
    credentials,
    refusals,
  };
}

/**
 * Checks what the schema cannot (which sections go together, readable files, present secrets),
 * applies the defaults, and reads the adapter's secret.
 */
export function resolveDirectoryConfig(directory: DirectoryConfig, env: NodeJS.ProcessEnv, configDir: string): ResolvedDirectory {
  switch (directory.adapter) {
    case 'file':
      if (!directory.file) throw new ConfigError('directory.file: is required when directory.adapter is "file"');
      return { directory, productionRefusals: [] };
    case 'ldap': {
      if (!directory.ldap) throw new ConfigError('directory.ldap: is required when directory.adapter is "ldap"');
      const { ldap, secret, refusals } = resolveLdap(directory.ldap, env, configDir);
      return { directory: { ...directory, ldap }, secret, productionRefusals: refusals };
    }
    case 'oidc': {
      if (!directory.oidc) throw new ConfigError('directory.oidc: is required when directory.adapter is "oidc"');
      const { oidc, secret, refusals } = resolveOidc(directory.oidc, env, configDir);
      return { directory: { ...directory, oidc }, secret, productionRefusals: refusals };
    }
    case 'saml': {
      if (!directory.saml) throw new ConfigError('directory.saml: is required when directory.adapter is "saml"');
      const { saml, credentials, refusals } = resolveSaml(directory.saml, configDir);
      return { directory: { ...directory, saml }, saml: credentials, productionRefusals: refusals };
    }
  }
}
