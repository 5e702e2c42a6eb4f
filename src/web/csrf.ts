import type { Context, Next } from 'koa';
import Tokens from 'csrf';
import { CSRF_FIELD } from './forms.js';

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
 */
export function csrfProtection(secure: boolean) {
  return async (ctx: Context, next: Next) => {
    let secret = ctx.cookies.get(COOKIE, { signed: true });
    ctx.state.csrfToken = () => {
      if (!secret) {
        secret = tokens.secretSync();
        ctx.cookies.set(COOKIE, secret, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/', overwrite: true });
      }
      return tokens.create(secret);
    };
    await next();
  };
}

/** Throws CsrfError unless the parsed body carries a token made from this browser's secret. */
export function verifyCsrf(ctx: Context): void {
  const secret = ctx.cookies.get(COOKIE, { signed: true });
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const token = body?.[CSRF_FIELD];
  if (!secret || typeof token !== 'string' || !tokens.verify(secret, token)) throw new CsrfError('CSRF token missing or invalid');
}
