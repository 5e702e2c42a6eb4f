import type { Lang } from '../config/types.js';
import { mailTemplates } from '../mail/templates.js';
import { destroySessionsOf } from '../oidc/adapter.js';
import { isReused, recordCredential } from '../passwords/history.js';
import { checkPasswordPolicy } from '../passwords/policy.js';
import type { Services } from '../services.js';
import { underMailLimit } from '../students/service.js';
import { oneTimeUrl } from '../tokens/one-time-tokens.js';
import { graduateThrottleKeys, type PasswordSetupErrors } from './login-service.js';

// G11 パスワードを忘れた場合 (manual 002 §2.4(f)): メールアドレス → 送信 → one-time URL → new パスワード and
// 第2パスワード (each + 確認) → 設定.

export const RESET_PASSWORD_PATH = '/graduates/password/reset';

/** The same answer whether or not the address is registered; the mail limit applies as in S6. */
export async function requestPasswordReset(
  services: Services,
  input: { email: string; lang: Lang; interactionUid?: string; ip: string },
): Promise<void> {
  const account = await services.accounts.findGraduateByEmail(input.email);
  // A locked account cannot sign in, so it gets no link either (staff unlock it).
  if (!account?.email || account.locked) {
    await services.audit.record('password.reset_requested', { accountId: account?.id, ip: input.ip, detail: { matched: false } });
    return;
  }
  if (!(await underMailLimit(services, account.id))) {
    await services.audit.record('password.reset_requested', { accountId: account.id, ip: input.ip, detail: { matched: true, limited: true } });
    return;
  }
  const payload: Record<string, string> = { lang: input.lang };
  if (input.interactionUid) payload.interactionUid = input.interactionUid;
  const token = await services.tokens.issue('reset_password', account.id, payload);
  const url = oneTimeUrl(services.config.issuer, RESET_PASSWORD_PATH, token);
  await services.sendMail(account.email, mailTemplates.resetPassword(input.lang, services.mailBranding, url, services.tokens.lifetime));
  await services.audit.record('password.reset_requested', { accountId: account.id, ip: input.ip, detail: { matched: true } });
}

export type PasswordReset =
  | { kind: 'done'; interactionUid?: string }
  | { kind: 'expired' | 'used' | 'unknown' }
  | { kind: 'invalid'; errors: PasswordSetupErrors };

/**
 * Sets a new password and second password from the reset URL. Both follow their policy; the new
 * password differs from the old one; the two differ; neither repeats a recent one. The token is used
 * up only when the values are accepted. Then every session of the account ends, its login throttle
 * is reset, and a mail tells the user. An account still on its initial password leaves it behind.
 */
export async function resetPasswords(
  services: Services,
  input: { token: unknown; password: string; passwordConfirm: string; secondPassword: string; secondPasswordConfirm: string; ip: string },
): Promise<PasswordReset> {
  const { config, hasher } = services;
  const checked = await services.tokens.check('reset_password', input.token);
  if (checked.status !== 'valid') return { kind: checked.status };
  const account = await services.accounts.findById(checked.token.accountId);
  if (!account || account.userType !== 'graduate' || account.locked) return { kind: 'unknown' };
  const errors: PasswordSetupErrors = {
    password: checkPasswordPolicy(input.password, config.passwordPolicy.password ?? config.passwordPolicy.secondPassword),
    secondPassword: checkPasswordPolicy(input.secondPassword, config.passwordPolicy.secondPassword),
    passwordMismatch: input.password !== input.passwordConfirm,
    secondPasswordMismatch: input.secondPassword !== input.secondPasswordConfirm,
    sameAsInitial: false,
    passwordsEqual: input.password === input.secondPassword,
  };
  if (!errors.password.length && !errors.passwordMismatch && !errors.passwordsEqual) {
    if (await hasher.verify(account.passwordHash, input.password)) errors.password.push('same_as_forbidden');
    else if (await isReused(services, account.id, 'password', input.password)) errors.password.push('reused');
  }
  if (!errors.secondPassword.length && !errors.secondPasswordMismatch && !errors.passwordsEqual
    && await isReused(services, account.id, 'second_password', input.secondPassword)) errors.secondPassword.push('reused');
  if (errors.password.length || errors.secondPassword.length || errors.passwordMismatch || errors.secondPasswordMismatch || errors.passwordsEqual) {
    return { kind: 'invalid', errors };
  }
  const used = await services.tokens.consume('reset_password', input.token);
  if (used.status !== 'valid') return { kind: used.status };
  const [passwordHash, secondPasswordHash] = await Promise.all([hasher.hash(input.password), hasher.hash(input.secondPassword)]);
  await services.accounts.setPasswords(account.id, { passwordHash, secondPasswordHash });
  await recordCredential(services, account.id, 'password', passwordHash);
  await recordCredential(services, account.id, 'second_password', secondPasswordHash);
  await destroySessionsOf(services.database, account.id);
  await services.throttle.reset(graduateThrottleKeys(services, account.email ?? '', input.ip)[0]!);
  if (account.email) await services.sendMail(account.email, mailTemplates.passwordsReset(services.langOf(account.locale), services.mailBranding));
  await services.audit.record('password.reset', { accountId: account.id, ip: input.ip, detail: { wasInitial: Boolean(account.passwordIsInitial) } });
  return { kind: 'done', interactionUid: checked.token.payload?.interactionUid };
}
