import type { Context } from 'koa';
import { passwordRules } from '../../credentials/messages.js';
import type { FieldErrors } from '../../web/forms.js';
import type { InteractionDetails, WebDeps } from '../../web/interaction.js';
import { pageOf, render } from '../../web/render.js';
import type { StudentTextKey } from '../texts.js';

/** S2 第2パスワード設定 at the first login, with the rules a new one must follow. */
export function secondPasswordScreen({ services }: Pick<WebDeps, 'services'>) {
  const policy = services.config.passwordPolicy.secondPassword;
  return (ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors } = {}): void => {
    const { t } = pageOf<StudentTextKey>(ctx);
    render(ctx, 'students/second-password', {
      title: t('second_password.title'),
      uid: details.uid,
      rules: passwordRules(t, policy),
      errors: options.errors,
    });
  };
}
