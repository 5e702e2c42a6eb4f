import { graduateLoginUrl } from '../../applications/links.js';
import type { AccountRow, ApplicationRow, AuditEventRow } from '../../db/entities.js';
import { In, IsNull } from 'typeorm';
import type { AuditEvent } from '../../audit/audit-log.js';
import { accountThrottleKey } from '../../credentials/throttle-keys.js';
import { mailResetLink, RESET_LINKS } from '../../email-verification/reset-link.js';
import { sessionsOf } from '../../oidc/adapter.js';
import type { Services } from '../../services.js';
import { queueMail, ReviewError, type StaffActor } from '../actions.js';
import { issueInitialPassword } from '../initial-password.js';
import { staffMails } from '../mail.js';

// Staff actions on an account (DESIGN §2.3; what Keycloak's and authentik's user pages offer): its page
// with its sessions, login history and lock state; ロック / ロック解除 (both locks), すべてのセッションを終了,
// the reset mails of the user's own forgotten-password flows, and a new initial password for a
// graduate who has not completed the first login. Every action is audited with the staff member.

function accountRows(services: Pick<Services, 'database'>) {
  return services.database.dataSource.getRepository(services.database.entities.Account);
}

/** An account with the applications linked to it (newest first, at most 50). */
export async function accountWithApplications(
  services: Pick<Services, 'accounts' | 'database'>, accountId: string,
): Promise<{ account: AccountRow; applications: ApplicationRow[] } | undefined> {
  const account = await services.accounts.findById(accountId);
  if (!account) return undefined;
  const applications = await services.database.dataSource.getRepository(services.database.entities.Application).find({
    where: { accountId: account.id }, order: { createdAt: 'DESC' }, take: 50,
  });
  return { account, applications };
}

/** True when the account's initial password is past its expiry (the first login did not happen in time). */
export function initialPasswordExpired(account: AccountRow, now = Date.now()): boolean {
  return Boolean(account.passwordIsInitial && account.passwordExpiresAt && account.passwordExpiresAt.getTime() <= now);
}

/**
 * A new initial password for a graduate who has not completed the first login (the initial password
 * is unused or expired): the old one stops working, the new one is mailed with a new expiry.
 */
export async function reissueInitialPassword(
  services: Pick<Services, 'config' | 'database' | 'hasher' | 'accounts' | 'audit' | 'sendMail' | 'langOf' | 'mailBranding'>,
  actor: StaffActor, input: { accountId: string },
): Promise<{ mailQueued: boolean; expiresAt: Date }> {
  const account = await services.accounts.findById(input.accountId);
  if (!account || account.userType !== 'graduate') throw new ReviewError('account_not_graduate');
  if (!account.passwordIsInitial) throw new ReviewError('not_initial');
  if (!account.email) throw new ReviewError('no_email');
  const issued = await issueInitialPassword(services);
  // Only over the password read above: of two reissues at once (a double click, two clerks) one
  // mails a password, the other is told; the user never gets two passwords of which one works.
  const result = await accountRows(services).update({ id: account.id, passwordIsInitial: true, passwordHash: account.passwordHash ?? IsNull() }, {
    passwordHash: issued.hash, passwordExpiresAt: issued.expiresAt, updatedAt: new Date(),
  });
  if (result.affected !== 1) {
    const now = await services.accounts.findById(account.id);
    throw new ReviewError(now?.passwordIsInitial ? 'already_reissued' : 'not_initial');
  }
  const mailQueued = await queueMail(services, account.email, staffMails.initialPasswordReissued(services.langOf(account.locale), services.mailBranding, {
    password: issued.password, expiresAt: issued.expiresAt, loginUrl: graduateLoginUrl(services.config),
  }));
  await services.audit.record('initial_password.issued', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, reissued: true, mailQueued } });
  return { mailQueued, expiresAt: issued.expiresAt };
}

/** ロックする: a locked account cannot sign in, and its sessions end at once. */
export async function lockAccount(
  services: Pick<Services, 'database' | 'accounts' | 'audit' | 'signIns'>, actor: StaffActor, input: { accountId: string },
): Promise<void> {
  const account = await services.accounts.findById(input.accountId);
  if (!account) throw new ReviewError('not_found');
  await accountRows(services).update({ id: account.id }, { locked: true, updatedAt: new Date() });
  await services.signIns.endEveryOf(account.id);
  await services.audit.record('account.locked', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id } });
}

/** The two locks an account can be under (DESIGN §5): set by staff, and by failed logins (the throttle). */
export interface LockState {
  staffLock: boolean;
  /** Failed logins counted in the throttle's window (throttle.perAccount). */
  failures: number;
  maxFailures: number;
  /** While failed logins hold the account locked: until when. */
  loginLockedUntil?: Date;
}

export async function lockStateOf(services: Pick<Services, 'config' | 'throttle'>, account: AccountRow): Promise<LockState> {
  const key = accountThrottleKey(services.config, account);
  const state = await services.throttle.stateOf(key);
  return { staffLock: Boolean(account.locked), failures: state.failures, maxFailures: key.rule.maxFailures, loginLockedUntil: state.lockedUntil };
}

/**
 * ロックを解除する: lifts both locks — the one staff set and the one failed logins set (the account's
 * throttle key, whose counted failures go too), so the user can sign in at once. The address lock
 * (throttle.perIp) stays: it is shared by everyone behind that address. Audited with what was lifted.
 */
export async function unlockAccount(
  services: Pick<Services, 'config' | 'database' | 'accounts' | 'throttle' | 'audit'>, actor: StaffActor, input: { accountId: string },
): Promise<{ staffLock: boolean; loginLock: boolean }> {
  const account = await services.accounts.findById(input.accountId);
  if (!account) throw new ReviewError('not_found');
  const key = accountThrottleKey(services.config, account);
  const loginLock = (await services.throttle.lockedKeys([key])).length > 0;
  const staffLock = Boolean(account.locked);
  if (staffLock) await accountRows(services).update({ id: account.id }, { locked: false, updatedAt: new Date() });
  await services.throttle.reset(key);
  await services.audit.record('account.unlocked', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, by: 'staff', staffLock, loginLock } });
  return { staffLock, loginLock };
}

/** The account's live sessions, with the names of the services they signed in to. */
export async function accountSessions(services: Pick<Services, 'config' | 'database'>, accountId: string) {
  const names = new Map(services.config.clients.map((c) => [c.client_id, (c as { client_name?: string }).client_name ?? c.client_id]));
  return (await sessionsOf(services.database, accountId)).map((session) => ({
    ...session, clients: session.clientIds.map((id) => names.get(id) ?? id),
  }));
}

/**
 * すべてのセッションを終了: every session of the account ends, with its grants and every token issued
 * under them (a relying party's refresh token stops working too), on every replica. Audited with the
 * number of sessions that were live.
 */
export async function endAccountSessions(
  services: Pick<Services, 'config' | 'database' | 'accounts' | 'audit' | 'signIns'>, actor: StaffActor, input: { accountId: string },
): Promise<number> {
  const account = await services.accounts.findById(input.accountId);
  if (!account) throw new ReviewError('not_found');
  const sessions = (await sessionsOf(services.database, account.id)).length;
  await services.signIns.endEveryOf(account.id);
  await services.audit.record('account.sessions_ended', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, sessions } });
  return sessions;
}

/** The audit events of an account's login history (ログイン履歴). */
export const LOGIN_EVENTS: AuditEvent[] = ['login.success', 'login.failure', 'login.locked', 'logout', 'account.reauthenticated', 'account.reauthentication_failed', 'account.sessions_ended'];

/** The account's sign-ins, failed and refused logins and logouts, newest first. */
export async function loginHistoryOf(services: Pick<Services, 'database'>, accountId: string, limit = 20): Promise<AuditEventRow[]> {
  return services.database.dataSource.getRepository(services.database.entities.AuditEvent).find({
    where: { accountId, event: In(LOGIN_EVENTS) }, order: { occurredAt: 'DESC', id: 'DESC' }, take: limit,
  });
}

export type ResetMailKind = keyof typeof RESET_LINKS;

/** Why no reset mail can be sent (the page explains each: staff.account.reset_refused.*). */
export class ResetMailRefused extends Error {
  override name = 'ResetMailRefused';
  constructor(readonly problem: 'account_locked' | 'no_second_password') {
    super(problem);
  }
}

/** Which reset mail an account can be sent: a graduate's passwords (G11), a student's second password (S6). */
export function resetMailKindOf(account: AccountRow): ResetMailKind {
  return account.userType === 'graduate' ? 'password' : 'secondPassword';
}

/**
 * パスワード再設定メール / 第2パスワード再設定メール: the same mail and one-time link as the user's own
 * パスワードを忘れた場合 (G11) or 第2パスワードを忘れた場合 (S6), to the registered address, in the user's
 * language, under the same mail limit; audited as that request with the staff member. Not for an
 * account staff locked (the link would be refused), nor one with no address; a student's link only
 * once a second password exists (before, the first login sets it).
 */
export async function sendResetMail(
  services: Pick<Services, 'config' | 'accounts' | 'tokens' | 'audit' | 'sendMail' | 'mailBranding' | 'langOf'>,
  actor: StaffActor, input: { accountId: string },
): Promise<{ kind: ResetMailKind; result: 'sent' | 'limited' }> {
  const account = await services.accounts.findById(input.accountId);
  if (!account) throw new ReviewError('not_found');
  if (!account.email) throw new ReviewError('no_email');
  if (account.locked) throw new ResetMailRefused('account_locked');
  const kind = resetMailKindOf(account);
  if (kind === 'secondPassword' && !account.secondPasswordHash) throw new ResetMailRefused('no_second_password');
  const result = await mailResetLink(services, {
    ...RESET_LINKS[kind], account: { id: account.id, email: account.email }, lang: services.langOf(account.locale), ip: actor.ip ?? '',
    auditDetail: { staffId: actor.id, by: 'staff' },
  });
  return { kind, result };
}
