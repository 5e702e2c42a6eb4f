import type { AccountRow } from '../db/entities.js';
import { pendingSetup, setupComplete } from '../accounts/account-store.js';
import { mailTemplates } from '../mail/templates.js';
import { checkPasswordPolicy, type PolicyViolation } from '../passwords/policy.js';
import { isReused, recordCredential } from '../passwords/history.js';
import { throttleKey } from '../security/throttle.js';
import type { Services } from '../services.js';

// The graduate sign-in (manual 002 §2.1 steps 19–23, §2.2). Plain functions over the services.

export type GraduateLogin =
  | { kind: 'ok'; account: AccountRow; complete: boolean }
  | { kind: 'invalid' }
  | { kind: 'initial_password_expired' };

export function graduateThrottleKeys(services: Services, email: string, ip: string) {
  const { config } = services;
  return [
    throttleKey('account', `graduate:${email.normalize('NFKC').trim().toLowerCase()}`, config.throttle.perAccount),
    throttleKey('ip', ip, config.throttle.perIp),
  ];
}

/**
 * メールアドレス + パスワード (+ 第2パスワード once set). Wrong values, an unknown address and a locked
 * account give one answer. An expired initial password is told as such only to someone who typed it
 * correctly (they hold the approval mail), so nothing is revealed to anyone else.
 */
export async function authenticateGraduate(
  services: Services,
  input: { email: string; password: string; secondPassword: string; ip: string },
): Promise<GraduateLogin> {
  const { throttle, audit, hasher, accounts } = services;
  const keys = graduateThrottleKeys(services, input.email, input.ip);
  if ((await throttle.admit(keys)).length) {
    await hasher.verify(null, input.password);
    if (input.secondPassword) await hasher.verify(null, input.secondPassword);
    const known = await accounts.findGraduateByEmail(input.email);
    await audit.record('login.locked', { accountId: known?.id, ip: input.ip, detail: { userType: 'graduate' } });
    return { kind: 'invalid' };
  }
  const account = await accounts.findGraduateByEmail(input.email);
  const passwordOk = await hasher.verify(account?.passwordHash, input.password);
  let secondOk = false;
  if (account?.secondPasswordHash && !account.passwordIsInitial) {
    secondOk = await hasher.verify(account.secondPasswordHash, input.secondPassword);
  } else {
    // First login: no second password yet; a value typed anyway costs the same time.
    if (input.secondPassword) await hasher.verify(null, input.secondPassword);
    secondOk = Boolean(account);
  }
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
  await throttle.reset(keys[0]!);
  await throttle.release(keys[1]!);
  const complete = setupComplete(pendingSetup(account, services.config.graduates?.terms.version));
  await audit.record('login.success', { accountId: account.id, ip: input.ip, detail: { userType: 'graduate', complete } });
  return { kind: 'ok', account, complete };
}

export interface PasswordSetupErrors {
  password: PolicyViolation[];
  secondPassword: PolicyViolation[];
  passwordMismatch: boolean;
  secondPasswordMismatch: boolean;
  sameAsInitial: boolean;
  passwordsEqual: boolean;
}

/**
 * パスワード設定 (G3): a new password and a second password, each with 確認. Both follow their policy;
 * the new password differs from the initial one; the two differ from each other.
 */
export async function setUpGraduatePasswords(
  services: Services,
  input: { account: AccountRow; password: string; passwordConfirm: string; secondPassword: string; secondPasswordConfirm: string; ip: string },
): Promise<{ kind: 'ok' } | { kind: 'invalid'; errors: PasswordSetupErrors }> {
  const { config, hasher } = services;
  const passwordPolicy = config.passwordPolicy.password ?? config.passwordPolicy.secondPassword;
  const errors: PasswordSetupErrors = {
    password: checkPasswordPolicy(input.password, passwordPolicy),
    secondPassword: checkPasswordPolicy(input.secondPassword, config.passwordPolicy.secondPassword),
    passwordMismatch: input.password !== input.passwordConfirm,
    secondPasswordMismatch: input.secondPassword !== input.secondPasswordConfirm,
    sameAsInitial: false,
    passwordsEqual: input.password === input.secondPassword,
  };
  const shapeOk = !errors.password.length && !errors.passwordMismatch;
  if (shapeOk) errors.sameAsInitial = await hasher.verify(input.account.passwordHash, input.password);
  // Password history (a re-application's G3 must not bring back an earlier password either).
  if (shapeOk && !errors.sameAsInitial && !errors.passwordsEqual && await isReused(services, input.account.id, 'password', input.password)) errors.password.push('reused');
  if (!errors.secondPassword.length && !errors.secondPasswordMismatch && !errors.passwordsEqual
    && await isReused(services, input.account.id, 'second_password', input.secondPassword)) errors.secondPassword.push('reused');
  if (errors.password.length || errors.secondPassword.length || errors.passwordMismatch || errors.secondPasswordMismatch || errors.sameAsInitial || errors.passwordsEqual) {
    return { kind: 'invalid', errors };
  }
  const [passwordHash, secondPasswordHash] = await Promise.all([hasher.hash(input.password), hasher.hash(input.secondPassword)]);
  await services.accounts.setPasswords(input.account.id, { passwordHash, secondPasswordHash });
  await recordCredential(services, input.account.id, 'password', passwordHash);
  await recordCredential(services, input.account.id, 'second_password', secondPasswordHash);
  if (input.account.email) {
    await services.sendMail(input.account.email, mailTemplates.passwordsSet(services.langOf(input.account.locale), services.mailBranding));
  }
  await services.audit.record('password.set', { accountId: input.account.id, ip: input.ip });
  return { kind: 'ok' };
}
