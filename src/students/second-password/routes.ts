import Router from '@koa/router';
import type { Context } from 'koa';
import { passwordRules, secondPasswordErrors, typedCredentialErrors } from '../../credentials/messages.js';
import { formPost } from '../../web/form-body.js';
import { firstLoginStep, interactionPath, type WebDeps } from '../../web/interaction.js';
import { renderTokenProblem, renderUnavailable } from '../../web/pages.js';
import { pageOf, render, renderMessage, type PageLocals } from '../../web/render.js';
import type { StudentTextKey } from '../texts.js';
import { newSecondPasswordForm, resetForm } from './forms.js';
import { secondPasswordScreen } from './screen.js';
import { RESET_SECOND_PASSWORD_PATH, requestSecondPasswordReset, resetSecondPassword, setInitialSecondPassword } from './service.js';
import { addForgotRoutes } from '../../email-verification/forgot-routes.js';

const FORGOT_PATH = '/students/second-password/forgot';

/** S2 第2パスワード設定 at the first login, and S6 第2パスワードを忘れた場合 with its mailed reset URL. */
export function secondPasswordRoutes(deps: WebDeps): Router {
  const { services } = deps;
  const screen = secondPasswordScreen(deps);
  const policy = services.config.passwordPolicy.secondPassword;
  const router = new Router();

  router.post('/interaction/:uid/second-password', formPost(), async (ctx) => {
    const step = await firstLoginStep(ctx, deps, 'second_password');
    if (!step) return;
    const { details, account } = step;
    const { t } = pageOf<StudentTextKey>(ctx);
    const form = newSecondPasswordForm(ctx.request.body, t);
    if (!form.ok) return screen(ctx, details, { errors: typedCredentialErrors(t, policy, form.errors, ctx.request.body, 'second_password', t('second_password.label')) });
    const result = await setInitialSecondPassword(services, {
      account, candidate: form.value.second_password, confirmation: form.value.second_password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'unavailable') return renderUnavailable(ctx);
    if (result.kind === 'invalid') return screen(ctx, details, { errors: secondPasswordErrors(t, policy, result) });
    if (result.kind === 'already_set') {
      return renderMessage(ctx, {
        title: t('second_password.title'), paragraphs: [t('second_password.already_set')],
        link: { href: `/interaction/${details.uid}`, label: t('common.ok') }, status: 409, tone: 'error',
      });
    }
    renderMessage(ctx, {
      title: t('second_password.done_title'),
      paragraphs: [t('second_password.done')],
      link: { href: `/interaction/${details.uid}`, label: t('common.ok') },
    });
  });

  addForgotRoutes<StudentTextKey>(router, services, {
    path: FORGOT_PATH, view: 'students/forgot', title: 'forgot.title',
    request: (input) => requestSecondPasswordReset(services, input),
  });

  const resetPage = (ctx: Context, token: unknown, locals: PageLocals = {}) => {
    const { t } = pageOf<StudentTextKey>(ctx);
    render(ctx, 'students/reset', { title: t('forgot.title'), token, rules: passwordRules(t, policy), ...locals });
  };
  router.get(RESET_SECOND_PASSWORD_PATH, async (ctx) => {
    const checked = await services.tokens.check('reset_second_password', ctx.query.token);
    if (checked.status !== 'valid') return renderTokenProblem(ctx, checked.status);
    resetPage(ctx, ctx.query.token);
  });
  router.post(RESET_SECOND_PASSWORD_PATH, formPost(), async (ctx) => {
    const { t } = pageOf<StudentTextKey>(ctx);
    const form = resetForm(ctx.request.body, t);
    const token = (ctx.request.body as Record<string, unknown>).token;
    if (!form.ok) return resetPage(ctx, token, { errors: typedCredentialErrors(t, policy, form.errors, ctx.request.body, 'second_password', t('second_password.label')) });
    const result = await resetSecondPassword(services, {
      token: form.value.token, candidate: form.value.second_password, confirmation: form.value.second_password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'unavailable') return renderUnavailable(ctx);
    if (result.kind === 'invalid') return resetPage(ctx, token, { errors: secondPasswordErrors(t, policy, result.check) });
    if (result.kind !== 'done') return renderTokenProblem(ctx, result.kind);
    const back = interactionPath(result.interactionUid);
    renderMessage(ctx, {
      title: t('second_password.done_title'),
      paragraphs: [t('second_password.changed')],
      link: back ? { href: back, label: t('common.ok') } : undefined,
    });
  });

  return router;
}
