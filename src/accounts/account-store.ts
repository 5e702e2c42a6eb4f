import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import { IsNull, type Repository } from 'typeorm';
import type { Database } from '../db/data-source.js';
import { isDuplicateKey } from '../db/errors.js';
import { entityColumns, rowLookup, type EntityColumns } from '../db/raw-query.js';
import type { AccountRow } from '../db/entities.js';
import type { DirectoryPerson } from '../directory/directory.js';

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

/** Addresses are compared and stored in one form: NFKC, trimmed, lower case. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

export interface PendingSetup {
  /** Student: no verified address yet (メールアドレス設定). */
  needsEmail: boolean;
  /** Student: no second password yet (第2パスワード設定). */
  needsSecondPassword: boolean;
  /** Graduate: still on the initial password, or no second password (パスワード設定). */
  needsPasswordSetup: boolean;
  /** Graduate: has not accepted the current terms of use (利用許諾). */
  needsTerms: boolean;
}

type SetupFields = Pick<AccountRow, 'userType' | 'email' | 'emailVerified' | 'secondPasswordHash' | 'passwordIsInitial' | 'termsVersion'>;

/** What the first-login steps still need (read by the provider's custom prompts). */
export function pendingSetup(account: SetupFields, currentTermsVersion?: string): PendingSetup {
  if (account.userType === 'graduate') {
    return {
      needsEmail: false,
      needsSecondPassword: false,
      needsPasswordSetup: Boolean(account.passwordIsInitial) || !account.secondPasswordHash,
      needsTerms: currentTermsVersion !== undefined && account.termsVersion !== currentTermsVersion,
    };
  }
  return {
    needsEmail: !(account.email && account.emailVerified),
    needsSecondPassword: !account.secondPasswordHash,
    needsPasswordSetup: false,
    needsTerms: false,
  };
}

export function setupComplete(setup: PendingSetup): boolean {
  return !setup.needsEmail && !setup.needsSecondPassword && !setup.needsPasswordSetup && !setup.needsTerms;
}

export class AccountStore {
  private readonly rows: Repository<AccountRow>;

  /** By id: read for every token, userinfo and session request (findAccount), so prepared once. */
  private readonly byId: (id: unknown) => Promise<AccountRow | null>;
  /** A student by directory ID: read at every student login, so prepared once too. */
  private readonly studentByDirectoryId: (userType: 'student', directoryId: string) => Promise<AccountRow | null>;

  /** The columns of an account row, for statements that read it beside another table's (the provider's tokens). */
  readonly columns: EntityColumns<AccountRow>;

  constructor(database: Database) {
    this.rows = database.dataSource.getRepository(database.entities.Account);
    this.byId = rowLookup(database, database.entities.Account, 'id');
    this.columns = entityColumns(database, database.entities.Account);
    this.studentByDirectoryId = rowLookup(database, database.entities.Account, 'userType', 'directoryId');
  }

  findById(id: string): Promise<AccountRow | null> {
    return this.byId(id);
  }

  findStudentByDirectoryId(userId: string): Promise<AccountRow | null> {
    return this.studentByDirectoryId('student', userId);
  }

  findGraduateByEmail(email: string): Promise<AccountRow | null> {
    return this.rows.findOneBy({ userType: 'graduate', email: normalizeEmail(email) });
  }

  /**
   * `over`: the hashes as the caller read them; then the passwords are set only if they are still
   * those (false otherwise: another request set them first — a second tab, a double click).
   */
  async setPasswords(accountId: string, hashes: { passwordHash: string; secondPasswordHash: string }, over?: Pick<AccountRow, 'passwordHash' | 'secondPasswordHash'>): Promise<boolean> {
    const where = over ? { id: accountId, passwordHash: over.passwordHash ?? IsNull(), secondPasswordHash: over.secondPasswordHash ?? IsNull() } : { id: accountId };
    const result = await this.rows.update(where, {
      passwordHash: hashes.passwordHash, secondPasswordHash: hashes.secondPasswordHash,
      passwordIsInitial: false, passwordExpiresAt: null, updatedAt: new Date(),
    });
    return result.affected === 1;
  }

  /** A changed password (G9); the account was already past its initial password. */
  async setPasswordHash(accountId: string, passwordHash: string): Promise<void> {
    await this.rows.update({ id: accountId }, { passwordHash, passwordIsInitial: false, passwordExpiresAt: null, updatedAt: new Date() });
  }

  /**
   * The same credentials hashed again with the configured parameters (at a successful login): nothing
   * else changes — not whether the password is the initial one, nor when it expires.
   */
  async replaceHashes(accountId: string, hashes: { passwordHash?: string; secondPasswordHash?: string }): Promise<void> {
    const changed: Partial<Pick<AccountRow, 'passwordHash' | 'secondPasswordHash'>> = {};
    if (hashes.passwordHash) changed.passwordHash = hashes.passwordHash;
    if (hashes.secondPasswordHash) changed.secondPasswordHash = hashes.secondPasswordHash;
    if (Object.keys(changed).length) await this.rows.update({ id: accountId }, changed);
  }

  async acceptTerms(accountId: string, version: string): Promise<void> {
    await this.rows.update({ id: accountId }, { termsVersion: version, termsAcceptedAt: new Date(), updatedAt: new Date() });
  }

  findByEmail(email: string): Promise<AccountRow | null> {
    return this.rows.findOneBy({ email: normalizeEmail(email), emailVerified: true });
  }

  /**
   * The student's account, created at the first successful directory login; the directory's
   * answer (names, enrolments) is cached on it for the claims.
   */
  async upsertStudent(person: DirectoryPerson, known?: AccountRow | null): Promise<AccountRow> {
    const profile = { name: person.name, nameKana: person.nameKana, nameLatin: person.nameLatin, enrollments: person.enrollments };
    // `known`: the account as the caller has just read it (null: there was none), or read here.
    const existing = known === undefined ? await this.findStudentByDirectoryId(person.userId) : known;
    const now = new Date();
    if (existing) {
      // Most logins find the directory's answer unchanged: no write then.
      if (isDeepStrictEqual(JSON.parse(JSON.stringify(profile)), existing.profile)) return existing;
      await this.rows.update({ id: existing.id }, { profile, updatedAt: now });
      return { ...existing, profile, updatedAt: now };
    }
    const row: AccountRow = {
      id: randomUUID(),
      userType: 'student',
      directoryId: person.userId,
      email: null,
      emailVerified: false,
      secondPasswordHash: null,
      profile,
      locale: 'ja',
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.rows.insert(row);
      return row;
    } catch (error) {
      // Two first logins at once: the other one created it.
      if (!isDuplicateKey(error)) throw error;
      const created = await this.rows.findOneByOrFail({ userType: 'student', directoryId: person.userId });
      return created;
    }
  }

  /** True when the address is free or already this account's. */
  async emailAvailableFor(accountId: string, email: string): Promise<boolean> {
    const holder = await this.rows.findOneBy({ email: normalizeEmail(email) });
    return !holder || holder.id === accountId;
  }

  async setVerifiedEmail(accountId: string, email: string): Promise<void> {
    try {
      await this.rows.update({ id: accountId }, { email: normalizeEmail(email), emailVerified: true, updatedAt: new Date() });
    } catch (error) {
      if (isDuplicateKey(error)) throw new EmailTakenError();
      throw error;
    }
  }

  /** `onlyIfUnset`: set only if the account has none yet (false otherwise: another request set one first). */
  async setSecondPasswordHash(accountId: string, hash: string, onlyIfUnset = false): Promise<boolean> {
    const result = await this.rows.update(onlyIfUnset ? { id: accountId, secondPasswordHash: IsNull() } : { id: accountId }, { secondPasswordHash: hash, updatedAt: new Date() });
    return result.affected === 1;
  }

  async setLocale(accountId: string, locale: string): Promise<void> {
    await this.rows.update({ id: accountId }, { locale });
  }
}
