import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { pendingSetup, setupComplete } from '../accounts/account-store.js';
import type { AccountRow } from '../db/entities.js';
import { ACCOUNT_CLIENT_ID, sessionTtlSeconds } from '../oidc/provider.js';
import { confirmEmail, requestEmailVerification } from '../students/service.js';
import { formBody, renderTokenProblem, renderUnavailable, secondPasswordErrors, secondPasswordRules } from '../students/routes.js';
import { verifyCsrf } from '../web/csrf.js';
import { addError } from '../web/forms.js';
import type { WebDeps } from '../web/interaction.js';
import { render, renderMessage, type PageState } from '../web/render.js';
import { changeEmailForm, changeSecondPasswordForm } from './forms.js';
import { changeSecondPassword } from './service.js';

const STATE_COOKIE = 'cert_idp.account_state';

/**
 * The account menu (manual §2.4, §3.1). It rides on the provider's own session: an unauthenticated
 * visit starts an authorization request for the product's own client (response_type=none), so the
 * same login screens, throttling and first-login steps apply.
 */
export function accountRoutes({ services, provider }: WebDeps): Router {
  const { config } = services;
  const router = new Router({ prefix: '/account' });
  const secure = config.issuer.startsWith('https://');
  const policy = config.passwordPolicy.secondPassword;

  async function signedIn(ctx: Context): Promise<AccountRow | undefined> {
    const session = await provider.Session.get(ctx as unknown as KoaContextWithOIDC);
    if (!session.accountId) return undefined;
    const account = await services.accounts.findById(session.accountId);
    if (!account || account.locked) return undefined;
    if (!setupComplete(pendingSetup(account, config.graduates?.terms.version))) return undefined;
    // Using the menu is activity: slide the idle timeout as the authorization endpoint does.
    await session.save(sessionTtlSeconds(config.lifetimes, session.loginTs));
    return account;
  }

  function startLogin(ctx: Context): void {
    const state = randomBytes(16).toString('base64url');
    ctx.cookies.set(STATE_COOKIE, state, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/account', maxAge: 600_000, overwrite: true });
    const url = new URL(`${config.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'none',
      scope: 'openid',
      redirect_uri: `${config.issuer}/account/callback`,
      state,
      ui_locales: (ctx.state as PageState).lang,
      ...(ctx.query.login_type === 'student' || ctx.query.login_type === 'graduate' ? { login_type: ctx.query.login_type } : {}),
    }).toString();
    ctx.redirect(url.toString());
  }

  /** Runs a handler for a signed-in user, or sends the browser to log in first. */
  const withAccount = (handler: (ctx: Context, account: AccountRow) => Promise<void> | void) => async (ctx: Context) => {
    const account = await signedIn(ctx);
    if (!account) {
      if (ctx.method === 'GET') return startLogin(ctx);
      return ctx.redirect('/account');
    }
    await handler(ctx, account);
  };

  router.get('/', withAccount((ctx, account) => {
    const { t } = ctx.state as PageState;
    const services_ = config.clients.filter((c) => c.first_party && c.initiate_login_uri)
      .map((c) => ({ name: c.client_name ?? c.client_id, href: c.initiate_login_uri! }));
    render(ctx, 'account/menu', {
      title: t('menu.title'),
      account,
      displayName: account.profile ? `${account.profile.name.family} ${account.profile.name.given}` : '',
      manualUrl: account.userType === 'graduate' ? config.manualUrl.graduate ?? config.manualUrl.student : config.manualUrl.student,
      services: services_,
    });
  }));

  router.get('/callback', async (ctx) => {
    const expected = ctx.cookies.get(STATE_COOKIE, { signed: true });
    ctx.cookies.set(STATE_COOKIE, null, { path: '/account' });
    const { t } = ctx.state as PageState;
    if (!expected || ctx.query.state !== expected || ctx.query.error) {
      return renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.session_expired')], link: { href: '/account', label: t('common.go_to_login') }, status: 400, tone: 'error' });
    }
    ctx.redirect('/account');
  });

  router.get('/logout', (ctx) => {
    const url = new URL(`${config.issuer}/session/end`);
    url.search = new URLSearchParams({ client_id: ACCOUNT_CLIENT_ID, post_logout_redirect_uri: `${config.issuer}/account/logged-out` }).toString();
    ctx.redirect(url.toString());
  });

  router.get('/logged-out', (ctx) => {
    const { t } = ctx.state as PageState;
    renderMessage(ctx, { title: t('logout.title'), paragraphs: [t('logout.done'), t('logout.close_browser')] });
  });

  const emailPage = (ctx: Context, account: AccountRow, extra: Record<string, unknown> = {}) => {
    const { t } = ctx.state as PageState;
    render(ctx, 'account/change-email', { title: t('change_email.title'), currentEmail: account.email, ...extra });
  };
  router.get('/email', withAccount((ctx, account) => emailPage(ctx, account)));
  router.post('/email', formBody, withAccount(async (ctx, account) => {
    verifyCsrf(ctx);
    const { t, lang } = ctx.state as PageState;
    const values = ctx.request.body as Record<string, unknown>;
    const form = changeEmailForm(values, t);
    if (!form.ok) return emailPage(ctx, account, { errors: form.errors, values });
    const result = await requestEmailVerification(services, { account, email: form.value.email, lang, purpose: 'change_email', ip: ctx.ip });
    if (result.kind === 'limited') return emailPage(ctx, account, { errors: addError({}, 'email', t('error.mail_limit')), values });
    renderMessage(ctx, { title: t('change_email.title'), paragraphs: [t('email_setup.sent'), t('change_email.sent_detail')], link: { href: '/account', label: t('common.menu') } });
  }));
  router.get('/email/confirm', async (ctx) => {
    const { t } = ctx.state as PageState;
    const result = await confirmEmail(services, { token: ctx.query.token, purpose: 'change_email', ip: ctx.ip });
    if (result.kind !== 'done') return renderTokenProblem(ctx, result.kind);
    renderMessage(ctx, { title: t('change_email.title'), paragraphs: [t('change_email.done')], link: { href: '/account', label: t('common.menu') } });
  });

  const secondPasswordPage = (ctx: Context, extra: Record<string, unknown> = {}) => {
    const { t } = ctx.state as PageState;
    render(ctx, 'account/change-second-password', { title: t('change_second_password.title'), rules: secondPasswordRules(t, policy), ...extra });
  };
  router.get('/second-password', withAccount((ctx) => secondPasswordPage(ctx)));
  router.post('/second-password', formBody, withAccount(async (ctx, account) => {
    verifyCsrf(ctx);
    const { t } = ctx.state as PageState;
    const form = changeSecondPasswordForm(ctx.request.body, t);
    if (!form.ok) return secondPasswordPage(ctx, { errors: form.errors });
    const result = await changeSecondPassword(services, {
      account, current: form.value.current, candidate: form.value.second_password, confirmation: form.value.second_password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'unavailable') return renderUnavailable(ctx);
    if (result.kind === 'wrong_current' || result.kind === 'locked') {
      return secondPasswordPage(ctx, { errors: addError({}, 'current', t('change_second_password.wrong_current')) });
    }
    if (result.kind === 'invalid') {
      return secondPasswordPage(ctx, { errors: secondPasswordErrors(t, policy, result, 'second_password', t('change_second_password.new_label')) });
    }
    renderMessage(ctx, { title: t('second_password.done_title'), paragraphs: [t('second_password.changed')], link: { href: '/account', label: t('common.ok') } });
  }));

  return router;
}
