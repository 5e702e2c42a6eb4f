import Router from '@koa/router';
import type { Context } from 'koa';
import { forgotForm } from '../students/forms.js';
import { formBody, renderTokenProblem, secondPasswordRules } from '../students/routes.js';
import { verifyCsrf } from '../web/csrf.js';
import type { FieldErrors } from '../web/forms.js';
import { interactionPath, type WebDeps } from '../web/interaction.js';
import { render, renderMessage, type PageState } from '../web/render.js';
import { defineForm } from '../web/forms.js';
import type { JSONSchemaType } from 'ajv';
import type { PasswordSetupForm } from './forms.js';
import { passwordSetupErrors } from './login-routes.js';
import { RESET_PASSWORD_PATH, requestPasswordReset, resetPasswords } from './password-reset-service.js';

/** The reset form carries its token (the URL's), so it survives a rule broken on the form. */
interface PasswordResetForm extends PasswordSetupForm { token: string }
const newValue = { type: 'string', minLength: 1, maxLength: 64 } as const;
const passwordResetForm = defineForm<PasswordResetForm>({
  schema: {
    type: 'object',
    properties: {
      token: { type: 'string', minLength: 1, maxLength: 200 },
      password: newValue, password_confirm: newValue, second_password: newValue, second_password_confirm: newValue,
    },
    required: ['token', 'password', 'password_confirm', 'second_password', 'second_password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<PasswordResetForm>,
  labels: {
    password: 'password_setup.password', password_confirm: 'password_setup.confirm',
    second_password: 'password_setup.second_password', second_password_confirm: 'password_setup.confirm',
  },
});

/** G11 パスワードを忘れた場合: /graduates/password/forgot and the one-time URL's form. */
export function passwordResetRoutes({ services }: WebDeps): Router {
  const { config } = services;
  const policies = { password: config.passwordPolicy.password ?? config.passwordPolicy.secondPassword, secondPassword: config.passwordPolicy.secondPassword };
  const router = new Router();
  const forgotPath = '/graduates/password/forgot';

  const forgotPage = (ctx: Context, interaction: string, extra: Record<string, unknown> = {}) => {
    const { t } = ctx.state as PageState;
    render(ctx, 'graduates/forgot-password', { title: t('forgot_password.title'), interaction, ...extra });
  };
  router.get(forgotPath, (ctx) => forgotPage(ctx, interactionPath(ctx.query.interaction) ? String(ctx.query.interaction) : ''));
  router.post(forgotPath, formBody, async (ctx) => {
    verifyCsrf(ctx);
    const { t, lang } = ctx.state as PageState;
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
    const { t } = ctx.state as PageState;
    render(ctx, 'graduates/reset-password', { title: t('forgot_password.title'), token, rules: secondPasswordRules(t, policies.password), errors });
  };
  router.get(RESET_PASSWORD_PATH, async (ctx) => {
    const checked = await services.tokens.check('reset_password', ctx.query.token);
    if (checked.status !== 'valid') return renderTokenProblem(ctx, checked.status);
    resetPage(ctx, ctx.query.token);
  });
  router.post(RESET_PASSWORD_PATH, formBody, async (ctx) => {
    verifyCsrf(ctx);
    const { t } = ctx.state as PageState;
    const token = (ctx.request.body as Record<string, unknown>).token;
    const form = passwordResetForm(ctx.request.body, t);
    if (!form.ok) return resetPage(ctx, token, form.errors);
    const result = await resetPasswords(services, {
      token: form.value.token, password: form.value.password, passwordConfirm: form.value.password_confirm,
      secondPassword: form.value.second_password, secondPasswordConfirm: form.value.second_password_confirm, ip: ctx.ip,
    });
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
