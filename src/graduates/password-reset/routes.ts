import Router from '@koa/router';
import type { Context } from 'koa';
import { passwordRules } from '../../credentials/messages.js';
import { formPost } from '../../web/form-body.js';
import type { FieldErrors } from '../../web/forms.js';
import { interactionPath, type WebDeps } from '../../web/interaction.js';
import { renderTokenProblem } from '../../web/pages.js';
import { pageOf, render, renderMessage } from '../../web/render.js';
import { graduatePasswordPolicies, newPasswordsOf, passwordSetupErrors, typedPasswordErrors } from '../password-setup.js';
import { passwordResetForm } from './forms.js';
import { RESET_PASSWORD_PATH, requestPasswordReset, resetPasswords } from './service.js';
import type { PasswordResetTextKey } from './texts.js';
import { addForgotRoutes } from '../../email-verification/forgot-routes.js';

const FORGOT_PATH = '/graduates/password/forgot';

/** G11 パスワードを忘れた場合: /graduates/password/forgot and the one-time URL's form. */
export function passwordResetRoutes({ services }: Pick<WebDeps, 'services'>): Router {
  const policies = graduatePasswordPolicies(services.config);
  const router = new Router();

  addForgotRoutes<PasswordResetTextKey>(router, services, {
    path: FORGOT_PATH, view: 'graduates/forgot-password', title: 'forgot_password.title',
    request: (input) => requestPasswordReset(services, input),
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
    if (!form.ok) return resetPage(ctx, token, typedPasswordErrors(t, policies, form.errors, ctx.request.body));
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
