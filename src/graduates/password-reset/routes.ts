import Router from '@koa/router';
import type { Context } from 'koa';
import { passwordRules } from '../../credentials/messages.js';
import { forgotForm } from '../../email-verification/forms.js';
import { formPost } from '../../web/form-body.js';
import type { FieldErrors } from '../../web/forms.js';
import { interactionPath, type WebDeps } from '../../web/interaction.js';
import { renderTokenProblem } from '../../web/pages.js';
import { pageOf, render, renderMessage } from '../../web/render.js';
import { graduatePasswordPolicies, newPasswordsOf, passwordSetupErrors } from '../password-setup.js';
import { passwordResetForm } from './forms.js';
import { RESET_PASSWORD_PATH, requestPasswordReset, resetPasswords } from './service.js';
import type { PasswordResetTextKey } from './texts.js';

const FORGOT_PATH = '/graduates/password/forgot';

/** G11 パスワードを忘れた場合: /graduates/password/forgot and the one-time URL's form. */
export function passwordResetRoutes({ services }: Pick<WebDeps, 'services'>): Router {
  const policies = graduatePasswordPolicies(services.config);
  const router = new Router();

  /** `interaction`: the login this request came from (its page links back there), or ''. */
  const forgotPage = (ctx: Context, interaction: string, extra: Record<string, unknown> = {}) => {
    const { t } = pageOf<PasswordResetTextKey>(ctx);
    render(ctx, 'graduates/forgot-password', { title: t('forgot_password.title'), interaction, ...extra });
  };
  router.get(FORGOT_PATH, (ctx) => forgotPage(ctx, interactionPath(ctx.query.interaction) ? String(ctx.query.interaction) : ''));
  router.post(FORGOT_PATH, formPost(), async (ctx) => {
    const { t, lang } = pageOf<PasswordResetTextKey>(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const interaction = interactionPath(body.interaction) ? String(body.interaction) : '';
    const { interaction: _ignored, ...fields } = body;
    const form = forgotForm(fields, t);
    if (!form.ok) return forgotPage(ctx, interaction, { errors: form.errors, values: fields });
    await requestPasswordReset(services, { email: form.value.email, lang, interactionUid: interaction || undefined, ip: ctx.ip });
    const back = interactionPath(interaction);
    renderMessage(ctx, {
      title: t('forgot_password.title'),
      paragraphs: [t('forgot.sent')],
      link: back ? { href: back, label: t('common.go_to_login') } : undefined,
    });
  });

  const resetPage = (ctx: Context, token: unknown, errors?: FieldErrors) => {
    const { t } = pageOf<PasswordResetTextKey>(ctx);
    render(ctx, 'graduates/reset-password', { title: t('forgot_password.title'), token, rules: passwordRules(t, policies.password), errors });
  };
  router.get(RESET_PASSWORD_PATH, async (ctx) => {
    const checked = await services.tokens.check('reset_password', ctx.query.token);
    if (checked.status !== 'valid') return renderTokenProblem(ctx, checked.status);
    resetPage(ctx, ctx.query.token);
  });
  router.post(RESET_PASSWORD_PATH, formPost(), async (ctx) => {
    const { t } = pageOf<PasswordResetTextKey>(ctx);
    const token = (ctx.request.body as Record<string, unknown>).token;
    const form = passwordResetForm(ctx.request.body, t);
    if (!form.ok) return resetPage(ctx, token, form.errors);
    const result = await resetPasswords(services, { token: form.value.token, ...newPasswordsOf(form.value), ip: ctx.ip });
    if (result.kind === 'invalid') return resetPage(ctx, token, passwordSetupErrors(t, policies, result.errors));
    if (result.kind !== 'done') return renderTokenProblem(ctx, result.kind);
    const back = interactionPath(result.interactionUid);
    renderMessage(ctx, {
      title: t('forgot_password.title'),
      paragraphs: [t('password_setup.done')],
      link: { href: back ?? '/account?login_type=graduate', label: t('common.ok') },
    });
  });
  return router;
}
