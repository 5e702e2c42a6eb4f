import type { AccountRow } from '../../db/entities.js';
import { pendingSetup, setupComplete } from '../../accounts/account-store.js';
import { checkNewPasswords, storePasswords, type NewPasswords, type PasswordSetupErrors } from '../../credentials/passwords.js';
import { graduateThrottleKey, ipThrottleKey } from '../../credentials/throttle-keys.js';
import type { Services } from '../../services.js';
import { credentialMails } from '../../credentials/mails.js';
import { admitAttempt } from '../../credentials/attempts.js';
import { upgradeStoredHashes } from '../../credentials/rehash.js';

// The graduate sign-in (manual 002 §2.1 steps 19–23, §2.2): 卒業生ログイン, パスワード設定 (G3) and
// 利用許諾 at login (G4). Plain functions over the services they name.

export type GraduateLogin =
  | { kind: 'ok'; account: AccountRow; complete: boolean }
  | { kind: 'invalid' }
  | { kind: 'initial_password_expired' };

/**
 * メールアドレス + パスワード (+ 第2パスワード once set). Wrong values, an unknown address and a locked
 * account give one answer. An expired initial password is told as such only to someone who typed it
 * correctly (they hold the approval mail), so nothing is revealed to anyone else.
 */
export async function authenticateGraduate(
  services: Pick<Services, 'config' | 'throttle' | 'audit' | 'hasher' | 'accounts'>,
  input: { email: string; password: string; secondPassword: string; ip: string },
): Promise<GraduateLogin> {
  const { throttle, audit, hasher, accounts } = services;
  const keys = [graduateThrottleKey(services.config, input.email), ipThrottleKey(services.config, input.ip)];
  if (!(await admitAttempt(services, keys, [input.password, input.secondPassword]))) {
    const known = await accounts.findGraduateByEmail(input.email);
    await audit.record('login.locked', { accountId: known?.id, ip: input.ip, detail: { userType: 'graduate' } });
    return { kind: 'invalid' };
  }
  const account = await accounts.findGraduateByEmail(input.email);
  // Both verifications side by side: a login waits for one argon2 time, not two.
  const secondChecked = Boolean(account?.secondPasswordHash) && !account?.passwordIsInitial;
  const [passwordOk, secondMatches] = await Promise.all([
    hasher.verify(account?.passwordHash, input.password),
    secondChecked
      ? hasher.verify(account?.secondPasswordHash, input.secondPassword)
      // First login: no second password yet; a value typed anyway costs the same time.
      : input.secondPassword ? hasher.verify(null, input.secondPassword) : Promise.resolve(false),
  ]);
  const secondOk = secondChecked ? secondMatches : Boolean(account);
  if (!account || account.locked || !passwordOk || !secondOk) {
    const locked = await throttle.lockExhausted(keys);
    await audit.record('login.failure', {
      accountId: account?.id, ip: input.ip,
      detail: { userType: 'graduate', reason: !account ? 'unknown' : account.locked ? 'locked' : !passwordOk ? 'password' : 'second_password' },
    });
    if (locked.length) await audit.record('login.locked', { accountId: account?.id, ip: input.ip, detail: { userType: 'graduate', lockedNow: true } });
    return { kind: 'invalid' };
  }
  if (account.passwordIsInitial && account.passwordExpiresAt && account.passwordExpiresAt.getTime() <= Date.now()) {
    await throttle.release(keys[1]!);
    await audit.record('login.failure', { accountId: account.id, ip: input.ip, detail: { userType: 'graduate', reason: 'initial_password_expired' } });
    return { kind: 'initial_password_expired' };
  }
  await throttle.succeeded(keys[0]!, keys[1]!);
  await upgradeStoredHashes(services, account, { password: input.password, secondPassword: secondChecked ? input.secondPassword : undefined });
  const complete = setupComplete(pendingSetup(account, services.config.graduates?.terms.version));
  await audit.record('login.success', { accountId: account.id, ip: input.ip, detail: { userType: 'graduate', complete } });
  return { kind: 'ok', account, complete };
}

/**
 * パスワード設定 (G3): a new password and a second password, each with 確認. Both follow their policy;
 * the new password differs from the initial one; the two differ from each other.
 */
export async function setUpGraduatePasswords(
  services: Pick<Services, 'config' | 'database' | 'hasher' | 'accounts' | 'sendMail' | 'langOf' | 'mailBranding' | 'audit'>,
  input: { account: AccountRow; ip: string } & NewPasswords,
): Promise<{ kind: 'ok' | 'already_set' } | { kind: 'invalid'; errors: PasswordSetupErrors }> {
  const errors = await checkNewPasswords(services, input.account, input, 'initial');
  if (errors) return { kind: 'invalid', errors };
  // Only over the initial password read above: of two tabs (or a double click) setting them at once, one sets them.
  if (!(await storePasswords(services, input.account.id, input, input.account))) return { kind: 'already_set' };
  if (input.account.email) {
    await services.sendMail(input.account.email, credentialMails.passwordsSet(services.langOf(input.account.locale), services.mailBranding));
  }
  await services.audit.record('password.set', { accountId: input.account.id, ip: input.ip });
  return { kind: 'ok' };
}

export type TermsAcceptance = { kind: 'ok' } | { kind: 'version_changed' | 'must_agree' };

/**
 * 利用許諾 at login (G4, when the terms changed since the account accepted them): the version shown
 * must still be the current one, and the user must have agreed.
 */
export async function acceptTermsAtLogin(
  services: Pick<Services, 'config' | 'accounts' | 'audit'>,
  input: { account: AccountRow; version: string; agreed: boolean; ip: string },
): Promise<TermsAcceptance> {
  const current = services.config.graduates?.terms.version;
  if (!current || input.version !== current) return { kind: 'version_changed' };
  if (!input.agreed) return { kind: 'must_agree' };
  await services.accounts.acceptTerms(input.account.id, current);
  await services.audit.record('terms.accepted', { accountId: input.account.id, ip: input.ip, detail: { version: current } });
  return { kind: 'ok' };
}
