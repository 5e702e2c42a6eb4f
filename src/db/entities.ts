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
}

export type TokenPurpose = 'register_email' | 'change_email' | 'reset_second_password';

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

  return { OidcPayload, Account, OneTimeToken, MailOutbox, LoginThrottle, AuditEvent };
}

export type Entities = ReturnType<typeof createEntities>;
