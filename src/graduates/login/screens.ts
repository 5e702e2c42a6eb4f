import type { Context } from 'koa';
import { passwordRules } from '../../credentials/messages.js';
import type { FieldErrors } from '../../web/forms.js';
import type { InteractionDetails, WebDeps } from '../../web/interaction.js';
import { pageOf, render } from '../../web/render.js';
import { graduatePasswordPolicies } from '../password-setup.js';
import { renderTerms } from '../terms.js';
import type { GraduateLoginTextKey } from './texts.js';

export type GraduateLoginFailure = 'invalid' | 'initial_password_expired';

/**
 * The graduate screens of the login interaction, for the interaction dispatcher (src/interaction) and
 * this flow's posts: 卒業生ログイン, パスワード設定 (G3), 利用許諾 (G4). The 在学生の方 / 卒業生の方
 * chooser is the dispatcher's own screen.
 */
export function graduateScreens({ services }: Pick<WebDeps, 'services'>) {
  const { config } = services;
  const policies = graduatePasswordPolicies(config);
  return {
    login(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors; values?: Record<string, unknown>; failed?: GraduateLoginFailure } = {}) {
      const { t, lang } = pageOf<GraduateLoginTextKey>(ctx);
      render(ctx, 'graduates/login', {
        title: t('login.graduate.title'), uid: details.uid, notes: config.graduates?.loginNotes[lang] ?? [],
        errors: options.errors, values: options.values, failed: options.failed, chooser: !details.params.login_type,
      });
    },
    passwordSetup(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors } = {}) {
      const { t } = pageOf<GraduateLoginTextKey>(ctx);
      render(ctx, 'graduates/password-setup', {
        title: t('password_setup.title'), uid: details.uid, rules: passwordRules(t, policies.password), errors: options.errors,
      });
    },
    terms(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors } = {}) {
      renderTerms(ctx, config.graduates?.terms, { action: `/interaction/${details.uid}/terms`, updated: true, errors: options.errors });
    },
  };
}

export type GraduateScreens = ReturnType<typeof graduateScreens>;
