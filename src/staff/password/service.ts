import { admitAttempt } from '../../credentials/attempts.js';
import { isReused, recordCredential } from '../../credentials/history.js';
import { checkPasswordPolicy, type PolicyViolation } from '../../credentials/policy.js';
import type { StaffUserRow } from '../../db/entities.js';
import type { Services } from '../../services.js';
import { staffAccountThrottleKey } from '../auth/service.js';
import { strictPasswordPolicy } from '../initial-password.js';
import type { StaffStore } from '../staff-store.js';

// パスワード変更 of a staff user (their own password): the rules and the history of the graduates'
// password (G9), the current password checked like a sign-in (throttled on the user's sign-in key).

export type StaffPasswordChange =
  | { kind: 'changed' }
  | { kind: 'wrong_current' }
  | { kind: 'invalid'; violations: PolicyViolation[]; mismatch: boolean; sameAsLoginId: boolean };

/**
 * The current password (a wrong one, or a throttled attempt, counts like a failed sign-in and is
 * audited), then the new one: the password policy, 確認, not the current password, not the login ID,
 * not one of the last `passwordPolicy.historySize`. The user's other sessions end; the change is audited.
 */
export async function changeOwnPassword(
  services: Pick<Services, 'config' | 'database' | 'hasher' | 'throttle' | 'audit'>, store: StaffStore,
  input: { staff: StaffUserRow; sessionValue: string; current: string; candidate: string; confirmation: string; ip: string },
): Promise<StaffPasswordChange> {
  const { staff, candidate } = input;
  const key = staffAccountThrottleKey(services, staff.loginId);
  if (!(await admitAttempt(services, [key], [input.current]))) {
    await services.audit.record('staff.password_change_failed', { ip: input.ip, detail: { staffId: staff.id, reason: 'throttled' } });
    return { kind: 'wrong_current' };
  }
  if (!(await services.hasher.verify(staff.passwordHash, input.current))) {
    const locked = await services.throttle.lockExhausted([key]);
    await services.audit.record('staff.password_change_failed', { ip: input.ip, detail: { staffId: staff.id, reason: 'password', lockedNow: locked.length > 0 } });
    return { kind: 'wrong_current' };
  }
  await services.throttle.release(key);
  const violations = checkPasswordPolicy(candidate, strictPasswordPolicy(services), [input.current]);
  const sameAsLoginId = candidate.toLowerCase() === staff.loginId.toLowerCase();
  const mismatch = candidate !== input.confirmation;
  if (!violations.length && !mismatch && !sameAsLoginId && (await isReused(services, staff.id, 'staff_password', candidate))) violations.push('reused');
  if (violations.length || mismatch || sameAsLoginId) return { kind: 'invalid', violations, mismatch, sameAsLoginId };
  const hash = await services.hasher.hash(candidate);
  await store.setPassword(staff.id, hash, false);
  await recordCredential(services, staff.id, 'staff_password', hash);
  await store.endOtherSessions(staff.id, input.sessionValue);
  await services.audit.record('staff.password_changed', { ip: input.ip, detail: { staffId: staff.id, loginId: staff.loginId } });
  return { kind: 'changed' };
}
