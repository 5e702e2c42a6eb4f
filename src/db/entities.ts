import { EntitySchema } from 'typeorm';
import { columnTypes, type Dialect } from './dialect.js';

// Entities are EntitySchemas rather than decorated classes: tsx/esbuild emits no decorator metadata,
// and every column states its type explicitly anyway.

export interface OidcPayloadRow {
  model: string;
  id: string;
  payload: object;
  grantId: string | null;
  userCode: string | null;
  uid: string | null;
  /** The session a token is bound to (its payload's sessionUid). */
  sessionUid: string | null;
  accountId: string | null;
  expiresAt: Date | null;
  consumedAt: Date | null;
}

export type UserType = 'student' | 'graduate';

export interface Enrollment {
  student_number: string;
  university: string;
  faculty: string;
  department: string;
  status: 'enrolled' | 'graduated' | 'withdrawn' | 'expelled';
  graduated_on: string | null;
}

export interface PersonName {
  family: string;
  given: string;
}

/** What the directory said about a student at the last login (claims are served from it). */
export interface AccountProfile {
  name: PersonName;
  nameKana?: PersonName;
  nameLatin?: PersonName;
  enrollments: Enrollment[];
}

/** A graduate's personal data from the approved application (current address, contacts, workplace). */
export type PersonalData = Record<string, string>;

export interface AccountRow {
  id: string;
  userType: UserType;
  directoryId: string | null;
  email: string | null;
  emailVerified: boolean;
  secondPasswordHash: string | null;
  profile: AccountProfile | null;
  locale: string;
  createdAt: Date;
  updatedAt: Date;
  /** Graduates sign in with email + password; students' passwords stay in the directory. */
  passwordHash?: string | null;
  /** The password is an initial password mailed by staff: it works once, until passwordExpiresAt. */
  passwordIsInitial?: boolean;
  passwordExpiresAt?: Date | null;
  termsVersion?: string | null;
  termsAcceptedAt?: Date | null;
  personal?: PersonalData | null;
  locked?: boolean;
}

/** account: G1/G8; enrollment: G5 an additional student number; personal: G6 a change of reviewed personal data. */
export type ApplicationPurpose = 'account' | 'enrollment' | 'personal';
export type ApplicationKind = 'new' | 'change';
export type ApplicationStatus = 'draft' | 'submitted' | 'resubmission_requested' | 'resubmitted' | 'approved' | 'rejected';

export interface ApplicationRow {
  id: string;
  purpose: ApplicationPurpose;
  kind: ApplicationKind;
  status: ApplicationStatus;
  email: string;
  lang: string;
  form: Record<string, string> | null;
  termsVersion: string | null;
  termsAcceptedAt: Date | null;
  accountId: string | null;
  accessKeyHash: string | null;
  accessExpiresAt: Date | null;
  /** The mailed key last used up by the landing page's button (to tell "used" from "unknown"). */
  usedAccessKeyHash: string | null;
  /** 申請受付's number (e.g. 20261130-7K3Q-9XM2), given at the first submission and kept after it. */
  receiptNumber: string | null;
  staffComment: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  submittedAt: Date | null;
  documentsPurgedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** The address and form values, NFKC and lower case: the queue's search (migration 1764320000000, review-keys.ts). */
  searchText?: string | null;
  /** Kanji name without spaces + "|" + birth date, and the student number: the duplicate hints. */
  nameBirthKey?: string | null;
  studentNumberKey?: string | null;
  /** A 変更 approval waiting for a second staff member (graduates.review.fourEyes): the account, who asked, when. */
  pendingAccountId?: string | null;
  pendingBy?: string | null;
  pendingAt?: Date | null;
}

/** A staff member's latest view of an application (the review page names the others who have it open). */
export interface ApplicationViewRow {
  applicationId: string;
  staffId: string;
  viewedAt: Date;
}

export interface ApplicationDocumentRow {
  id: string;
  applicationId: string;
  documentType: string;
  contentType: string;
  byteSize: number;
  position: number;
  /** The applicant's caption of the image (a key of DOCUMENT_CAPTIONS: front, back, other), if chosen. */
  caption: string | null;
  /** Encrypted at rest (DocumentVault). */
  data: Buffer;
  createdAt: Date;
}

export interface ApplicationEventRow {
  id: string;
  applicationId: string;
  occurredAt: Date;
  actorType: 'applicant' | 'staff' | 'system';
  actorId: string | null;
  action: string;
  comment: string | null;
}

export type StaffRole = 'reviewer' | 'administrator';

export interface StaffUserRow {
  id: string;
  loginId: string;
  displayName: string;
  role: StaffRole;
  passwordHash: string;
  /** The TOTP secret, encrypted with the document vault. */
  totpSecretSealed: string | null;
  totpEnabled: boolean;
  /** The last TOTP time step accepted (replay protection; migration 1763900000000). */
  totpLastStep?: number | null;
  /**
   * The enrolment link that alone opens the TOTP enrolment (migration 1764100000000): the SHA-256 of its
   * 256-bit token, null once used (or never issued), and when it stops working.
   */
  enrolmentTokenHash?: string | null;
  enrolmentExpiresAt?: Date | null;
  /**
   * The password was set by someone else (an administrator's reset, migration 1764330000000): after the
   * sign-in, the console opens nothing but パスワード変更 until the user has chosen their own.
   */
  passwordChangeRequired?: boolean;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
}

export interface StaffSessionRow {
  idHash: string;
  staffId: string;
  totpVerified: boolean;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

export interface CatalogueEntryRow {
  id: string;
  university: string;
  faculty: string;
  department: string;
  active: boolean;
  sortOrder: number;
}

export type TokenPurpose = 'register_email' | 'change_email' | 'reset_second_password' | 'reset_password';

export interface OneTimeTokenRow {
  id: string;
  tokenHash: string;
  purpose: TokenPurpose;
  accountId: string;
  payload: Record<string, string> | null;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

export interface MailOutboxRow {
  id: string;
  recipient: string;
  subject: string;
  bodyText: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lockedUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/**
 * A back-channel logout a relying party still has to be told of (src/oidc/sign-ins.ts): written with
 * the end of the sign-ins it reports, removed once the relying party has taken it.
 */
export interface BackchannelLogoutRow {
  id: string;
  clientId: string;
  /** The account whose sign-in ended (the logout token's `sub` is derived from it). */
  accountId: string;
  /** The ended session's `sid` for this client. */
  sid: string | null;
  attempts: number;
  nextAttemptAt: Date;
  lockedUntil: Date | null;
  createdAt: Date;
}

export interface LoginThrottleRow {
  key: string;
  failures: number;
  windowStartedAt: Date;
  lockedUntil: Date | null;
}

export type AuditDetail = Record<string, string | number | boolean | null | undefined>;

export interface AuditEventRow {
  id: string;
  occurredAt: Date;
  event: string;
  accountId: string | null;
  ip: string | null;
  detail: AuditDetail | null;
}

/** `staff_password`: a staff user's console password (the history's account_id is then the staff user's id). */
export type CredentialKind = 'password' | 'second_password' | 'staff_password';

/** An earlier password or second password of an account (argon2 hash), for the history rule. */
export interface PasswordHistoryRow {
  id: string;
  accountId: string;
  kind: CredentialKind;
  hash: string;
  createdAt: Date;
}

/** A SAML assertion already accepted (replay protection across replicas), until it expires. */
export interface SamlAssertionSeenRow {
  /** SHA-256 (hex) of the IdP's entityID and the assertion's ID. */
  id: string;
  expiresAt: Date;
}

/** One 町域 of Japan Post's postal code data (a code can have several). */
export interface PostalCodeRow {
  id: number;
  code: string;
  prefecture: string;
  city: string;
  town: string;
}

export function createEntities(dialect: Dialect) {
  const t = columnTypes(dialect);
  const datetime = { type: t.datetime, precision: t.datetimePrecision } as const;

  const OidcPayload = new EntitySchema<OidcPayloadRow>({
    name: 'OidcPayload',
    tableName: 'oidc_payload',
    columns: {
      model: { type: 'varchar', length: 40, primary: true },
      id: { type: 'varchar', length: 190, primary: true, collation: t.binaryCollation },
      payload: { type: t.json },
      grantId: { name: 'grant_id', type: 'varchar', length: 190, nullable: true, collation: t.binaryCollation },
      userCode: { name: 'user_code', type: 'varchar', length: 190, nullable: true, collation: t.binaryCollation },
      uid: { type: 'varchar', length: 190, nullable: true, collation: t.binaryCollation },
      sessionUid: { name: 'session_uid', type: 'varchar', length: 190, nullable: true, collation: t.binaryCollation },
      accountId: { name: 'account_id', type: 'varchar', length: 64, nullable: true },
      expiresAt: { name: 'expires_at', ...datetime, nullable: true },
      consumedAt: { name: 'consumed_at', ...datetime, nullable: true },
    },
  });

  const Account = new EntitySchema<AccountRow>({
    name: 'Account',
    tableName: 'accounts',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      userType: { name: 'user_type', type: 'varchar', length: 16 },
      directoryId: { name: 'directory_id', type: 'varchar', length: 190, nullable: true },
      email: { type: 'varchar', length: 254, nullable: true },
      emailVerified: { name: 'email_verified', type: 'boolean', default: false },
      secondPasswordHash: { name: 'second_password_hash', type: 'varchar', length: 255, nullable: true },
      profile: { type: t.json, nullable: true },
      locale: { type: 'varchar', length: 8, default: 'ja' },
      createdAt: { name: 'created_at', ...datetime },
      updatedAt: { name: 'updated_at', ...datetime },
      passwordHash: { name: 'password_hash', type: 'varchar', length: 255, nullable: true },
      passwordIsInitial: { name: 'password_is_initial', type: 'boolean', default: false },
      passwordExpiresAt: { name: 'password_expires_at', ...datetime, nullable: true },
      termsVersion: { name: 'terms_version', type: 'varchar', length: 32, nullable: true },
      termsAcceptedAt: { name: 'terms_accepted_at', ...datetime, nullable: true },
      personal: { type: t.json, nullable: true },
      locked: { type: 'boolean', default: false },
    },
  });

  const OneTimeToken = new EntitySchema<OneTimeTokenRow>({
    name: 'OneTimeToken',
    tableName: 'one_time_tokens',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      tokenHash: { name: 'token_hash', type: 'varchar', length: 64 },
      purpose: { type: 'varchar', length: 40 },
      accountId: { name: 'account_id', type: 'varchar', length: 36 },
      payload: { type: t.json, nullable: true },
      expiresAt: { name: 'expires_at', ...datetime },
      usedAt: { name: 'used_at', ...datetime, nullable: true },
      createdAt: { name: 'created_at', ...datetime },
    },
  });

  const MailOutbox = new EntitySchema<MailOutboxRow>({
    name: 'MailOutbox',
    tableName: 'mail_outbox',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      recipient: { type: 'varchar', length: 254 },
      subject: { type: 'varchar', length: 255 },
      bodyText: { name: 'body_text', type: t.text },
      status: { type: 'varchar', length: 16 },
      attempts: { type: 'int', default: 0 },
      nextAttemptAt: { name: 'next_attempt_at', ...datetime },
      lockedUntil: { name: 'locked_until', ...datetime, nullable: true },
      lastError: { name: 'last_error', type: 'varchar', length: 500, nullable: true },
      createdAt: { name: 'created_at', ...datetime },
      sentAt: { name: 'sent_at', ...datetime, nullable: true },
    },
  });

  const BackchannelLogout = new EntitySchema<BackchannelLogoutRow>({
    name: 'BackchannelLogout',
    tableName: 'backchannel_logouts',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      clientId: { name: 'client_id', type: 'varchar', length: 255 },
      accountId: { name: 'account_id', type: 'varchar', length: 255 },
      sid: { type: 'varchar', length: 255, nullable: true },
      attempts: { type: 'int', default: 0 },
      nextAttemptAt: { name: 'next_attempt_at', ...datetime },
      lockedUntil: { name: 'locked_until', ...datetime, nullable: true },
      createdAt: { name: 'created_at', ...datetime },
    },
    indices: [{ name: 'idx_backchannel_logouts_due', columns: ['nextAttemptAt'] }],
  });

  const LoginThrottle = new EntitySchema<LoginThrottleRow>({
    name: 'LoginThrottle',
    tableName: 'login_throttle',
    columns: {
      key: { type: 'varchar', length: 128, primary: true },
      failures: { type: 'int', default: 0 },
      windowStartedAt: { name: 'window_started_at', ...datetime },
      lockedUntil: { name: 'locked_until', ...datetime, nullable: true },
    },
  });

  const AuditEvent = new EntitySchema<AuditEventRow>({
    name: 'AuditEvent',
    tableName: 'audit_events',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      occurredAt: { name: 'occurred_at', ...datetime },
      event: { type: 'varchar', length: 64 },
      accountId: { name: 'account_id', type: 'varchar', length: 36, nullable: true },
      ip: { type: 'varchar', length: 64, nullable: true },
      detail: { type: t.json, nullable: true },
    },
  });

  const Application = new EntitySchema<ApplicationRow>({
    name: 'Application',
    tableName: 'applications',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      purpose: { type: 'varchar', length: 16 },
      kind: { type: 'varchar', length: 16 },
      status: { type: 'varchar', length: 32 },
      email: { type: 'varchar', length: 254 },
      lang: { type: 'varchar', length: 8 },
      form: { type: t.json, nullable: true },
      termsVersion: { name: 'terms_version', type: 'varchar', length: 32, nullable: true },
      termsAcceptedAt: { name: 'terms_accepted_at', ...datetime, nullable: true },
      accountId: { name: 'account_id', type: 'varchar', length: 36, nullable: true },
      accessKeyHash: { name: 'access_key_hash', type: 'varchar', length: 64, nullable: true },
      accessExpiresAt: { name: 'access_expires_at', ...datetime, nullable: true },
      usedAccessKeyHash: { name: 'used_access_key_hash', type: 'varchar', length: 64, nullable: true },
      receiptNumber: { name: 'receipt_number', type: 'varchar', length: 20, nullable: true, unique: true },
      staffComment: { name: 'staff_comment', type: t.text, nullable: true },
      decidedBy: { name: 'decided_by', type: 'varchar', length: 36, nullable: true },
      decidedAt: { name: 'decided_at', ...datetime, nullable: true },
      submittedAt: { name: 'submitted_at', ...datetime, nullable: true },
      documentsPurgedAt: { name: 'documents_purged_at', ...datetime, nullable: true },
      createdAt: { name: 'created_at', ...datetime },
      updatedAt: { name: 'updated_at', ...datetime },
      searchText: { name: 'search_text', type: t.text, nullable: true, select: false },
      nameBirthKey: { name: 'name_birth_key', type: 'varchar', length: 300, nullable: true },
      studentNumberKey: { name: 'student_number_key', type: 'varchar', length: 64, nullable: true },
      pendingAccountId: { name: 'pending_account_id', type: 'varchar', length: 36, nullable: true },
      pendingBy: { name: 'pending_by', type: 'varchar', length: 36, nullable: true },
      pendingAt: { name: 'pending_at', ...datetime, nullable: true },
    },
  });

  const ApplicationView = new EntitySchema<ApplicationViewRow>({
    name: 'ApplicationView',
    tableName: 'application_views',
    columns: {
      applicationId: { name: 'application_id', type: 'varchar', length: 36, primary: true },
      staffId: { name: 'staff_id', type: 'varchar', length: 36, primary: true },
      viewedAt: { name: 'viewed_at', ...datetime },
    },
  });

  const ApplicationDocument = new EntitySchema<ApplicationDocumentRow>({
    name: 'ApplicationDocument',
    tableName: 'application_documents',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      applicationId: { name: 'application_id', type: 'varchar', length: 36 },
      documentType: { name: 'document_type', type: 'varchar', length: 64 },
      contentType: { name: 'content_type', type: 'varchar', length: 32 },
      byteSize: { name: 'byte_size', type: 'int' },
      position: { type: 'int' },
      caption: { type: 'varchar', length: 16, nullable: true },
      data: { type: t.blob },
      createdAt: { name: 'created_at', ...datetime },
    },
  });

  const ApplicationEvent = new EntitySchema<ApplicationEventRow>({
    name: 'ApplicationEvent',
    tableName: 'application_events',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      applicationId: { name: 'application_id', type: 'varchar', length: 36 },
      occurredAt: { name: 'occurred_at', ...datetime },
      actorType: { name: 'actor_type', type: 'varchar', length: 16 },
      actorId: { name: 'actor_id', type: 'varchar', length: 36, nullable: true },
      action: { type: 'varchar', length: 40 },
      comment: { type: t.text, nullable: true },
    },
  });

  const StaffUser = new EntitySchema<StaffUserRow>({
    name: 'StaffUser',
    tableName: 'staff_users',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      loginId: { name: 'login_id', type: 'varchar', length: 64 },
      displayName: { name: 'display_name', type: 'varchar', length: 100 },
      role: { type: 'varchar', length: 16 },
      passwordHash: { name: 'password_hash', type: 'varchar', length: 255 },
      totpSecretSealed: { name: 'totp_secret_sealed', type: 'varchar', length: 255, nullable: true },
      totpEnabled: { name: 'totp_enabled', type: 'boolean', default: false },
      totpLastStep: { name: 'totp_last_step', type: 'int', nullable: true },
      enrolmentTokenHash: { name: 'enrolment_token_hash', type: 'varchar', length: 64, nullable: true },
      enrolmentExpiresAt: { name: 'enrolment_expires_at', ...datetime, nullable: true },
      passwordChangeRequired: { name: 'password_change_required', type: 'boolean', default: false },
      disabled: { type: 'boolean', default: false },
      createdAt: { name: 'created_at', ...datetime },
      updatedAt: { name: 'updated_at', ...datetime },
      lastLoginAt: { name: 'last_login_at', ...datetime, nullable: true },
    },
    indices: [{ name: 'uq_staff_users_enrolment_token', columns: ['enrolmentTokenHash'], unique: true }],
  });

  const StaffSession = new EntitySchema<StaffSessionRow>({
    name: 'StaffSession',
    tableName: 'staff_sessions',
    columns: {
      idHash: { name: 'id_hash', type: 'varchar', length: 64, primary: true },
      staffId: { name: 'staff_id', type: 'varchar', length: 36 },
      totpVerified: { name: 'totp_verified', type: 'boolean', default: false },
      createdAt: { name: 'created_at', ...datetime },
      lastSeenAt: { name: 'last_seen_at', ...datetime },
      expiresAt: { name: 'expires_at', ...datetime },
    },
  });

  const CatalogueEntry = new EntitySchema<CatalogueEntryRow>({
    name: 'CatalogueEntry',
    tableName: 'catalogue_entries',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      university: { type: 'varchar', length: 100 },
      faculty: { type: 'varchar', length: 100 },
      department: { type: 'varchar', length: 100 },
      active: { type: 'boolean', default: true },
      sortOrder: { name: 'sort_order', type: 'int', default: 0 },
    },
  });

  const PostalCode = new EntitySchema<PostalCodeRow>({
    name: 'PostalCode',
    tableName: 'postal_codes',
    columns: {
      id: { type: 'integer', primary: true, generated: 'increment' },
      code: { type: t.char, length: 7 },
      prefecture: { type: 'varchar', length: 10 },
      city: { type: 'varchar', length: 60 },
      town: { type: 'varchar', length: 200 },
    },
    indices: [{ name: 'idx_postal_codes_code', columns: ['code'] }],
  });

  const PasswordHistory = new EntitySchema<PasswordHistoryRow>({
    name: 'PasswordHistory',
    tableName: 'password_history',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      accountId: { name: 'account_id', type: 'varchar', length: 36 },
      kind: { type: 'varchar', length: 16 },
      hash: { type: 'varchar', length: 255 },
      createdAt: { name: 'created_at', ...datetime },
    },
    indices: [{ name: 'idx_password_history_account', columns: ['accountId', 'kind', 'createdAt'] }],
  });

  const SamlAssertionSeen = new EntitySchema<SamlAssertionSeenRow>({
    name: 'SamlAssertionSeen',
    tableName: 'saml_assertions_seen',
    columns: {
      id: { type: 'varchar', length: 64, primary: true },
      expiresAt: { name: 'expires_at', ...datetime },
    },
    indices: [{ name: 'idx_saml_assertions_seen_expires', columns: ['expiresAt'] }],
  });

  return {
    OidcPayload, Account, OneTimeToken, MailOutbox, BackchannelLogout, LoginThrottle, AuditEvent,
    Application, ApplicationDocument, ApplicationEvent, ApplicationView, StaffUser, StaffSession, CatalogueEntry,
    PostalCode, PasswordHistory, SamlAssertionSeen,
  };
}

export type Entities = ReturnType<typeof createEntities>;
