import Router from '@koa/router';
import type { Context } from 'koa';
import { recentlyAuthenticated, recordConfirmation, safeReturn } from '../../sessions/reauthentication.js';
import { formPost } from '../../web/form-body.js';
import { addError } from '../../web/forms.js';
import type { WebDeps } from '../../web/interaction.js';
import { renderUnavailable } from '../../web/pages.js';
import { pageOf, render, type PageLocals } from '../../web/render.js';
import type { AccountGuards } from '../guards.js';
import { startLogin } from '../sign-in.js';
import type { AccountTextKey } from '../texts.js';
import { confirmForm } from './forms.js';
import { checkPasswordAgain } from './service.js';

/**
 * Re-authentication before a sensitive change (/account/confirm?return=…): パスワード again, or with
 * the university's SSO a fresh login there; then back to the page that asked.
 */
export function confirmRoutes({ services }: WebDeps, { withSession }: AccountGuards): Router {
  const router = new Router();

  const confirmPage = (ctx: Context, returnTo: string, locals: PageLocals = {}) => {
    const { t } = pageOf<AccountTextKey>(ctx);
    render(ctx, 'account/confirm', { title: t('reauth.title'), returnTo, ...locals });
  };

  router.get('/confirm', withSession(async (ctx, account, session) => {
    const returnTo = safeReturn(ctx.query.return);
    if (await recentlyAuthenticated(services, session)) return ctx.redirect(returnTo);
    // A student of the university's SSO confirms by a fresh sign-in there (the student's login screen directly).
    if (account.userType === 'student' && services.directory.kind === 'redirect') return startLogin(ctx, services.config, { prompt: 'login', returnTo, loginType: 'student' });
    confirmPage(ctx, returnTo);
  }));

  router.post('/confirm', formPost(), withSession(async (ctx, account, session) => {
    const { t } = pageOf<AccountTextKey>(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const returnTo = safeReturn(body.return);
    const form = confirmForm(body, t);
    if (!form.ok) return confirmPage(ctx, returnTo, { errors: form.errors });
    const result = await checkPasswordAgain(services, { account, password: form.value.password, ip: ctx.ip });
    if (result.kind === 'unavailable') return renderUnavailable(ctx);
    if (result.kind === 'wrong') return confirmPage(ctx, returnTo, { errors: addError({}, 'password', t('reauth.wrong')) });
    await recordConfirmation(services, session);
    await services.audit.record('account.reauthenticated', { accountId: account.id, ip: ctx.ip });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }));

  return router;
}
