import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { requireCsrf } from './csrf.js';

/** A urlencoded form body, at most `limit` (forms are small; a larger body is refused with 413). */
export function formBody(limit = '16kb'): Middleware {
  return bodyParser({ enableTypes: ['form'], formLimit: limit, encoding: 'utf-8' }) as Middleware;
}

/**
 * What every form post of the service goes through: the body parsed, then the CSRF token checked
 * (src/web/csrf.ts), before the handler runs.
 */
export function formPost(options: { limit?: string; onCsrfRejected?: (ctx: Context) => Promise<void> | void } = {}): Middleware {
  const parse = formBody(options.limit);
  const check = requireCsrf(options.onCsrfRejected);
  return (ctx, next) => parse(ctx, () => check(ctx, next));
}
