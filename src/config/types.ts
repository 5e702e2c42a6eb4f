export type Lang = 'ja' | 'en';
export interface Localized { ja: string; en: string }
export interface LocalizedList { ja: string[]; en: string[] }

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireDigit: boolean;
  alphanumericOnly: boolean;
  rejectCommon: boolean;
}

export interface ThrottleRule { maxFailures: number; windowMinutes: number; lockMinutes: number }

export interface ClientConfig {
  client_id: string;
  client_name?: string;
  client_secret?: string;
  client_secret_env?: string;
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  jwks_uri?: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  backchannel_logout_uri?: string;
  initiate_login_uri?: string;
  grant_types?: Array<'authorization_code' | 'refresh_token'>;
  scope?: string;
  first_party?: boolean;
  may_introspect?: boolean;
}

export type OptionalApplicationField =
  | 'gender' | 'enrolledName' | 'facultyText' | 'studentNumber' | 'graduatedMonth'
  | 'homeAddress' | 'homePhone' | 'mobilePhone' | 'workplace';

/** The graduate service; absent = the university offers sign-in to current students only. */
export interface GraduatesConfig {
  terms: { version: string; text: Localized };
  loginNotes: LocalizedList;
  applicationNotes: LocalizedList;
  optionalFields: OptionalApplicationField[];
  documentTypes: Array<{ id: string; ja: string; en: string }>;
  uploads: { maxBytes: number; maxFiles: number };
  initialPasswordDays: number;
  applicationAccessDays: number;
  documentRetentionDays: number;
  /** Seeds the staff-editable catalogue (大学名/学部名/学科名) when it is empty. */
  catalogue?: Array<{ university: string; faculty: string; department: string }>;
  /**
   * G6 個人情報設定・変更: the groups whose change waits for staff approval; the others are changed at
   * once. Absent or empty: everything at once, as the manual (002 §2.4(a)) shows it.
   */
  personalDataReview?: PersonalDataGroup[];
}

export type PersonalDataGroup = 'name' | 'gender' | 'homeAddress' | 'homePhone' | 'mobilePhone' | 'workplace';

/**
 * Which directory attribute (LDAP) or claim (OpenID Connect) gives each item of a student's record.
 * `userId` identifies the student (the account is keyed by it); the names in katakana and romaji are
 * optional.
 */
export interface AttributeMapping {
  userId: string;
  studentNumber: string;
  familyName: string;
  givenName: string;
  familyNameKana?: string;
  givenNameKana?: string;
  familyNameLatin?: string;
  givenNameLatin?: string;
  faculty: string;
  department: string;
  status: string;
}

/** The university LDAP directory: search-then-bind (`search`) or direct bind (`directBind`). */
export interface LdapDirectoryConfig {
  /** ldap://host[:port] or ldaps://host[:port]. */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS before anything is sent. */
  startTls?: boolean;
  /** PEM file of the CA(s) that signed the directory's certificate (ldaps:// and StartTLS). */
  caFile?: string;
  /** Production refuses ldap:// without StartTLS unless this is set (e.g. a directory on the same host). */
  allowPlaintext?: boolean;
  connectTimeoutMs?: number;
  timeoutMs?: number;
  /** At most this many connections at once; further logins wait (up to timeoutMs). */
  poolSize?: number;
  search?: {
    baseDn: string;
    /** RFC 4515 filter; `{id}` is replaced by the escaped user ID, e.g. (uid={id}). */
    filter: string;
    scope?: 'sub' | 'one';
    /** The service account that searches (anonymous search without it). */
    bindDn?: string;
    bindPasswordEnv?: string;
    bindPasswordFile?: string;
  };
  directBind?: {
    /** The student's DN; `{id}` is replaced by the RFC 4514-escaped user ID. */
    dnTemplate: string;
  };
  attributes: AttributeMapping;
  /** Values of the `status` attribute that mean "enrolled" (any other value cannot sign in). */
  enrolledValues: string[];
  /** The enrolments' university name (default: branding.universityName.ja). */
  university?: string;
}

/** The university's OpenID Connect IdP (the student signs in there, then gives the second password here). */
export interface OidcDirectoryConfig {
  issuer: string;
  clientId: string;
  clientSecretEnv?: string;
  clientSecretFile?: string;
  /** Default: client_secret_basic with a secret, none (PKCE only) without. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** Default: "openid profile". */
  scope?: string;
  /** Also read the userinfo endpoint (its claims take precedence over the ID token's). */
  userinfo?: boolean;
  timeoutMs?: number;
  /** The label of the SSO button on the login page. */
  buttonText: Localized;
  claims: AttributeMapping;
  enrolledValues: string[];
  university?: string;
}

export interface DirectoryConfig {
  adapter: 'file' | 'ldap' | 'oidc';
  file?: { path: string };
  ldap?: LdapDirectoryConfig;
  oidc?: OidcDirectoryConfig;
}

/** 郵便番号検索: the imported table first, then (optionally) an HTTP service for codes it lacks. */
export interface PostalCodesConfig {
  /** e.g. https://zipcloud.ibsnet.co.jp/api/search?zipcode={code} (zipcloud's JSON shape). */
  fallbackUrl?: string;
  timeoutMs: number;
}

export interface ConfigFile {
  demo?: boolean;
  issuer?: string;
  branding: {
    universityName: Localized;
    serviceName: Localized;
    studentLoginNotes: LocalizedList;
    contact: Localized;
  };
  mail: {
    from: string;
    fromName: Localized;
    allowListAddress?: string;
    maxAttempts: number;
    pollSeconds: number;
  };
  manualUrl: { student: string; graduate?: string };
  clients: ClientConfig[];
  directory: DirectoryConfig;
  lifetimes: {
    oneTimeUrlMinutes: number;
    sessionIdleMinutes: number;
    sessionAbsoluteHours: number;
    accessTokenSeconds: number;
    idTokenSeconds: number;
    authorizationCodeSeconds: number;
    refreshTokenDays: number;
    interactionMinutes: number;
  };
  passwordHashing: { memoryKiB: number; timeCost: number; parallelism: number; maxConcurrent: number };
  graduates?: GraduatesConfig;
  postalCodes?: PostalCodesConfig;
  /** `password` is the graduates' login password (defaults to the second password's rules). */
  passwordPolicy: { secondPassword: PasswordPolicy; password?: PasswordPolicy; historySize?: number };
  /** The account menu: how long after the sign-in a sensitive change asks for the password again (default 15). */
  account?: { reauthenticateAfterMinutes?: number };
  throttle: { perAccount: ThrottleRule; perIp: ThrottleRule; mailPerAccountPerHour: number };
}

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
}

export interface AppConfig extends ConfigFile {
  env: Environment;
  /** The issuer with no trailing slash; every absolute URL the product builds starts with it. */
  issuer: string;
  /** The directory file path resolved against the configuration file's folder. */
  directoryFilePath?: string;
  /** The directory adapter's secret (LDAP bind password or OIDC client secret), read from the environment or a file. */
  directorySecret?: string;
}
