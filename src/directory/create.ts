import type { AppConfig } from '../config/types.js';
import type { PasswordHasher } from '../credentials/hashing.js';
import type { UniversityDirectory } from './directory.js';
import { FileDirectory } from './file-directory.js';
import { LdapDirectory } from './ldap-directory.js';
import { OidcDirectory } from './oidc-directory.js';
import { SamlDirectory } from './saml-directory.js';
import type { Database } from '../db/data-source.js';

/** The adapter the configuration names (`directory.adapter`). */
export function createDirectory(config: AppConfig, hasher: PasswordHasher, database: Database): UniversityDirectory {
  const university = config.branding.universityName.ja;
  switch (config.directory.adapter) {
    case 'file':
      if (!config.directoryFilePath) throw new Error('directory.file: no directory file configured');
      return new FileDirectory(config.directoryFilePath, hasher);
    case 'ldap': {
      if (!config.directory.ldap) throw new Error('directory.ldap: missing');
      const ldap = config.directory.ldap;
      return new LdapDirectory(ldap, config.directorySecret, ldap.university ?? university);
    }
    case 'oidc': {
      if (!config.directory.oidc) throw new Error('directory.oidc: missing');
      const oidc = config.directory.oidc;
      return new OidcDirectory({
        ...oidc,
        tokenEndpointAuthMethod: oidc.tokenEndpointAuthMethod ?? (config.directorySecret ? 'client_secret_basic' : 'none'),
      }, config.directorySecret, oidc.university ?? university, config.issuer);
    }
    case 'saml': {
      if (!config.directory.saml || !config.samlCredentials) throw new Error('directory.saml: missing');
      const saml = config.directory.saml;
      return new SamlDirectory(saml, config.samlCredentials, saml.university ?? university, config.issuer, database);
    }
  }
}
