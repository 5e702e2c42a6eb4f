import type { Context } from 'koa';
import type { FieldErrors } from '../../web/forms.js';
import type { InteractionDetails, WebDeps } from '../../web/interaction.js';
import { pageOf, render } from '../../web/render.js';
import type { StudentTextKey } from '../texts.js';

export interface EmailRegistrationOptions { errors?: FieldErrors; values?: Record<string, unknown>; sent?: boolean }

/** S1 メールアドレス設定 at the first login (and, once sent, what to check when no mail arrives). */
export function emailRegistrationScreen({ services }: Pick<WebDeps, 'services'>) {
  const { config } = services;
  return (ctx: Context, details: InteractionDetails, options: EmailRegistrationOptions = {}): void => {
    const { t } = pageOf<StudentTextKey>(ctx);
    render(ctx, 'students/email-registration', {
      title: t('email_setup.title'),
      uid: details.uid,
      allowListAddress: config.mail.allowListAddress ?? config.mail.from,
      minutes: config.lifetimes.oneTimeUrlMinutes,
      errors: options.errors,
      values: options.values,
      sent: options.sent,
    });
  };
}
