import type { AccountRow } from '../db/entities.js';
import { mailTemplates } from '../mail/templates.js';
import { graduateThrottleKeys } from '../graduates/login-service.js';
import { isReused, recordCredential } from '../passwords/history.js';
import { checkPasswordPolicy, type PolicyViolation } from '../passwords/policy.js';
import { throttleKey } from '../security/throttle.js';
import type { Services } from '../services.js';
import { checkNewSecondPassword, storeSecondPassword, studentThrottleKey, type SecondPasswordCheck } from '../students/service.js';

export type SecondPasswordChange =
  | { kind: 'changed' }
  | { kind: 'wrong_current' }
  | { kind: 'locked' }
  | SecondPasswordCheck;

/**
 * 第2パスワード変更: the current value first (throttled like a login), then the new one's rules; the
 * new one must differ from the current one. The user is told by mail.
 */
export async function changeSecondPassword(
  services: Services,
  input: { account: AccountRow; current: string; candidate: string; confirmation: string; ip: string },
): Promise<SecondPasswordChange> {
  const { account } = input;
  const key = accountThrottleKey(services, account);
  // Counted before it is checked, like a login, so parallel guesses cannot exceed the limit.
  if ((await services.throttle.admit([key])).length) {
    await services.audit.record('second_password.change_failed', { accountId: account.id, ip: input.ip, detail: { locked: true } });
    return { kind: 'locked' };
  }
  if (!(await services.hasher.verify(account.secondPasswordHash, input.current))) {
    await services.throttle.lockExhausted([key]);
    await services.audit.record('second_password.change_failed', { accountId: account.id, ip: input.ip });
    return { kind: 'wrong_current' };
  }
  await services.throttle.release(key);
  const checked = await checkNewSecondPassword(services, account, input.candidate, input.confirmation);
  if (checked.kind === 'unavailable') return checked;
  const sameAsCurrent = input.candidate === input.current;
  if (checked.kind === 'invalid' || sameAsCurrent) {
    const base = checked.kind === 'invalid' ? checked : { kind: 'invalid' as const, violations: [], sameAsUniversity: false, mismatch: false };
    // The current value is also in the history: one message says it.
    return { ...base, violations: sameAsCurrent ? [...base.violations.filter((v) => v !== 'reused'), 'same_as_forbidden'] : base.violations };
  }
  await storeSecondPassword(services, account.id, input.candidate);
  if (account.email) await services.sendMail(account.email, mailTemplates.secondPasswordChanged(services.langOf(account.locale), services.mailBranding));
  await services.audit.record('second_password.changed', { accountId: account.id, ip: input.ip });
  return { kind: 'changed' };
}

/** The per-account throttle key of a signed-in user (the one their login counts against). */
export function accountThrottleKey(services: Services, account: AccountRow) {
  if (account.userType === 'graduate') return graduateThrottleKeys(services, account.email ?? account.id, '')[0]!;
  if (account.directoryId) return studentThrottleKey(services, account.directoryId);
  return throttleKey('account', `${account.userType}:${account.id}`, services.config.throttle.perAccount);
}

export type PasswordChange =
  | { kind: 'changed' }
  | { kind: 'wrong_current' }
  | { kind: 'locked' }
  | { kind: 'invalid'; violations: PolicyViolation[]; mismatch: boolean };

/**
 * パスワード変更 (G9): 現在のパスワード (throttled like a login, on the graduate's login key), then the
 * new one: the password policy, 確認, not the current one, not the second password, not one of the
 * last passwords. The user is told by mail; the change is audited.
 */
export async function changePassword(
  services: Services,
  input: { account: AccountRow; current: string; candidate: string; confirmation: string; ip: string },
): Promise<PasswordChange> {
  const { account, candidate } = input;
  const { config, hasher, throttle, audit } = services;
  const key = accountThrottleKey(services, account);
  if ((await throttle.admit([key])).length) {
    await audit.record('password.change_failed', { accountId: account.id, ip: input.ip, detail: { locked: true } });
    return { kind: 'locked' };
  }
  if (!(await hasher.verify(account.passwordHash, input.current))) {
    await throttle.lockExhausted([key]);
    await audit.record('password.change_failed', { accountId: account.id, ip: input.ip });
    return { kind: 'wrong_current' };
  }
  await throttle.release(key);
  const violations = checkPasswordPolicy(candidate, config.passwordPolicy.password ?? config.passwordPolicy.secondPassword, [input.current]);
  const mismatch = candidate !== input.confirmation;
  if (!violations.length && !mismatch) {
    if (await hasher.verify(account.secondPasswordHash, candidate)) violations.push('passwords_equal');
    else if (await isReused(services, account.id, 'password', candidate)) violations.push('reused');
  }
  if (violations.length || mismatch) return { kind: 'invalid', violations, mismatch };
  const hash = await hasher.hash(candidate);
  await services.accounts.setPasswordHash(account.id, hash);
  await recordCredential(services, account.id, 'password', hash);
  if (account.email) await services.sendMail(account.email, mailTemplates.passwordChanged(services.langOf(account.locale), services.mailBranding));
  await audit.record('password.changed', { accountId: account.id, ip: input.ip });
  return { kind: 'changed' };
}
