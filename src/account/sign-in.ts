import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { AppConfig } from '../config/types.js';
import { ACCOUNT_CLIENT_ID } from '../oidc/provider.js';
import { safeReturn } from '../sessions/reauthentication.js';
import { pageOf } from '../web/render.js';

// The account menu rides on the provider's own session: an unauthenticated visit starts an
// authorization request for the product's own client (response_type=none), so the same login
// screens, throttling and first-login steps apply; /account/callback ends it.

const STATE_COOKIE = 'cert_idp.account_state';
/** Where /account/callback goes after a login started by the menu (a same-site account path). */
const RETURN_COOKIE = 'cert_idp.account_return';

const ACCOUNT_CALLBACK_PATH = '/account/callback';

/**
 * Sends the browser to log in (again, with `prompt: 'login'`), coming back to `returnTo` or the menu.
 * `loginType` (a re-authentication knows whose it is) pre-selects the login screen, as a `login_type`
 * query parameter does.
 */
export function startLogin(ctx: Context, config: Pick<AppConfig, 'issuer'>, options: { prompt?: 'login'; returnTo?: string; loginType?: 'student' | 'graduate' } = {}): void {
  const secure = config.issuer.startsWith('https://');
  const state = randomBytes(16).toString('base64url');
  const cookie = { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/account', maxAge: 600_000, overwrite: true } as const;
  ctx.cookies.set(STATE_COOKIE, state, cookie);
  ctx.cookies.set(RETURN_COOKIE, options.returnTo ? safeReturn(options.returnTo) : null, cookie);
  const url = new URL(`${config.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'none',
    scope: 'openid',
    redirect_uri: `${config.issuer}${ACCOUNT_CALLBACK_PATH}`,
    state,
    ui_locales: pageOf(ctx).lang,
    ...(options.loginType ? { login_type: options.loginType }
      : ctx.query.login_type === 'student' || ctx.query.login_type === 'graduate' ? { login_type: ctx.query.login_type } : {}),
    ...(options.prompt ? { prompt: options.prompt } : {}),
  }).toString();
  ctx.redirect(url.toString());
}

/**
 * The end of a login started by startLogin: where to go next, or undefined when the answer does not
 * belong to this browser's request (or the login failed). The cookies are used once.
 */
export function finishLogin(ctx: Context): string | undefined {
  const expected = ctx.cookies.get(STATE_COOKIE, { signed: true });
  ctx.cookies.set(STATE_COOKIE, null, { path: '/account' });
  const returnTo = safeReturn(ctx.cookies.get(RETURN_COOKIE, { signed: true }));
  ctx.cookies.set(RETURN_COOKIE, null, { path: '/account' });
  if (!expected || ctx.query.state !== expected || ctx.query.error) return undefined;
  return returnTo;
}
