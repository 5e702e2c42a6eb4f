import Router from '@koa/router';
import type { Context } from 'koa';
import { passwordRules, secondPasswordErrors, typedCredentialErrors } from '../../credentials/messages.js';
import type { AccountRow } from '../../db/entities.js';
import { formPost } from '../../web/form-body.js';
import { addError } from '../../web/forms.js';
import type { WebDeps } from '../../web/interaction.js';
import { renderUnavailable } from '../../web/pages.js';
import { pageOf, render, renderMessage, type PageLocals } from '../../web/render.js';
import type { AccountGuards } from '../guards.js';
import type { AccountTextKey } from '../texts.js';
import { SECOND_PASSWORD_SCREENS } from './forms.js';
import { changeSecondPassword } from './service.js';

const PATH = '/account/second-password';

const screenOf = (account: AccountRow) => SECOND_PASSWORD_SCREENS[account.userType === 'graduate' ? 'graduate' : 'student'];

/** 第2パスワード変更: the current one, then a new one by the rules. */
export function secondPasswordRoutes({ services }: WebDeps, { withRecentSignIn }: AccountGuards): Router {
  const policy = services.config.passwordPolicy.secondPassword;
  const router = new Router();

  const secondPasswordPage = (ctx: Context, account: AccountRow, locals: PageLocals = {}) => {
    const { t } = pageOf<AccountTextKey>(ctx);
    const { labels } = screenOf(account);
    render(ctx, 'account/change-second-password', {
      title: t('change_second_password.title'), rules: passwordRules(t, policy),
      currentLabel: t(labels.current), newLabel: t(labels.next), confirmLabel: t(labels.confirm), ...locals,
    });
  };

  router.get('/second-password', withRecentSignIn(PATH, (ctx, account) => secondPasswordPage(ctx, account)));
  router.post('/second-password', formPost(), withRecentSignIn(PATH, async (ctx, account) => {
    const { t } = pageOf<AccountTextKey>(ctx);
    const { form: parse, labels } = screenOf(account);
    const form = parse(ctx.request.body, t);
    if (!form.ok) return secondPasswordPage(ctx, account, { errors: typedCredentialErrors(t, policy, form.errors, ctx.request.body, 'second_password', t(labels.next)) });
    const result = await changeSecondPassword(services, {
      account, current: form.value.current, candidate: form.value.second_password, confirmation: form.value.second_password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'unavailable') return renderUnavailable(ctx);
    if (result.kind === 'wrong_current' || result.kind === 'locked') {
      return secondPasswordPage(ctx, account, { errors: typedCredentialErrors(t, policy, addError({}, 'current', t(labels.wrong)), ctx.request.body, 'second_password', t(labels.next)) });
    }
    if (result.kind === 'invalid') {
      return secondPasswordPage(ctx, account, { errors: secondPasswordErrors(t, policy, result, 'second_password', t(labels.next)) });
    }
    renderMessage(ctx, { title: t('second_password.done_title'), paragraphs: [t('second_password.changed')], link: { href: '/account', label: t('common.ok') } });
  }));

  return router;
}
