import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';
import type { DirectoryConfig, LdapDirectoryConfig, OidcDirectoryConfig } from './types.js';

export const LDAP_DEFAULTS = { connectTimeoutMs: 5000, timeoutMs: 5000, poolSize: 5, scope: 'sub' } as const;
export const OIDC_DEFAULTS = { scope: 'openid profile', timeoutMs: 5000, userinfo: false } as const;

export interface ResolvedDirectory {
  directory: DirectoryConfig;
  /** The LDAP bind password or the OIDC client secret (never logged, never in the file). */
  secret?: string;
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
  }
}
