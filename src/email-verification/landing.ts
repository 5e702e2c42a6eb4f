import type { Context } from 'koa';
import type { Lang } from '../config/types.js';
import type { Services } from '../services.js';
import { applyLang } from '../web/lang.js';
import { renderTokenProblem } from '../web/pages.js';
import { pageOf, render } from '../web/render.js';
import { checkEmailToken, EMAIL_CONFIRM_PATHS, maskEmail, type EmailPurpose } from './service.js';
import type { EmailTextKey } from './texts.js';

// The landing page of a mailed address link (S1 メールアドレス設定, S4/G7 メールアドレス変更). GET and HEAD
// only look the token up (mail scanners open every link, cookie-less and repeatedly): the page says
// which address will be set and offers one button, a CSRF-protected POST to the same path with the
// token in a hidden field; only that POST (confirmEmail) uses the token up.

/** The landing page of a purpose, as keys of the capability's texts. */
export interface EmailLanding<K extends string> {
  purpose: EmailPurpose;
  title: K;
  /** What pressing the button does (a list). */
  paragraphs: K;
  button: K;
}

/**
 * The pages of a mailed link speak the language the mail was written in (that of the page that asked
 * for it), unless this browser chose one (?lang=, or its remembered choice): the link may well be
 * opened on another device.
 */
export function useMailLang(ctx: Context, lang: Lang): void {
  if (!ctx.state.langExplicit) applyLang(ctx, lang, false);
}

export async function showEmailLanding<K extends string>(
  ctx: Context, services: Pick<Services, 'tokens' | 'accounts' | 'langOf'>, landing: EmailLanding<K>,
): Promise<void> {
  const token = ctx.query.token;
  const checked = await checkEmailToken(services, { token, purpose: landing.purpose });
  if (checked.kind !== 'valid') return renderTokenProblem(ctx, checked.kind);
  useMailLang(ctx, checked.lang);
  const { t } = pageOf<K | EmailTextKey>(ctx);
  render(ctx, 'email-confirm', {
    title: t(landing.title),
    paragraphs: t.list(landing.paragraphs),
    addressLabel: t('email.label'),
    address: maskEmail(checked.email),
    action: EMAIL_CONFIRM_PATHS[landing.purpose],
    token: String(token),
    button: t(landing.button),
  });
}
