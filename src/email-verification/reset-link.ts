import type { Lang } from '../config/types.js';
import type { AuditDetail, TokenPurpose } from '../db/entities.js';
import type { AuditEvent } from '../audit/audit-log.js';
import { urlMail, type MailBranding, type MailContent } from '../mail/templates.js';
import type { Services } from '../services.js';
import { oneTimeUrl } from '../tokens/one-time-tokens.js';
import { issueWithinMailLimit } from './service.js';

// The mailed link of a forgotten credential (S6 第2パスワードを忘れた場合, G11 パスワードを忘れた場合): the
// caller has found the account the address belongs to; this sends it the one-time URL, within the
// mail limit. The forgotten-password pages run it after they have answered (forgot-routes.ts), and say
// the same in every case: neither their content nor their timing tells a registered address (no
// account enumeration). Staff send the same link from an account's page in the console.

/** One kind of reset link: what its token is for, where its URL leads, its mail and its audit event. */
export interface ResetLinkKind {
  purpose: Extract<TokenPurpose, 'reset_second_password' | 'reset_password'>;
  /** Where the URL leads (its token in the query); the flow that owns the path serves it. */
  path: string;
  mail: (lang: Lang, branding: MailBranding, url: string, minutes: number) => MailContent;
  /** The audit event of the request (also written when nothing is sent). */
  event: AuditEvent;
}

/** The reset links there are: a student's second password (S6) and a graduate's passwords (G11). */
export const RESET_LINKS = {
  /** S6 第2パスワードを忘れた場合 (manual 000 §2.4(c)). */
  secondPassword: {
    purpose: 'reset_second_password',
    path: '/students/second-password/reset',
    mail: (lang, b, url, minutes) => urlMail(lang, b, url, minutes, {
      ja: { title: '第2パスワードの再設定', lead: '第2パスワードの再設定を行います。\n以下の URL にアクセスし、第2パスワードを再設定して下さい。' },
      en: { title: 'Resetting your second password', lead: 'You asked to reset your second password.\nOpen the URL below to set a new one.' },
    }),
    event: 'second_password.reset_requested',
  },
  /** G11 パスワードを忘れた場合 (manual 002 §2.4(f)): a new password and a new second password. */
  password: {
    purpose: 'reset_password',
    path: '/graduates/password/reset',
    mail: (lang, b, url, minutes) => urlMail(lang, b, url, minutes, {
      ja: { title: 'パスワードの再設定', lead: 'パスワードの再設定を行います。\n以下の URL にアクセスし、パスワードおよび第2パスワードを再設定して下さい。' },
      en: { title: 'Resetting your password', lead: 'You asked to reset your password.\nOpen the URL below to set a new password and second password.' },
    }),
    event: 'password.reset_requested',
  },
} as const satisfies Record<string, ResetLinkKind>;

export interface ResetLinkRequest extends ResetLinkKind {
  account: { id: string; email: string };
  lang: Lang;
  /** The login the user came from, to return to after the reset. */
  interactionUid?: string;
  ip: string;
  /** Added to the audit event's detail (e.g. the staff member who sent the link). */
  auditDetail?: AuditDetail;
}

/** 'sent' once the mail is queued; 'limited' when the account's mail limit held it back (audited either way). */
export async function mailResetLink(
  services: Pick<Services, 'config' | 'tokens' | 'audit' | 'sendMail' | 'mailBranding'>,
  request: ResetLinkRequest,
): Promise<'sent' | 'limited'> {
  const { account, ip } = request;
  const payload: Record<string, string> = { lang: request.lang };
  if (request.interactionUid) payload.interactionUid = request.interactionUid;
  const token = await issueWithinMailLimit(services, request.purpose, account.id, payload);
  if (!token) {
    await services.audit.record(request.event, { accountId: account.id, ip, detail: { matched: true, limited: true, ...request.auditDetail } });
    return 'limited';
  }
  const url = oneTimeUrl(services.config.issuer, request.path, token);
  await services.sendMail(account.email, request.mail(request.lang, services.mailBranding, url, services.tokens.lifetime));
  await services.audit.record(request.event, { accountId: account.id, ip, detail: { matched: true, ...request.auditDetail } });
  return 'sent';
}
