import type { AccountRow } from '../../db/entities.js';
import { credentialMails } from '../../credentials/mails.js';
import { checkNewSecondPassword, storeSecondPassword, type SecondPasswordCheck, type SecondPasswordDeps } from '../../credentials/second-password.js';
import type { Services } from '../../services.js';
import { checkCurrentCredential } from '../current-credential.js';

export type SecondPasswordChange =
  | { kind: 'changed' }
  | { kind: 'wrong_current' }
  | { kind: 'locked' }
  | SecondPasswordCheck;

/**
 * 第2パスワード変更 (S5/G10): the current value first (throttled like a login), then the new one's
 * rules; the new one must differ from the current one. The user is told by mail.
 */
export async function changeSecondPassword(
  services: SecondPasswordDeps & Pick<Services, 'throttle' | 'audit' | 'sendMail' | 'mailBranding' | 'langOf'>,
  input: { account: AccountRow; current: string; candidate: string; confirmation: string; ip: string },
): Promise<SecondPasswordChange> {
  const { account } = input;
  const current = await checkCurrentCredential(services, {
    account, hash: account.secondPasswordHash, value: input.current, failure: 'second_password.change_failed', ip: input.ip,
  });
  if (current.kind !== 'ok') return current;
  const checked = await checkNewSecondPassword(services, account, input.candidate, input.confirmation);
  if (checked.kind === 'unavailable') return checked;
  const sameAsCurrent = input.candidate === input.current;
  if (checked.kind === 'invalid' || sameAsCurrent) {
    const base = checked.kind === 'invalid' ? checked : { kind: 'invalid' as const, violations: [], sameAsUniversity: false, mismatch: false };
    // The current value is also in the history: one message says it.
    return { ...base, violations: sameAsCurrent ? [...base.violations.filter((v) => v !== 'reused'), 'same_as_forbidden'] : base.violations };
  }
  await storeSecondPassword(services, account.id, input.candidate);
  if (account.email) await services.sendMail(account.email, credentialMails.secondPasswordChanged(services.langOf(account.locale), services.mailBranding));
  await services.audit.record('second_password.changed', { accountId: account.id, ip: input.ip });
  return { kind: 'changed' };
}
