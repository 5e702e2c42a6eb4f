// The configuration's types. What the YAML file holds is derived from its ajv schema (schema.ts) so the
// two cannot drift: a key added, removed, made optional or given other values there changes the types
// here, and the code that reads it stops compiling where it no longer fits. The keys are documented in
// schema.ts. Only what the file does not hold (the environment, what loading resolves) is written out.
import type { FromSchema } from 'json-schema-to-ts';
import type { configSchema } from './schema.js';

/** The configuration file as validated against the schema (no defaults applied, secrets still named). */
export interface ConfigFile extends FromSchema<typeof configSchema> {}

// The parts other modules name. Interfaces (not aliases) so that messages and hovers show the name;
// an interface cannot extend an indexed access type directly, hence Part<>.
type Part<T extends object> = T;

export interface Localized extends Part<ConfigFile['branding']['universityName']> {}
export interface LocalizedList extends Part<ConfigFile['branding']['studentLoginNotes']> {}
export type Lang = keyof Localized & string;

export interface PasswordPolicy extends Part<ConfigFile['passwordPolicy']['secondPassword']> {}
export interface ThrottleRule extends Part<ConfigFile['throttle']['perAccount']> {}
export interface ClientConfig extends Part<ConfigFile['clients'][number]> {}

/** The graduate service; absent = the university offers sign-in to current students only. */
export interface GraduatesConfig extends NonNullable<ConfigFile['graduates']> {}
export type OptionalApplicationField = GraduatesConfig['optionalFields'][number];
/** G6 個人情報設定・変更: a group whose change may wait for staff approval (graduates.personalDataReview). */
export type PersonalDataGroup = NonNullable<GraduatesConfig['personalDataReview']>[number];

export interface DirectoryConfig extends Part<ConfigFile['directory']> {}
/** The university LDAP directory: search-then-bind (`search`) or direct bind (`directBind`). */
export interface LdapDirectoryConfig extends NonNullable<DirectoryConfig['ldap']> {}
/** The university's OpenID Connect IdP (the student signs in there, then gives the second password here). */
export interface OidcDirectoryConfig extends NonNullable<DirectoryConfig['oidc']> {}
/** The university's SAML 2.0 IdP (Shibboleth, GakuNin): the student signs in there, then gives the second password here. */
export interface SamlDirectoryConfig extends NonNullable<DirectoryConfig['saml']> {}
/** Which SAML attribute (a urn:oid: or a friendly name) gives each item of a student's record. */
export interface SamlAttributeMapping extends Part<SamlDirectoryConfig['attributes']> {}

/** What the SAML adapter reads from files at start (PEM; never logged). */
export interface SamlCredentials {
  signingKey: string;
  signingCert: string;
  encryptionKey: string;
  encryptionCert: string;
  /** The federation's metadata-signing certificate (PEM), when the metadata must be verified. */
  metadataSigningCert?: string;
  /** The metadata file resolved against the configuration's folder (idp.metadataFile). */
  metadataFile?: string;
}

/** Which directory attribute (LDAP) or claim (OpenID Connect) gives each item of a student's record. */
export interface AttributeMapping extends Part<LdapDirectoryConfig['attributes']> {}

/** 郵便番号検索: the imported table first, then (optionally) an HTTP service for codes it lacks. */
export interface PostalCodesConfig extends NonNullable<ConfigFile['postalCodes']> {}

/** What differs per deployment comes from the environment (DESIGN §6). */
export interface Environment {
  production: boolean;
  port: number;
  issuer: string;
  databaseUrl?: string;
  smtpUrl?: string;
  configFile: string;
  dataDir: string;
  signingKeys?: string;
  cookieKeys?: string[];
  /** DOCUMENT_KEYS / DOCUMENT_KEYS_FILE: base64 AES-256 keys for identity documents, the first encrypts. */
  documentKeys?: string[];
  trustProxy: boolean;
  /** METRICS_PORT: /metrics on its own port (absent: on the main port). */
  metricsPort?: number;
  /** SHUTDOWN_TIMEOUT_SECONDS: how long SIGTERM waits for the requests under way (default 25). */
  shutdownTimeoutSeconds?: number;
  /**
   * SHUTDOWN_DRAIN_SECONDS: on SIGTERM, how long /readyz answers unready while requests are still served,
   * so that load balancers take the instance out before the listener closes (default 5 in production, else 0).
   */
  shutdownDrainSeconds?: number;
}

/** The loaded configuration: the file's, with the environment merged in and the secrets read. */
export interface AppConfig extends ConfigFile {
  env: Environment;
  /** The issuer with no trailing slash; every absolute URL the product builds starts with it. */
  issuer: string;
  /** The directory file path resolved against the configuration file's folder. */
  directoryFilePath?: string;
  /** The directory adapter's secret (LDAP bind password or OIDC client secret), read from the environment or a file. */
  directorySecret?: string;
  /** The SAML adapter's keys and certificates, read from their files (directory.adapter: saml). */
  samlCredentials?: SamlCredentials;
}
