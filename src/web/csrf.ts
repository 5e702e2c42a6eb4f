import type { Context, Middleware, Next } from 'koa';
import Tokens from 'csrf';
import { CSRF_FIELD } from './forms.js';
import { HttpsRequiredError } from './plain-http.js';

const tokens = new Tokens();
const COOKIE = 'cert_idp.csrf';

export class CsrfError extends Error {
  override name = 'CsrfError';
  status = 403;
  expose = true;
}

/**
 * Synchroniser tokens (pillarjs/csrf): a secret in a signed, HttpOnly, SameSite cookie, and a token
 * derived from it in every form. Every non-GET request on our own routes must carry a valid token.
 * The secret is made (and its cookie set) only when a page has a form. With an https ISSUER the
 * cookie is Secure: a form page asked for over plain HTTP gets HttpsRequiredError (403), since the
 * browser would not send the cookie back.
 */
export function csrfProtection(secure: boolean) {
  return async (ctx: Context, next: Next) => {
    let secret = ctx.cookies.get(COOKIE, { signed: true });
    ctx.state.csrfToken = () => {
      if (!secret) {
        if (secure && !ctx.secure) throw new HttpsRequiredError();
        secret = tokens.secretSync();
        ctx.cookies.set(COOKIE, secret, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/', overwrite: true });
      }
      return tokens.create(secret);
    };
    await next();
  };
}

/** Whether the parsed body carries a token made from this browser's secret. */
function csrfValid(ctx: Context): boolean {
  const secret = ctx.cookies.get(COOKIE, { signed: true });
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const token = body?.[CSRF_FIELD];
  return Boolean(secret) && typeof token === 'string' && tokens.verify(secret!, token);
}

/**
 * The check of every state-changing route, placed after the body parser: a request without a valid
 * token never reaches the handler. By default it ends on the error page (403); a form that should
 * answer on its own page, with what was typed, passes `onRejected`.
 */
export function requireCsrf(onRejected?: (ctx: Context) => Promise<void> | void): Middleware {
  return async (ctx: Context, next: Next) => {
    if (csrfValid(ctx)) return next();
    if (!onRejected) throw new CsrfError('CSRF token missing or invalid');
    ctx.status = 403;
    await onRejected(ctx);
    ctx.status = 403;
  };
}
