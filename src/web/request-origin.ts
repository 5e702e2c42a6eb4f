import type { Middleware } from 'koa';

/**
 * Refuses, with 400, a request whose origin is no plain URL origin: a Host header such as `a b`,
 * `x:99999` or `host/path` (Koa already drops a `user@` part), or
 * (behind a trusted proxy) an X-Forwarded-Host or X-Forwarded-Proto of that kind. oidc-provider builds
 * the URLs of its answers (discovery, the logout page) from the request's origin and would fail on it
 * with a 500; nothing else here has a use for such a request either. Only http and https are origins.
 */
/** A host name or IPv4 address, or a bracketed IPv6 address, with an optional port: nothing else a URL's authority may hold (`user@`, a path). */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

export function validRequestOrigin(): Middleware {
  return async (ctx, next) => {
    const { protocol, host } = ctx;
    if ((protocol !== 'http' && protocol !== 'https') || !HOST.test(host) || !URL.canParse(`${protocol}://${host}`)) {
      ctx.status = 400;
      ctx.type = 'text/plain';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = 'Bad Request: invalid Host\n';
      return;
    }
    await next();
  };
}
