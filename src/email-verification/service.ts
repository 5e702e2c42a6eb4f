import { EmailTakenError, normalizeEmail } from '../accounts/account-store.js';
import type { Lang } from '../config/types.js';
import type { AccountRow, TokenPurpose } from '../db/entities.js';
import type { Services } from '../services.js';
import { oneTimeUrl } from '../tokens/one-time-tokens.js';
import { emailMails } from './mails.js';

// メールアドレス設定 (S1) and メールアドレス変更 (S4, G7): a one-time URL to the new address proves it.

export type EmailPurpose = 'register_email' | 'change_email';

/** Where each purpose's mailed URL leads. */
export const EMAIL_CONFIRM_PATHS: Record<EmailPurpose, string> = {
  register_email: '/students/email/confirm',
  change_email: '/account/email/confirm',
};

type EmailDeps = Pick<Services, 'config' | 'accounts' | 'tokens' | 'audit' | 'sendMail' | 'mailBranding' | 'langOf'>;

/**
 * Mails with a one-time URL are limited per account and hour (throttle.mailPerAccountPerHour): the
 * token for one, or none when the limit holds (src/tokens/one-time-tokens.ts counts and issues under
 * one lock, so requests sent at once cannot pass it together).
 */
export function issueWithinMailLimit(
  services: Pick<Services, 'config' | 'tokens'>, purpose: TokenPurpose, accountId: string, payload: Record<string, string>,
): Promise<string | undefined> {
  return services.tokens.issueWithinLimit(purpose, accountId, payload, services.config.throttle.mailPerAccountPerHour);
}

export type MailRequest = { kind: 'sent' } | { kind: 'limited' };

/**
 * メールアドレス設定 and メールアドレス変更: a one-time URL goes to the new address. If the address
 * belongs to another account, that address is told so by mail instead, and the page says the same
 * as always (no account enumeration).
 */
export async function requestEmailVerification(
  services: EmailDeps,
  input: { account: AccountRow; email: string; lang: Lang; purpose: EmailPurpose; interactionUid?: string; ip: string },
): Promise<MailRequest> {
  const { accounts, tokens, audit, config } = services;
  const email = normalizeEmail(input.email);
  const lang = input.lang;
  const available = await accounts.emailAvailableFor(input.account.id, email);
  const payload: Record<string, string> = available ? { email, lang } : { email, unusable: 'address_in_use' };
  if (available && input.interactionUid) payload.interactionUid = input.interactionUid;
  // An address in use counts against the mail limit like a real link, so the limit cannot be used to probe.
  const token = await issueWithinMailLimit(services, input.purpose, input.account.id, payload);
  if (!token) return { kind: 'limited' };
  if (!available) {
    await services.sendMail(email, emailMails.addressInUse(lang, services.mailBranding));
  } else {
    const path = EMAIL_CONFIRM_PATHS[input.purpose];
    const url = oneTimeUrl(config.issuer, path, token);
    const template = input.purpose === 'register_email' ? emailMails.registerEmail : emailMails.changeEmail;
    await services.sendMail(email, template(lang, services.mailBranding, url, tokens.lifetime));
  }
  await services.accounts.setLocale(input.account.id, lang);
  await audit.record(input.purpose === 'register_email' ? 'email.registration_requested' : 'email.change_requested', { accountId: input.account.id, ip: input.ip });
  return { kind: 'sent' };
}

export type EmailConfirmation =
  | { kind: 'done'; interactionUid?: string; lang: Lang }
  | { kind: 'expired' | 'used' | 'unknown' | 'taken' };

export type EmailTokenCheck =
  | { kind: 'valid'; email: string; lang: Lang }
  | { kind: 'expired' | 'used' | 'unknown' | 'taken' };

/**
 * The landing page of the mailed URL (GET and HEAD): what the token would do, WITHOUT using it up or
 * changing anything — mail scanners open every link, and only the page's button (confirmEmail) acts.
 */
export async function checkEmailToken(
  services: Pick<Services, 'tokens' | 'accounts' | 'langOf'>,
  input: { token: unknown; purpose: EmailPurpose },
): Promise<EmailTokenCheck> {
  const checked = await services.tokens.check(input.purpose, input.token);
  if (checked.status !== 'valid') return { kind: checked.status };
  const payload = checked.token.payload ?? {};
  if (payload.unusable || !payload.email) return { kind: 'unknown' };
  if (!(await services.accounts.findById(checked.token.accountId))) return { kind: 'unknown' };
  if (!(await services.accounts.emailAvailableFor(checked.token.accountId, payload.email))) return { kind: 'taken' };
  return { kind: 'valid', email: payload.email, lang: services.langOf(payload.lang) };
}

/**
 * An address as the landing page shows it (anyone holding the URL sees the page): the first letters
 * of its local part and the domain; the stars do not tell the length.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return email;
  const local = email.slice(0, at);
  return `${local.slice(0, local.length <= 3 ? 1 : 2)}****${email.slice(at)}`;
}

/**
 * The button of the landing page (a POST with the token): sets (or changes) the address and uses the
 * token up; a change also tells the old address.
 */
export async function confirmEmail(
  services: EmailDeps,
  input: { token: unknown; purpose: EmailPurpose; ip: string },
): Promise<EmailConfirmation> {
  const { tokens, accounts, audit } = services;
  const used = await tokens.consume(input.purpose, input.token);
  if (used.status !== 'valid') return { kind: used.status };
  const payload = used.token.payload ?? {};
  if (payload.unusable || !payload.email) return { kind: 'unknown' };
  const account = await accounts.findById(used.token.accountId);
  if (!account) return { kind: 'unknown' };
  const previous = account.emailVerified ? account.email : null;
  try {
    await accounts.setVerifiedEmail(account.id, payload.email);
  } catch (error) {
    if (error instanceof EmailTakenError) return { kind: 'taken' };
    throw error;
  }
  const lang = services.langOf(payload.lang);
  if (input.purpose === 'change_email' && previous && previous !== payload.email) {
    await services.sendMail(previous, emailMails.emailChangedNotice(lang, services.mailBranding));
  }
  await audit.record(input.purpose === 'register_email' ? 'email.registered' : 'email.changed', { accountId: account.id, ip: input.ip });
  return { kind: 'done', interactionUid: payload.interactionUid, lang };
}
