import type { Context, Middleware, Next } from 'koa';
import mount from 'koa-mount';
import type { Provider } from 'oidc-provider';
import { logger } from '../logger.js';

/**
 * The headers of a machine-to-machine answer (JSON or a JWT, never a page): what helmet would send
 * that matters for such an answer, fixed once. No page is ever rendered here, so no language, CSRF
 * secret or error page is needed either.
 */
function apiHeaders(secure: boolean): Array<[string, string]> {
  const headers: Array<[string, string]> = [
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Frame-Options', 'DENY'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
  ];
  if (secure) headers.push(['Strict-Transport-Security', 'max-age=31536000; includeSubDomains']);
  return headers;
}

/** Path → methods of the provider's machine-to-machine routes that are enabled in this configuration. */
export function providerApiRoutes(provider: Provider): Map<string, Set<string>> {
  const routes = new Map<string, Set<string>>([
    ['/.well-known/openid-configuration', new Set(['GET', 'OPTIONS'])],
  ]);
  const named: Array<[string, string[]]> = [
    ['jwks', ['GET', 'OPTIONS']],
    ['token', ['POST', 'OPTIONS']],
    ['userinfo', ['GET', 'POST', 'OPTIONS']],
    ['introspection', ['POST', 'OPTIONS']],
    ['revocation', ['POST', 'OPTIONS']],
  ];
  for (const [name, methods] of named) {
    let route: string;
    try {
      route = provider.pathFor(name, { mountPath: '' }); // what its router matches (it is mounted at /)
    } catch {
      continue; // not enabled
    }
    routes.set(route, new Set(methods));
  }
  return routes;
}

/** The provider's routes a browser visits (authorization and its resume, logout): they set Secure cookies. */
export function providerBrowserRoutes(provider: Provider): string[] {
  return ['authorization', 'end_session', 'code_verification'].flatMap((name) => {
    try {
      return [provider.pathFor(name, { mountPath: '' })];
    } catch {
      return []; // not enabled
    }
  });
}

/**
 * The provider's API endpoints (discovery, JWKS, token, userinfo, introspection, revocation) straight
 * to the provider, right after the operations middleware (request id, access log, metrics, in-flight
 * count): the web stack behind it (helmet, language, CSRF, error pages, static files, routers) exists
 * for pages and would cost these endpoints — the busiest of the service — a third of their throughput
 * (`npm run bench`). Everything else passes on.
 */
export function providerApiEndpoints(provider: Provider, options: { secure: boolean }): Middleware {
  const routes = providerApiRoutes(provider);
  const headers = apiHeaders(options.secure);
  const toProvider = mount(provider);
  return async (ctx: Context, next: Next) => {
    if (!routes.get(ctx.path)?.has(ctx.method)) return next();
    for (const [name, value] of headers) ctx.set(name, value);
    try {
      await toProvider(ctx, next);
    } catch (error) {
      // oidc-provider answers its own errors; what escapes it is a bug of ours, answered in its JSON shape.
      logger.error({ err: { name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack }, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'oops! something went wrong' };
    }
  };
}
