import type { AccountRow } from '../../db/entities.js';
import { isReused, recordCredential } from '../../credentials/history.js';
import { credentialMails } from '../../credentials/mails.js';
import { checkPasswordPolicy, type PolicyViolation, passwordPolicyOf } from '../../credentials/policy.js';
import type { Services } from '../../services.js';
import { checkCurrentCredential } from '../current-credential.js';

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
  services: Pick<Services, 'config' | 'database' | 'hasher' | 'throttle' | 'audit' | 'accounts' | 'sendMail' | 'mailBranding' | 'langOf'>,
  input: { account: AccountRow; current: string; candidate: string; confirmation: string; ip: string },
): Promise<PasswordChange> {
  const { account, candidate } = input;
  const { config, hasher, audit } = services;
  const current = await checkCurrentCredential(services, {
    account, hash: account.passwordHash, value: input.current, failure: 'password.change_failed', ip: input.ip,
  });
  if (current.kind !== 'ok') return current;
  const violations = checkPasswordPolicy(candidate, passwordPolicyOf(config), [input.current]);
  const mismatch = candidate !== input.confirmation;
  if (!violations.length && !mismatch) {
    if (await hasher.verify(account.secondPasswordHash, candidate)) violations.push('passwords_equal');
    else if (await isReused(services, account.id, 'password', candidate)) violations.push('reused');
  }
  if (violations.length || mismatch) return { kind: 'invalid', violations, mismatch };
  const hash = await hasher.hash(candidate);
  await services.accounts.setPasswordHash(account.id, hash);
  await recordCredential(services, account.id, 'password', hash);
  if (account.email) await services.sendMail(account.email, credentialMails.passwordChanged(services.langOf(account.locale), services.mailBranding));
  await audit.record('password.changed', { accountId: account.id, ip: input.ip });
  return { kind: 'changed' };
}
