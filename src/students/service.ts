import type { AccountRow } from '../db/entities.js';
import { EmailTakenError, normalizeEmail, pendingSetup, setupComplete } from '../accounts/account-store.js';
import { mailTemplates } from '../mail/templates.js';
import { checkPasswordPolicy, type PolicyViolation } from '../passwords/policy.js';
import { throttleKey } from '../security/throttle.js';
import type { Services } from '../services.js';
import { oneTimeUrl } from '../tokens/one-time-tokens.js';
import type { Lang } from '../config/types.js';
import { destroySessionsOf } from '../oidc/adapter.js';
import { isReused, recordCredential } from '../passwords/history.js';

// The current-student rules (manual 000_…). Plain functions over the services: the routes parse
// and render, these decide.

/** The per-account throttle key of a student. Case-folded: a directory may match IDs case-insensitively. */
export function studentThrottleKey(services: Services, userId: string) {
  return throttleKey('account', `student:${userId.toLowerCase()}`, services.config.throttle.perAccount);
}

export type StudentLogin =
  | { kind: 'ok'; account: AccountRow; complete: boolean }
  | { kind: 'invalid' }
  | { kind: 'unavailable' };

export const STUDENT_PATHS = {
  confirmEmail: '/students/email/confirm',
  resetSecondPassword: '/students/second-password/reset',
} as const;

/**
 * ユーザID + パスワード (+ 第2パスワード once set). Every wrong value, an unknown user, a student who
 * is not enrolled and a locked account give the same answer; only the audit log tells them apart.
 */
export async function authenticateStudent(
  services: Services,
  input: { userId: string; password: string; secondPassword: string; ip: string },
): Promise<StudentLogin> {
  const { throttle, audit, directory, hasher, accounts, config } = services;
  if (directory.kind !== 'password') return { kind: 'invalid' };
  const keys = [
    studentThrottleKey(services, input.userId),
    throttleKey('ip', input.ip, config.throttle.perIp),
  ];
  // The attempt is counted before it is checked, so that parallel attempts cannot exceed the limit.
  if ((await throttle.admit(keys)).length) {
    // As slow as a checked attempt, so that a lock is not told apart by timing either.
    await hasher.verify(null, input.password);
    if (input.secondPassword) await hasher.verify(null, input.secondPassword);
    const known = await accounts.findStudentByDirectoryId(input.userId);
    await audit.record('login.locked', { accountId: known?.id, ip: input.ip, detail: { userType: 'student' } });
    return { kind: 'invalid' };
  }

  const answer = await directory.verify(input.userId, input.password);
  if (answer.outcome === 'unavailable') {
    // Not the user's failure: the attempt does not count.
    for (const key of keys) await throttle.release(key);
    await audit.record('login.directory_unavailable', { ip: input.ip });
    return { kind: 'unavailable' };
  }

  let account: AccountRow | undefined;
  let secondPasswordOk: boolean;
  if (answer.outcome === 'ok') {
    account = await accounts.upsertStudent(answer.person);
    if (account.secondPasswordHash) {
      secondPasswordOk = await hasher.verify(account.secondPasswordHash, input.secondPassword);
    } else {
      // No second password yet: the first-login steps follow. A value typed anyway is hashed once,
      // so the time taken does not tell which of the three values was wrong.
      if (input.secondPassword) await hasher.verify(null, input.secondPassword);
      secondPasswordOk = true;
    }
  } else {
    if (input.secondPassword) await hasher.verify(null, input.secondPassword);
    secondPasswordOk = false;
  }

  if (!account || !secondPasswordOk) {
    const locked = await throttle.lockExhausted(keys);
    await audit.record('login.failure', {
      accountId: account?.id,
      ip: input.ip,
      detail: {
        userType: 'student',
        reason: account ? 'second_password' : 'directory',
        // Why the directory said no (not found, not enrolled, …): for the audit log, never the page.
        directoryReason: answer.outcome === 'invalid' ? answer.reason : undefined,
      },
    });
    if (locked.length) await audit.record('login.locked', { accountId: account?.id, ip: input.ip, detail: { userType: 'student', lockedNow: true } });
    return { kind: 'invalid' };
  }

  await throttle.reset(keys[0]!);
  await throttle.release(keys[1]!);
  const complete = setupComplete(pendingSetup(account));
  await audit.record('login.success', { accountId: account.id, ip: input.ip, detail: { userType: 'student', complete } });
  return { kind: 'ok', account, complete };
}

export async function underMailLimit(services: Services, accountId: string): Promise<boolean> {
  const since = new Date(Date.now() - 3600_000);
  return (await services.tokens.countIssuedSince(accountId, since)) < services.config.throttle.mailPerAccountPerHour;
}

export type MailRequest = { kind: 'sent' } | { kind: 'limited' };

/**
 * メールアドレス設定 and メールアドレス変更: a one-time URL goes to the new address. If the address
 * belongs to another account, that address is told so by mail instead, and the page says the same
 * as always (no account enumeration).
 */
export async function requestEmailVerification(
  services: Services,
  input: { account: AccountRow; email: string; lang: Lang; purpose: 'register_email' | 'change_email'; interactionUid?: string; ip: string },
): Promise<MailRequest> {
  const { accounts, tokens, audit, config } = services;
  if (!(await underMailLimit(services, input.account.id))) return { kind: 'limited' };
  const email = normalizeEmail(input.email);
  const lang = input.lang;
  if (!(await accounts.emailAvailableFor(input.account.id, email))) {
    // Count it against the mail limit like a real link, so the limit cannot be used to probe.
    await tokens.issue(input.purpose, input.account.id, { email, unusable: 'address_in_use' });
    await services.sendMail(email, mailTemplates.addressInUse(lang, services.mailBranding));
  } else {
    const payload: Record<string, string> = { email, lang };
    if (input.interactionUid) payload.interactionUid = input.interactionUid;
    const token = await tokens.issue(input.purpose, input.account.id, payload);
    const path = input.purpose === 'register_email' ? STUDENT_PATHS.confirmEmail : '/account/email/confirm';
    const url = oneTimeUrl(config.issuer, path, token);
    const template = input.purpose === 'register_email' ? mailTemplates.registerEmail : mailTemplates.changeEmail;
    await services.sendMail(email, template(lang, services.mailBranding, url, tokens.lifetime));
  }
  await services.accounts.setLocale(input.account.id, lang);
  await audit.record(input.purpose === 'register_email' ? 'email.registration_requested' : 'email.change_requested', { accountId: input.account.id, ip: input.ip });
  return { kind: 'sent' };
}

export type EmailConfirmation =
  | { kind: 'done'; interactionUid?: string; lang: Lang }
  | { kind: 'expired' | 'used' | 'unknown' | 'taken' };

/** Opening the one-time URL sets (or changes) the address; a change also tells the old address. */
export async function confirmEmail(
  services: Services,
  input: { token: unknown; purpose: 'register_email' | 'change_email'; ip: string },
): Promise<EmailConfirmation> {
  const { tokens, accounts, audit } = services;
  const used = await tokens.consume(input.purpose, input.token);
  if (used.status !== 'valid') return { kind: used.status };
  const payload = used.token.payload ?? {};
  if (payload.unusable || !payload.email) return { kind: 'unknown' };
  const account = await accounts.findById(used.token.accountId);
  if (!account) return { kind: 'unknown' };
  const previous = account.emailVerified ? account.email : null;
  try {
    await accounts.setVerifiedEmail(account.id, payload.email);
  } catch (error) {
    if (error instanceof EmailTakenError) return { kind: 'taken' };
    throw error;
  }
  const lang = services.langOf(payload.lang);
  if (input.purpose === 'change_email' && previous && previous !== payload.email) {
    await services.sendMail(previous, mailTemplates.emailChangedNotice(lang, services.mailBranding));
  }
  await audit.record(input.purpose === 'register_email' ? 'email.registered' : 'email.changed', { accountId: account.id, ip: input.ip });
  return { kind: 'done', interactionUid: payload.interactionUid, lang };
}

export type SecondPasswordCheck =
  | { kind: 'ok' }
  | { kind: 'invalid'; violations: PolicyViolation[]; sameAsUniversity: boolean; mismatch: boolean }
  | { kind: 'unavailable' };

/**
 * The 第2パスワード rules: the configured policy (the manual's by default), 確認 matching, and not the
 * university password. That last one is asked of the directory itself (it says whether the
 * candidate is the student's university password), so the university password is never stored.
 * A graduate's second password must differ from their password. None of the last second passwords
 * may come back (password history).
 */
export async function checkNewSecondPassword(
  services: Services,
  account: AccountRow,
  candidate: string,
  confirmation: string,
): Promise<SecondPasswordCheck> {
  const violations = checkPasswordPolicy(candidate, services.config.passwordPolicy.secondPassword);
  const mismatch = candidate !== confirmation;
  let sameAsUniversity = false;
  if (violations.length === 0 && !mismatch && account.directoryId && services.directory.kind === 'password') {
    const answer = await services.directory.verify(account.directoryId, candidate);
    if (answer.outcome === 'unavailable') return { kind: 'unavailable' };
    sameAsUniversity = answer.outcome === 'ok';
  }
  if (violations.length === 0 && !mismatch && !sameAsUniversity) {
    if (account.passwordHash && await services.hasher.verify(account.passwordHash, candidate)) violations.push('passwords_equal');
    else if (await isReused(services, account.id, 'second_password', candidate)) violations.push('reused');
  }
  if (violations.length || mismatch || sameAsUniversity) return { kind: 'invalid', violations, sameAsUniversity, mismatch };
  return { kind: 'ok' };
}

export async function storeSecondPassword(services: Services, accountId: string, candidate: string): Promise<void> {
  const hash = await services.hasher.hash(candidate);
  await services.accounts.setSecondPasswordHash(accountId, hash);
  await recordCredential(services, accountId, 'second_password', hash);
}

/** 第2パスワード設定 at first login. */
export async function setInitialSecondPassword(
  services: Services,
  input: { account: AccountRow; candidate: string; confirmation: string; ip: string },
): Promise<SecondPasswordCheck> {
  if (input.account.secondPasswordHash) return { kind: 'ok' };
  const checked = await checkNewSecondPassword(services, input.account, input.candidate, input.confirmation);
  if (checked.kind !== 'ok') return checked;
  await storeSecondPassword(services, input.account.id, input.candidate);
  await services.audit.record('second_password.set', { accountId: input.account.id, ip: input.ip });
  return checked;
}

/** 第2パスワードを忘れた場合: the same answer whether or not the address is registered. */
export async function requestSecondPasswordReset(
  services: Services,
  input: { email: string; lang: Lang; interactionUid?: string; ip: string },
): Promise<void> {
  const account = await services.accounts.findByEmail(input.email);
  if (!account || account.userType !== 'student' || !account.secondPasswordHash) {
    await services.audit.record('second_password.reset_requested', { ip: input.ip, detail: { matched: false } });
    return;
  }
  if (!(await underMailLimit(services, account.id))) {
    await services.audit.record('second_password.reset_requested', { accountId: account.id, ip: input.ip, detail: { matched: true, limited: true } });
    return;
  }
  const payload: Record<string, string> = { lang: input.lang };
  if (input.interactionUid) payload.interactionUid = input.interactionUid;
  const token = await services.tokens.issue('reset_second_password', account.id, payload);
  const url = oneTimeUrl(services.config.issuer, STUDENT_PATHS.resetSecondPassword, token);
  await services.sendMail(account.email!, mailTemplates.resetSecondPassword(input.lang, services.mailBranding, url, services.tokens.lifetime));
  await services.audit.record('second_password.reset_requested', { accountId: account.id, ip: input.ip, detail: { matched: true } });
}

export type SecondPasswordReset =
  | { kind: 'done'; interactionUid?: string }
  | { kind: 'expired' | 'used' | 'unknown' }
  | { kind: 'invalid'; check: Extract<SecondPasswordCheck, { kind: 'invalid' }> }
  | { kind: 'unavailable' };

/**
 * Sets the new second password from the reset URL. The token is used up only when the new value
 * is accepted, so a rule broken on the form does not cost the user the URL. Every session of the
 * account ends.
 */
export async function resetSecondPassword(
  services: Services,
  input: { token: unknown; candidate: string; confirmation: string; ip: string },
): Promise<SecondPasswordReset> {
  const checked = await services.tokens.check('reset_second_password', input.token);
  if (checked.status !== 'valid') return { kind: checked.status };
  const account = await services.accounts.findById(checked.token.accountId);
  if (!account) return { kind: 'unknown' };
  const policy = await checkNewSecondPassword(services, account, input.candidate, input.confirmation);
  if (policy.kind === 'unavailable') return policy;
  if (policy.kind === 'invalid') return { kind: 'invalid', check: policy };
  const used = await services.tokens.consume('reset_second_password', input.token);
  if (used.status !== 'valid') return { kind: used.status };
  await storeSecondPassword(services, account.id, input.candidate);
  await destroySessionsOf(services.database, account.id);
  if (account.directoryId) await services.throttle.reset(studentThrottleKey(services, account.directoryId));
  if (account.email) await services.sendMail(account.email, mailTemplates.secondPasswordChanged(services.langOf(account.locale), services.mailBranding));
  await services.audit.record('second_password.reset', { accountId: account.id, ip: input.ip });
  return { kind: 'done', interactionUid: checked.token.payload?.interactionUid };
}
