import type { AccountRow } from '../db/entities.js';
import { mailTemplates } from '../mail/templates.js';
import { throttleKey } from '../security/throttle.js';
import type { Services } from '../services.js';
import { checkNewSecondPassword, storeSecondPassword, type SecondPasswordCheck } from '../students/service.js';

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
  const key = throttleKey('account', `${account.userType}:${account.directoryId ?? account.id}`, services.config.throttle.perAccount);
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
    return { ...base, violations: sameAsCurrent ? [...base.violations, 'same_as_forbidden'] : base.violations };
  }
  await storeSecondPassword(services, account.id, input.candidate);
  if (account.email) await services.sendMail(account.email, mailTemplates.secondPasswordChanged(services.langOf(account.locale), services.mailBranding));
  await services.audit.record('second_password.changed', { accountId: account.id, ip: input.ip });
  return { kind: 'changed' };
}
