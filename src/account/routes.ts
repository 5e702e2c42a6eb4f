import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { pendingSetup, setupComplete } from '../accounts/account-store.js';
import type { AccountRow } from '../db/entities.js';
import { ACCOUNT_CLIENT_ID, sessionTtlSeconds } from '../oidc/provider.js';
import { confirmEmail, requestEmailVerification } from '../students/service.js';
import { formBody, renderTokenProblem, renderUnavailable, secondPasswordErrors, secondPasswordRules } from '../students/routes.js';
import { verifyCsrf } from '../web/csrf.js';
import { addError } from '../web/forms.js';
import type { WebDeps } from '../web/interaction.js';
import { render, renderMessage, type PageState } from '../web/render.js';
import { throttleKey } from '../security/throttle.js';
import { changeEmailForm, changePasswordForm, changeSecondPasswordForm, confirmForm, graduateChangeSecondPasswordForm } from './forms.js';
import { confirmationPath, recentlyAuthenticated, recordConfirmation, safeReturn } from './reauth.js';
import { accountThrottleKey, changePassword, changeSecondPassword } from './service.js';

const STATE_COOKIE = 'cert_idp.account_state';
/** Where /account/callback goes after a login started by the menu (a same-site account path). */
const RETURN_COOKIE = 'cert_idp.account_return';

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

  type Session = Awaited<ReturnType<Provider['Session']['get']>>;
  async function signedIn(ctx: Context): Promise<{ account: AccountRow; session: Session } | undefined> {
    const session = await provider.Session.get(ctx as unknown as KoaContextWithOIDC);
    if (!session.accountId) return undefined;
    const account = await services.accounts.findById(session.accountId);
    if (!account || account.locked) return undefined;
    if (!setupComplete(pendingSetup(account, config.graduates?.terms.version))) return undefined;
    // Using the menu is activity: slide the idle timeout as the authorization endpoint does.
    await session.save(sessionTtlSeconds(config.lifetimes, session.loginTs));
    return { account, session };
  }

  function startLogin(ctx: Context, options: { prompt?: 'login'; returnTo?: string } = {}): void {
    const state = randomBytes(16).toString('base64url');
    const cookie = { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/account', maxAge: 600_000, overwrite: true } as const;
    ctx.cookies.set(STATE_COOKIE, state, cookie);
    ctx.cookies.set(RETURN_COOKIE, options.returnTo ? safeReturn(options.returnTo) : null, cookie);
    const url = new URL(`${config.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'none',
      scope: 'openid',
      redirect_uri: `${config.issuer}/account/callback`,
      state,
      ui_locales: (ctx.state as PageState).lang,
      ...(ctx.query.login_type === 'student' || ctx.query.login_type === 'graduate' ? { login_type: ctx.query.login_type } : {}),
      ...(options.prompt ? { prompt: options.prompt } : {}),
    }).toString();
    ctx.redirect(url.toString());
  }

  /** Runs a handler for a signed-in user, or sends the browser to log in first. */
  const withSession = (handler: (ctx: Context, account: AccountRow, session: Session) => Promise<void> | void) => async (ctx: Context) => {
    const signed = await signedIn(ctx);
    if (!signed) {
      if (ctx.method === 'GET') return startLogin(ctx);
      return ctx.redirect('/account');
    }
    await handler(ctx, signed.account, signed.session);
  };
  const withAccount = (handler: (ctx: Context, account: AccountRow) => Promise<void> | void) => withSession((ctx, account) => handler(ctx, account));

  /**
   * A sensitive change: as withAccount, and when the sign-in is older than the configured age, the
   * password is asked again first (/account/confirm, which comes back to `path`).
   */
  const withRecentSignIn = (path: string, handler: (ctx: Context, account: AccountRow) => Promise<void> | void) => withSession(async (ctx, account, session) => {
    if (!(await recentlyAuthenticated(services, session))) {
      ctx.status = 303;
      return ctx.redirect(confirmationPath(path));
    }
    await handler(ctx, account);
  });
  const graduatesOnly = (handler: (ctx: Context, account: AccountRow) => Promise<void> | void) => (ctx: Context, account: AccountRow) => (
    account.userType === 'graduate' ? handler(ctx, account) : ctx.redirect('/account'));

  router.get('/', withAccount((ctx, account) => {
    const { t } = ctx.state as PageState;
    const services_ = config.clients.filter((c) => c.first_party && c.initiate_login_uri)
      .map((c) => ({ name: c.client_name ?? c.client_id, href: c.initiate_login_uri! }));
    render(ctx, 'account/menu', {
      title: t('menu.title'),
      account,
      displayName: account.profile ? `${account.profile.name.family} ${account.profile.name.given}` : '',
      manualUrl: account.userType === 'graduate' ? config.manualUrl.graduate ?? config.manualUrl.student : config.manualUrl.student,
      graduate: account.userType === 'graduate',
      services: services_,
    });
  }));

  router.get('/callback', async (ctx) => {
    const expected = ctx.cookies.get(STATE_COOKIE, { signed: true });
    ctx.cookies.set(STATE_COOKIE, null, { path: '/account' });
    const { t } = ctx.state as PageState;
    const returnTo = safeReturn(ctx.cookies.get(RETURN_COOKIE, { signed: true }));
    ctx.cookies.set(RETURN_COOKIE, null, { path: '/account' });
    if (!expected || ctx.query.state !== expected || ctx.query.error) {
      return renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.session_expired')], link: { href: '/account', label: t('common.go_to_login') }, status: 400, tone: 'error' });
    }
    ctx.redirect(returnTo);
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
  router.get('/email', withRecentSignIn('/account/email', (ctx, account) => emailPage(ctx, account)));
  router.post('/email', formBody, withRecentSignIn('/account/email', async (ctx, account) => {
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

  // S5 (students) and G10 (graduates, with the manual's 旧第2パスワード / 新第2パスワード).
  const secondPasswordLabels = (account: AccountRow) => (account.userType === 'graduate'
    ? { current: 'change_second_password.old_label', next: 'change_second_password.graduate_new_label', wrong: 'change_second_password.wrong_old' } as const
    : { current: 'change_second_password.current_label', next: 'change_second_password.new_label', wrong: 'change_second_password.wrong_current' } as const);
  const secondPasswordPage = (ctx: Context, account: AccountRow, extra: Record<string, unknown> = {}) => {
    const { t } = ctx.state as PageState;
    const labels = secondPasswordLabels(account);
    render(ctx, 'account/change-second-password', {
      title: t('change_second_password.title'), rules: secondPasswordRules(t, policy),
      currentLabel: t(labels.current), newLabel: t(labels.next), ...extra,
    });
  };
  router.get('/second-password', withRecentSignIn('/account/second-password', (ctx, account) => secondPasswordPage(ctx, account)));
  router.post('/second-password', formBody, withRecentSignIn('/account/second-password', async (ctx, account) => {
    verifyCsrf(ctx);
    const { t } = ctx.state as PageState;
    const labels = secondPasswordLabels(account);
    const form = (account.userType === 'graduate' ? graduateChangeSecondPasswordForm : changeSecondPasswordForm)(ctx.request.body, t);
    if (!form.ok) return secondPasswordPage(ctx, account, { errors: form.errors });
    const result = await changeSecondPassword(services, {
      account, current: form.value.current, candidate: form.value.second_password, confirmation: form.value.second_password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'unavailable') return renderUnavailable(ctx);
    if (result.kind === 'wrong_current' || result.kind === 'locked') {
      return secondPasswordPage(ctx, account, { errors: addError({}, 'current', t(labels.wrong)) });
    }
    if (result.kind === 'invalid') {
      return secondPasswordPage(ctx, account, { errors: secondPasswordErrors(t, policy, result, 'second_password', t(labels.next)) });
    }
    renderMessage(ctx, { title: t('second_password.done_title'), paragraphs: [t('second_password.changed')], link: { href: '/account', label: t('common.ok') } });
  }));

  // G9 パスワード変更 (graduates: students' passwords belong to the university).
  const passwordPolicy = config.passwordPolicy.password ?? config.passwordPolicy.secondPassword;
  const passwordPage = (ctx: Context, extra: Record<string, unknown> = {}) => {
    const { t } = ctx.state as PageState;
    render(ctx, 'account/change-password', { title: t('change_password.title'), rules: secondPasswordRules(t, passwordPolicy), ...extra });
  };
  router.get('/password', withRecentSignIn('/account/password', graduatesOnly((ctx) => passwordPage(ctx))));
  router.post('/password', formBody, withRecentSignIn('/account/password', graduatesOnly(async (ctx, account) => {
    verifyCsrf(ctx);
    const { t } = ctx.state as PageState;
    const form = changePasswordForm(ctx.request.body, t);
    if (!form.ok) return passwordPage(ctx, { errors: form.errors });
    const result = await changePassword(services, {
      account, current: form.value.current, candidate: form.value.password, confirmation: form.value.password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'wrong_current' || result.kind === 'locked') {
      return passwordPage(ctx, { errors: addError({}, 'current', t('change_password.wrong_current')) });
    }
    if (result.kind === 'invalid') {
      const label = t('change_password.new_label');
      const errors = secondPasswordErrors(t, passwordPolicy, { kind: 'invalid', violations: result.violations, sameAsUniversity: false, mismatch: result.mismatch }, 'password', label);
      return passwordPage(ctx, { errors });
    }
    renderMessage(ctx, { title: t('second_password.done_title'), paragraphs: [t('change_password.done')], link: { href: '/account', label: t('common.ok') } });
  })));

  // Re-authentication: パスワード again (graduates: theirs; students: the university's, asked of the
  // directory; with the university's SSO, a fresh login there), throttled like a login.
  const confirmPage = (ctx: Context, returnTo: string, extra: Record<string, unknown> = {}) => {
    const { t } = ctx.state as PageState;
    render(ctx, 'account/confirm', { title: t('reauth.title'), returnTo, ...extra });
  };
  router.get('/confirm', withSession(async (ctx, account, session) => {
    const returnTo = safeReturn(ctx.query.return);
    if (await recentlyAuthenticated(services, session)) return ctx.redirect(returnTo);
    if (account.userType === 'student' && services.directory.kind === 'redirect') return startLogin(ctx, { prompt: 'login', returnTo });
    confirmPage(ctx, returnTo);
  }));
  router.post('/confirm', formBody, withSession(async (ctx, account, session) => {
    verifyCsrf(ctx);
    const { t } = ctx.state as PageState;
    const body = ctx.request.body as Record<string, unknown>;
    const returnTo = safeReturn(body.return);
    const form = confirmForm(body, t);
    if (!form.ok) return confirmPage(ctx, returnTo, { errors: form.errors });
    const keys = [accountThrottleKey(services, account), throttleKey('ip', ctx.ip, config.throttle.perIp)];
    const wrong = async (detail: Record<string, boolean> = {}) => {
      await services.audit.record('account.reauthentication_failed', { accountId: account.id, ip: ctx.ip, detail });
      confirmPage(ctx, returnTo, { errors: addError({}, 'password', t('reauth.wrong')) });
    };
    if ((await services.throttle.admit(keys)).length) {
      await services.hasher.verify(null, form.value.password);
      return wrong({ locked: true });
    }
    let ok: boolean;
    if (account.userType === 'graduate') {
      ok = await services.hasher.verify(account.passwordHash, form.value.password);
    } else if (services.directory.kind === 'password' && account.directoryId) {
      const answer = await services.directory.verify(account.directoryId, form.value.password);
      if (answer.outcome === 'unavailable') {
        for (const key of keys) await services.throttle.release(key);
        return renderUnavailable(ctx);
      }
      ok = answer.outcome === 'ok';
    } else {
      ok = false;
    }
    if (!ok) {
      await services.throttle.lockExhausted(keys);
      return wrong();
    }
    for (const key of keys) await services.throttle.release(key);
    await recordConfirmation(services, session);
    await services.audit.record('account.reauthenticated', { accountId: account.id, ip: ctx.ip });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }));

  return router;
}
