import type { Lang } from '../config/types.js';
import type { TokenPurpose } from '../db/entities.js';
import type { AuditEvent } from '../audit/audit-log.js';
import type { MailBranding, MailContent } from '../mail/templates.js';
import type { Services } from '../services.js';
import { oneTimeUrl } from '../tokens/one-time-tokens.js';
import { underMailLimit } from './service.js';

// The mailed link of a forgotten credential (S6 第2パスワードを忘れた場合, G11 パスワードを忘れた場合): the
// caller has found the account the address belongs to; this sends it the one-time URL, within the
// mail limit. It runs after the page has answered (forgot-routes.ts), and the page says the same in
// every case: neither its content nor its timing tells a registered address (no account enumeration).

export interface ResetLinkRequest {
  account: { id: string; email: string };
  purpose: Extract<TokenPurpose, 'reset_second_password' | 'reset_password'>;
  /** Where the URL leads (its token in the query). */
  path: string;
  mail: (lang: Lang, branding: MailBranding, url: string, minutes: number) => MailContent;
  /** The audit event of the request (also written when nothing is sent). */
  event: AuditEvent;
  lang: Lang;
  /** The login the user came from, to return to after the reset. */
  interactionUid?: string;
  ip: string;
}

export async function mailResetLink(
  services: Pick<Services, 'config' | 'tokens' | 'audit' | 'sendMail' | 'mailBranding'>,
  request: ResetLinkRequest,
): Promise<void> {
  const { account, ip } = request;
  if (!(await underMailLimit(services, account.id))) {
    await services.audit.record(request.event, { accountId: account.id, ip, detail: { matched: true, limited: true } });
    return;
  }
  const payload: Record<string, string> = { lang: request.lang };
  if (request.interactionUid) payload.interactionUid = request.interactionUid;
  const token = await services.tokens.issue(request.purpose, account.id, payload);
  const url = oneTimeUrl(services.config.issuer, request.path, token);
  await services.sendMail(account.email, request.mail(request.lang, services.mailBranding, url, services.tokens.lifetime));
  await services.audit.record(request.event, { accountId: account.id, ip, detail: { matched: true } });
}
