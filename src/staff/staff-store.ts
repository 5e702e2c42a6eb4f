import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull, LessThan, MoreThan, Not, Or, type Repository } from 'typeorm';
import type { Database } from '../db/data-source.js';
import { isDuplicateKey } from '../db/errors.js';
import type { StaffRole, StaffSessionRow, StaffUserRow } from '../db/entities.js';
import { hashToken } from '../tokens/one-time-tokens.js';

export class StaffExistsError extends Error {
  override name = 'StaffExistsError';
}

/** How long a staff session lives (DESIGN §2.3: the console is more sensitive than a user's menu). */
export const STAFF_SESSION = {
  /** Without a request for this long, the session ends. */
  idleMinutes: 30,
  /** After the full sign-in (password + TOTP), the session ends after this long in any case. */
  absoluteHours: 12,
  /** A session with only the password done must finish the TOTP step within this time. */
  pendingMinutes: 10,
  /** lastSeenAt is written at most this often (every page would otherwise be a write). */
  touchSeconds: 60,
} as const;

/** Login IDs: what an office would hand out (letters, digits, . _ - @), compared case-insensitively. */
export const LOGIN_ID_PATTERN = /^[A-Za-z0-9._@-]{3,64}$/;

export function normalizeLoginId(loginId: string): string {
  return loginId.normalize('NFKC').trim().toLowerCase();
}

function hashSessionId(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** An enrolment link's token: 256 random bits, base64url (the table keeps only its SHA-256). */
export const ENROLMENT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new enrolment link's token (for the URL, never stored) and when it stops working. */
export interface IssuedEnrolment { token: string; expiresAt: Date }

/** What an enrolment link opens: the enrolment of its (enabled, not yet enrolled) staff user, or nothing. */
export type EnrolmentLinkCheck = { status: 'valid'; staff: StaffUserRow } | { status: 'expired' | 'unknown' };

function newEnrolment(hours: number, now: Date): IssuedEnrolment & { hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token), expiresAt: new Date(now.getTime() + hours * 3600_000) };
}

export interface StaffSessionView {
  session: StaffSessionRow;
  staff: StaffUserRow;
}

/**
 * Staff accounts and their sessions. A session is identified by 256 random bits held only by the
 * browser (in a signed cookie); the table keeps their SHA-256, so a database leak yields no usable
 * session. A session starts with the password only (totpVerified false) and is replaced by a fresh
 * one once the TOTP code is accepted.
 */
export class StaffStore {
  private readonly users: Repository<StaffUserRow>;
  private readonly sessions: Repository<StaffSessionRow>;

  constructor(database: Database) {
    this.users = database.dataSource.getRepository(database.entities.StaffUser);
    this.sessions = database.dataSource.getRepository(database.entities.StaffSession);
  }

  findById(id: string): Promise<StaffUserRow | null> {
    return this.users.findOneBy({ id });
  }

  findByLoginId(loginId: string): Promise<StaffUserRow | null> {
    return this.users.findOneBy({ loginId: normalizeLoginId(loginId) });
  }

  list(): Promise<StaffUserRow[]> {
    return this.users.find({ order: { loginId: 'ASC' } });
  }

  count(): Promise<number> {
    return this.users.count();
  }

  /** `passwordChangeRequired`: the password was generated for the user (they choose their own at the first sign-in). */
  async create(input: { loginId: string; displayName: string; role: StaffRole; passwordHash: string; passwordChangeRequired?: boolean }): Promise<StaffUserRow> {
    const now = new Date();
    const row: StaffUserRow = {
      id: randomUUID(), loginId: normalizeLoginId(input.loginId), displayName: input.displayName.trim(), role: input.role,
      passwordHash: input.passwordHash, totpSecretSealed: null, totpEnabled: false, totpLastStep: null,
      enrolmentTokenHash: null, enrolmentExpiresAt: null, passwordChangeRequired: input.passwordChangeRequired ?? false, disabled: false,
      createdAt: now, updatedAt: now, lastLoginAt: null,
    };
    try {
      await this.users.insert(row);
    } catch (error) {
      if (isDuplicateKey(error)) throw new StaffExistsError(`staff login id ${row.loginId} exists`);
      throw error;
    }
    return row;
  }

  /**
   * A new enrolment link for a user who has not enrolled (create-staff, スタッフの追加): an earlier
   * link of the user stops working.
   */
  async issueEnrolment(id: string, hours: number, now = new Date()): Promise<IssuedEnrolment> {
    const { token, hash, expiresAt } = newEnrolment(hours, now);
    await this.users.update({ id, totpEnabled: false }, { enrolmentTokenHash: hash, enrolmentExpiresAt: expiresAt, updatedAt: now });
    return { token, expiresAt };
  }

  /** The staff user an enrolment link was issued to, without using the link up (a page that shows the enrolment). */
  async findEnrolment(token: unknown, now = new Date()): Promise<EnrolmentLinkCheck> {
    if (typeof token !== 'string' || !ENROLMENT_TOKEN_PATTERN.test(token)) return { status: 'unknown' };
    const staff = await this.users.findOneBy({ enrolmentTokenHash: hashToken(token) });
    if (!staff || staff.disabled || staff.totpEnabled) return { status: 'unknown' };
    if (!staff.enrolmentExpiresAt || staff.enrolmentExpiresAt.getTime() <= now.getTime()) return { status: 'expired' };
    return { status: 'valid', staff };
  }

  /** Enrolment: a new secret waits for its first code (a reload keeps the one already shown). */
  async setPendingTotp(id: string, sealedSecret: string): Promise<void> {
    await this.users.update({ id, totpEnabled: false }, { totpSecretSealed: sealedSecret, totpLastStep: null, updatedAt: new Date() });
  }

  /**
   * The first valid code completes the enrolment and uses the enrolment link up, in one statement:
   * false when the link is not this user's live link any more (used, replaced, expired) or another
   * request completed the enrolment first.
   */
  async enableTotp(id: string, step: number, token: string, now = new Date()): Promise<boolean> {
    if (!ENROLMENT_TOKEN_PATTERN.test(token)) return false;
    const result = await this.users.update(
      { id, totpEnabled: false, enrolmentTokenHash: hashToken(token), enrolmentExpiresAt: MoreThan(now) },
      { totpEnabled: true, totpLastStep: step, enrolmentTokenHash: null, enrolmentExpiresAt: null, updatedAt: now },
    );
    return result.affected === 1;
  }

  /**
   * Records that a code of this time step was used. Atomic: of two requests with the same code, or
   * with a code of an earlier step, only one (the first, the later step) is accepted.
   */
  async acceptStep(id: string, step: number): Promise<boolean> {
    const result = await this.users.update({ id, totpEnabled: true, totpLastStep: Or(IsNull(), LessThan(step)) }, { totpLastStep: step });
    return result.affected === 1;
  }

  /**
   * 二要素認証のリセット: the authenticator (or a pending secret) is forgotten, the user's sessions end,
   * and a new enrolment link is issued (an earlier one stops working).
   */
  async resetTotp(id: string, hours: number, now = new Date()): Promise<IssuedEnrolment> {
    const { token, hash, expiresAt } = newEnrolment(hours, now);
    await this.users.update({ id }, {
      totpSecretSealed: null, totpEnabled: false, totpLastStep: null, enrolmentTokenHash: hash, enrolmentExpiresAt: expiresAt, updatedAt: now,
    });
    await this.endEverySignInOf(id);
    return { token, expiresAt };
  }

  /**
   * A new password hash. `changeRequired`: set by an administrator (the user must choose their own at
   * the next sign-in); false when the user chose it.
   */
  async setPassword(id: string, passwordHash: string, changeRequired: boolean): Promise<void> {
    await this.users.update({ id }, { passwordHash, passwordChangeRequired: changeRequired, updatedAt: new Date() });
  }

  /** Ends the user's sessions but one (the one that changed the password stays signed in). */
  async endOtherSessions(staffId: string, keepValue: string): Promise<void> {
    await this.sessions.delete({ staffId, idHash: Not(hashSessionId(keepValue)) });
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    await this.users.update({ id }, { disabled, updatedAt: new Date() });
    if (disabled) await this.endEverySignInOf(id);
  }

  async recordLogin(id: string): Promise<void> {
    await this.users.update({ id }, { lastLoginAt: new Date() });
  }

  // Sessions --------------------------------------------------------------------------------

  /** A new session; returns the value for the cookie (never stored). */
  async createSession(staffId: string, totpVerified: boolean, now = new Date()): Promise<string> {
    const value = randomBytes(32).toString('base64url');
    const lifetimeMs = totpVerified ? STAFF_SESSION.absoluteHours * 3600_000 : STAFF_SESSION.pendingMinutes * 60_000;
    await this.sessions.insert({
      idHash: hashSessionId(value), staffId, totpVerified, createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + lifetimeMs),
    });
    return value;
  }

  /** The live session behind a cookie value and its (enabled) staff user, sliding the idle timeout. */
  async findSession(value: string | undefined, now = new Date()): Promise<StaffSessionView | undefined> {
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) return undefined;
    const session = await this.sessions.findOneBy({ idHash: hashSessionId(value) });
    if (!session) return undefined;
    const idleLimit = session.lastSeenAt.getTime() + STAFF_SESSION.idleMinutes * 60_000;
    if (session.expiresAt.getTime() <= now.getTime() || idleLimit <= now.getTime()) {
      await this.sessions.delete({ idHash: session.idHash });
      return undefined;
    }
    const staff = await this.findById(session.staffId);
    if (!staff || staff.disabled) return undefined;
    if (now.getTime() - session.lastSeenAt.getTime() >= STAFF_SESSION.touchSeconds * 1000) {
      await this.sessions.update({ idHash: session.idHash }, { lastSeenAt: now });
      session.lastSeenAt = now;
    }
    return { session, staff };
  }

  /**
   * After the TOTP step: the password-only session is replaced by a new, verified one (a new id, so
   * that an id seen before the second factor is worth nothing after it).
   */
  async upgradeSession(oldValue: string, staffId: string): Promise<string> {
    await this.destroySession(oldValue);
    return this.createSession(staffId, true);
  }

  async destroySession(value: string | undefined): Promise<void> {
    if (value) await this.sessions.delete({ idHash: hashSessionId(value) });
  }

  async endEverySignInOf(staffId: string): Promise<void> {
    await this.sessions.delete({ staffId });
  }

  async purgeExpired(now = new Date()): Promise<void> {
    await this.sessions.delete({ expiresAt: LessThan(now) });
    await this.sessions.delete({ lastSeenAt: LessThan(new Date(now.getTime() - STAFF_SESSION.idleMinutes * 60_000)) });
  }
}
