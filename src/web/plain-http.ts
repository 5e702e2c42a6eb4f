import type { Context, Middleware, Next } from 'koa';
import { logger } from '../logger.js';

/** What the cookies library (Koa's, and oidc-provider's) throws for a Secure cookie on a plain-HTTP request. */
const COOKIES_REFUSAL = 'Cannot send secure cookie over unencrypted connection';

/**
 * A page that needs a Secure cookie (a form's CSRF secret, a sign-in state, the provider's login
 * interaction) was asked for over plain HTTP while ISSUER is https: a `kubectl port-forward`, an
 * internal client, a proxy that sends no `X-Forwarded-Proto: https` or TRUST_PROXY not set. The
 * browser would not send the cookie back: the page answers 403 and says to use the https address.
 */
export class HttpsRequiredError extends Error {
  override name = 'HttpsRequiredError';
  status = 403;
  expose = true;

  constructor() {
    super('a Secure cookie cannot be set on a plain-HTTP request');
  }
}

export function isHttpsRequired(error: unknown): boolean {
  return error instanceof HttpsRequiredError || (error instanceof Error && error.message.includes(COOKIES_REFUSAL));
}

let warned = false;

/** One warning per process, without a stack: it is the set-up, not a bug, and it repeats with every such request. */
export function warnPlainHttp(): void {
  if (warned) return;
  warned = true;
  logger.warn(
    'a request came over plain HTTP although ISSUER is https (no X-Forwarded-Proto: https, or TRUST_PROXY is not true): pages that need a Secure cookie answer 403. '
    + 'Behind a TLS-terminating proxy set TRUST_PROXY=true and have the proxy send X-Forwarded-Proto: https; port-forwards and internal clients can use /healthz, /readyz, /metrics and the JSON endpoints. '
    + 'This warning is given once.',
  );
}

/**
 * In front of the provider's browser routes (authorization and its resume, logout): they keep their
 * state in Secure cookies when ISSUER is https, so over plain HTTP they answer 403 (errors.ts) before
 * the provider starts a session it could not hand to the browser.
 */
export function httpsOnlyFor(paths: readonly string[], secure: boolean): Middleware {
  return (ctx: Context, next: Next) => {
    if (secure && !ctx.secure && paths.some((p) => ctx.path === p || ctx.path.startsWith(`${p}/`))) throw new HttpsRequiredError();
    return next();
  };
}
