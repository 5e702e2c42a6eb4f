import type { AccountRow } from '../../db/entities.js';
import type { Lang } from '../../config/types.js';
import type { Services } from '../../services.js';
import { credentialMails } from '../../credentials/mails.js';
import { checkNewSecondPassword, storeSecondPassword, type SecondPasswordCheck, type SecondPasswordDeps } from '../../credentials/second-password.js';
import { liftLoginLockAfterReset } from '../../credentials/attempts.js';
import { mailResetLink, RESET_LINKS } from '../../email-verification/reset-link.js';

// 第2パスワード設定 at the first login (S2) and 第2パスワードを忘れた場合 (S6). Plain functions over the
// services: the routes parse and render, these decide.

/** Where the mailed reset URL leads. */
export const RESET_SECOND_PASSWORD_PATH = RESET_LINKS.secondPassword.path;

/** 第2パスワード設定 at first login. */
export async function setInitialSecondPassword(
  services: SecondPasswordDeps & Pick<Services, 'audit'>,
  input: { account: AccountRow; candidate: string; confirmation: string; ip: string },
): Promise<SecondPasswordCheck | { kind: 'already_set' }> {
  if (input.account.secondPasswordHash) return setMeanwhile(services, input.account.secondPasswordHash, input.candidate);
  const checked = await checkNewSecondPassword(services, input.account, input.candidate, input.confirmation);
  if (checked.kind !== 'ok') return checked;
  // Only if still unset: of two tabs (or a double click) setting it at once, one sets it.
  if (!(await storeSecondPassword(services, input.account.id, input.candidate, true))) {
    return setMeanwhile(services, (await services.accounts.findById(input.account.id))?.secondPasswordHash ?? null, input.candidate);
  }
  await services.audit.record('second_password.set', { accountId: input.account.id, ip: input.ip });
  return checked;
}

/** A second password set meanwhile by another request: fine if it is the value typed here, else the user is told. */
async function setMeanwhile(services: Pick<Services, 'hasher'>, stored: string | null, candidate: string): Promise<{ kind: 'ok' | 'already_set' }> {
  return { kind: (await services.hasher.verify(stored, candidate)) ? 'ok' : 'already_set' };
}

/**
 * 第2パスワードを忘れた場合: the same answer whether or not the address is registered (run after the
 * answer was sent: email-verification/forgot-routes.ts). An account locked by staff gets no link.
 */
export async function requestSecondPasswordReset(
  services: Pick<Services, 'config' | 'accounts' | 'tokens' | 'audit' | 'sendMail' | 'mailBranding' | 'langOf'>,
  input: { email: string; lang: Lang; interactionUid?: string; ip: string },
): Promise<void> {
  const account = await services.accounts.findByEmail(input.email);
  if (!account || account.userType !== 'student' || !account.secondPasswordHash || account.locked) {
    await services.audit.record('second_password.reset_requested', { accountId: account?.locked ? account.id : undefined, ip: input.ip, detail: { matched: false } });
    return;
  }
  await mailResetLink(services, {
    ...RESET_LINKS.secondPassword, account: { id: account.id, email: account.email! }, lang: input.lang, interactionUid: input.interactionUid, ip: input.ip,
  });
}

export type SecondPasswordReset =
  | { kind: 'done'; interactionUid?: string }
  | { kind: 'expired' | 'used' | 'unknown' }
  | { kind: 'invalid'; check: Extract<SecondPasswordCheck, { kind: 'invalid' }> }
  | { kind: 'unavailable' };

/**
 * Sets the new second password from the reset URL. The token is used up only when the new value
 * is accepted, so a rule broken on the form does not cost the user the URL. Every session of the
 * account ends, and its login lock is lifted (not a lock set by staff: such an account is refused).
 */
export async function resetSecondPassword(
  services: SecondPasswordDeps & Pick<Services, 'tokens' | 'throttle' | 'audit' | 'signIns' | 'sendMail' | 'mailBranding' | 'langOf'>,
  input: { token: unknown; candidate: string; confirmation: string; ip: string },
): Promise<SecondPasswordReset> {
  const checked = await services.tokens.check('reset_second_password', input.token);
  if (checked.status !== 'valid') return { kind: checked.status };
  const account = await services.accounts.findById(checked.token.accountId);
  if (!account || account.locked) return { kind: 'unknown' };
  const policy = await checkNewSecondPassword(services, account, input.candidate, input.confirmation);
  if (policy.kind === 'unavailable') return policy;
  if (policy.kind === 'invalid') return { kind: 'invalid', check: policy };
  const used = await services.tokens.consume('reset_second_password', input.token);
  if (used.status !== 'valid') return { kind: used.status };
  await storeSecondPassword(services, account.id, input.candidate);
  await services.signIns.endEveryOf(account.id);
  await liftLoginLockAfterReset(services, account, input.ip);
  if (account.email) await services.sendMail(account.email, credentialMails.secondPasswordChanged(services.langOf(account.locale), services.mailBranding));
  await services.audit.record('second_password.reset', { accountId: account.id, ip: input.ip });
  return { kind: 'done', interactionUid: checked.token.payload?.interactionUid };
}
