import type { Lang } from '../../config/types.js';
import { checkNewPasswords, storePasswords, type NewPasswords, type PasswordSetupErrors } from '../../credentials/passwords.js';
import { liftLoginLockAfterReset } from '../../credentials/attempts.js';
import type { Services } from '../../services.js';
import { mailResetLink, RESET_LINKS } from '../../email-verification/reset-link.js';
import { credentialMails } from '../../credentials/mails.js';

// G11 パスワードを忘れた場合 (manual 002 §2.4(f)): メールアドレス → 送信 → one-time URL → new パスワード and
// 第2パスワード (each + 確認) → 設定.

export const RESET_PASSWORD_PATH = RESET_LINKS.password.path;

/**
 * The same answer whether or not the address is registered (run after the answer was sent:
 * email-verification/forgot-routes.ts); the mail limit applies as in S6.
 */
export async function requestPasswordReset(
  services: Pick<Services, 'config' | 'accounts' | 'tokens' | 'audit' | 'sendMail' | 'mailBranding' | 'langOf'>,
  input: { email: string; lang: Lang; interactionUid?: string; ip: string },
): Promise<void> {
  const account = await services.accounts.findGraduateByEmail(input.email);
  // A locked account cannot sign in, so it gets no link either (staff unlock it).
  if (!account?.email || account.locked) {
    await services.audit.record('password.reset_requested', { accountId: account?.id, ip: input.ip, detail: { matched: false } });
    return;
  }
  await mailResetLink(services, {
    ...RESET_LINKS.password, account: { id: account.id, email: account.email }, lang: input.lang, interactionUid: input.interactionUid, ip: input.ip,
  });
}

export type PasswordReset =
  | { kind: 'done'; interactionUid?: string }
  | { kind: 'expired' | 'used' | 'unknown' }
  | { kind: 'invalid'; errors: PasswordSetupErrors };

/**
 * Sets a new password and second password from the reset URL. Both follow their policy; the new
 * password differs from the old one; the two differ; neither repeats a recent one. The token is used
 * up only when the values are accepted. Then every session of the account ends, its login lock is
 * lifted (liftLoginLockAfterReset; a lock set by staff is not: such an account is refused here), and a
 * mail tells the user. An account still on its initial password leaves it behind.
 */
export async function resetPasswords(
  services: Pick<Services, 'tokens' | 'accounts' | 'config' | 'database' | 'hasher' | 'throttle' | 'sendMail' | 'langOf' | 'mailBranding' | 'audit' | 'signIns'>,
  input: { token: unknown; ip: string } & NewPasswords,
): Promise<PasswordReset> {
  const checked = await services.tokens.check('reset_password', input.token);
  if (checked.status !== 'valid') return { kind: checked.status };
  const account = await services.accounts.findById(checked.token.accountId);
  if (!account || account.userType !== 'graduate' || account.locked) return { kind: 'unknown' };
  const errors = await checkNewPasswords(services, account, input, 'current');
  if (errors) return { kind: 'invalid', errors };
  const used = await services.tokens.consume('reset_password', input.token);
  if (used.status !== 'valid') return { kind: used.status };
  await storePasswords(services, account.id, input);
  await services.signIns.endEveryOf(account.id);
  await liftLoginLockAfterReset(services, account, input.ip);
  if (account.email) await services.sendMail(account.email, credentialMails.passwordsReset(services.langOf(account.locale), services.mailBranding));
  await services.audit.record('password.reset', { accountId: account.id, ip: input.ip, detail: { wasInitial: Boolean(account.passwordIsInitial) } });
  return { kind: 'done', interactionUid: checked.token.payload?.interactionUid };
}
