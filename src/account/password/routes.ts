import Router from '@koa/router';
import type { Context } from 'koa';
import { addPolicyErrors, passwordRules, typedCredentialErrors } from '../../credentials/messages.js';
import { formPost } from '../../web/form-body.js';
import { addError } from '../../web/forms.js';
import type { WebDeps } from '../../web/interaction.js';
import { pageOf, render, renderMessage, type PageLocals } from '../../web/render.js';
import type { AccountGuards } from '../guards.js';
import type { AccountTextKey } from '../texts.js';
import { changePasswordForm } from './forms.js';
import { changePassword } from './service.js';
import { passwordPolicyOf } from '../../credentials/policy.js';

const PATH = '/account/password';

/** G9 パスワード変更 (graduates: students' passwords belong to the university). */
export function passwordRoutes({ services }: WebDeps, { withRecentSignIn, graduatesOnly }: AccountGuards): Router {
  const { config } = services;
  const policy = passwordPolicyOf(config);
  const router = new Router();

  const passwordPage = (ctx: Context, locals: PageLocals = {}) => {
    const { t } = pageOf<AccountTextKey>(ctx);
    render(ctx, 'account/change-password', { title: t('change_password.title'), rules: passwordRules(t, policy), ...locals });
  };

  router.get('/password', withRecentSignIn(PATH, graduatesOnly((ctx) => passwordPage(ctx))));
  router.post('/password', formPost(), withRecentSignIn(PATH, graduatesOnly(async (ctx, account) => {
    const { t } = pageOf<AccountTextKey>(ctx);
    const form = changePasswordForm(ctx.request.body, t);
    if (!form.ok) return passwordPage(ctx, { errors: typedCredentialErrors(t, policy, form.errors, ctx.request.body, 'password', t('change_password.new_label')) });
    const result = await changePassword(services, {
      account, current: form.value.current, candidate: form.value.password, confirmation: form.value.password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'wrong_current' || result.kind === 'locked') {
      return passwordPage(ctx, { errors: typedCredentialErrors(t, policy, addError({}, 'current', t('change_password.wrong_current')), ctx.request.body, 'password', t('change_password.new_label')) });
    }
    if (result.kind === 'invalid') {
      const label = t('change_password.new_label');
      const errors = addPolicyErrors(t, policy, {}, 'password', label, result.violations);
      if (result.mismatch) addError(errors, 'password_confirm', t('field.mismatch', { field: label }));
      return passwordPage(ctx, { errors });
    }
    renderMessage(ctx, { title: t('second_password.done_title'), paragraphs: [t('change_password.done')], link: { href: '/account', label: t('common.ok') } });
  })));

  return router;
}
