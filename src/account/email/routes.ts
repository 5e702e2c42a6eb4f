import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountRow } from '../../db/entities.js';
import { showEmailLanding, useMailLang } from '../../email-verification/landing.js';
import { confirmEmail, requestEmailVerification } from '../../email-verification/service.js';
import { formPost } from '../../web/form-body.js';
import { addError } from '../../web/forms.js';
import type { WebDeps } from '../../web/interaction.js';
import { renderTokenProblem } from '../../web/pages.js';
import { pageOf, render, renderMessage, type PageLocals } from '../../web/render.js';
import type { AccountGuards } from '../guards.js';
import type { AccountTextKey } from '../texts.js';
import { changeEmailForm } from './forms.js';

const PATH = '/account/email';

/** S4/G7 メールアドレス変更: a one-time URL to the new address, which completes the change. */
export function emailRoutes({ services }: WebDeps, { withRecentSignIn }: AccountGuards): Router {
  const router = new Router();
  const menuLink = (ctx: Context) => ({ href: '/account', label: pageOf<AccountTextKey>(ctx).t('common.menu') });

  const emailPage = (ctx: Context, account: AccountRow, locals: PageLocals = {}) => {
    const { t } = pageOf<AccountTextKey>(ctx);
    render(ctx, 'account/change-email', { title: t('change_email.title'), currentEmail: account.email, ...locals });
  };

  router.get('/email', withRecentSignIn(PATH, (ctx, account) => emailPage(ctx, account)));
  router.post('/email', formPost(), withRecentSignIn(PATH, async (ctx, account) => {
    const { t, lang } = pageOf<AccountTextKey>(ctx);
    const values = ctx.request.body as Record<string, unknown>;
    const form = changeEmailForm(values, t);
    if (!form.ok) return emailPage(ctx, account, { errors: form.errors, values });
    const result = await requestEmailVerification(services, { account, email: form.value.email, lang, purpose: 'change_email', ip: ctx.ip });
    if (result.kind === 'limited') return emailPage(ctx, account, { errors: addError({}, 'email', t('error.mail_limit')), values });
    renderMessage(ctx, { title: t('change_email.title'), paragraphs: [t('email_setup.sent'), t('change_email.sent_detail')], link: menuLink(ctx) });
  }));

  // EMAIL_CONFIRM_PATHS.change_email, the mailed URL: a landing page that changes nothing (mail scanners
  // open it too, and it needs no sign-in: the mail may be opened on another device); its button posts.
  router.get('/email/confirm', async (ctx) => {
    await showEmailLanding<AccountTextKey>(ctx, services, {
      purpose: 'change_email', title: 'change_email.title', paragraphs: 'change_email.landing', button: 'change_email.landing_button',
    });
  });

  router.post('/email/confirm', formPost(), async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const result = await confirmEmail(services, { token: body.token, purpose: 'change_email', ip: ctx.ip });
    if (result.kind !== 'done') return renderTokenProblem(ctx, result.kind);
    useMailLang(ctx, result.lang);
    const { t } = pageOf<AccountTextKey>(ctx);
    renderMessage(ctx, { title: t('change_email.title'), paragraphs: [t('change_email.done')], link: menuLink(ctx) });
  });

  return router;
}
