import type { Context, Middleware, Next } from 'koa';
import type { Provider } from 'oidc-provider';
import type { Database } from '../db/data-source.js';
import { logger } from '../logger.js';
import { isDatabaseOutage } from '../ops/database-outage.js';
import { answerDatabaseOutage } from './provider.js';
import { providerRequests } from './provider-requests.js';

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
export function providerApiEndpoints(provider: Provider, options: { secure: boolean; database: Database }): Middleware {
  const routes = providerApiRoutes(provider);
  const headers = apiHeaders(options.secure);
  const toProvider = providerRequests(provider, options.database);
  const documents = new PublishedDocuments(['/.well-known/openid-configuration', provider.pathFor('jwks', { mountPath: '' })]);
  return async (ctx: Context, next: Next) => {
    if (!routes.get(ctx.path)?.has(ctx.method)) return next();
    for (const [name, value] of headers) ctx.set(name, value);
    if (documents.answer(ctx)) return;
    try {
      await toProvider(ctx, next);
      documents.keep(ctx);
    } catch (error) {
      // Writing the request's rows after the provider's answer met a database outage: 503, as the provider answers one.
      if (isDatabaseOutage(error)) return answerDatabaseOutage(ctx, error);
      // oidc-provider answers its own errors; what escapes it is a bug of ours, answered in its JSON shape.
      logger.error({ err: { name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack }, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'oops! something went wrong' };
    }
  };
}

/** Origins (scheme and host) a document is kept for: the configured one and a few more; others are not kept. */
const ORIGINS_KEPT = 8;

/**
 * The discovery document and the JWKS as the provider first answered them, answered again without
 * the provider: they change only with the configuration and the keys, which change only with a
 * restart, and relying parties fetch them more than anything else. The provider builds the discovery
 * document's endpoint URLs from the request's scheme and host, so a copy is kept per origin (a bounded
 * number of them); CORS is answered as the provider would (the request's Origin, or *).
 */
export class PublishedDocuments {
  private readonly kept = new Map<string, { type: string; body: string }>();

  constructor(private readonly paths: readonly string[]) {}

  private key(ctx: Context): string | undefined {
    return ctx.method === 'GET' && this.paths.includes(ctx.path) ? `${ctx.protocol}://${ctx.host}${ctx.path}` : undefined;
  }

  answer(ctx: Context): boolean {
    const key = this.key(ctx);
    const document = key === undefined ? undefined : this.kept.get(key);
    if (!document) return false;
    ctx.vary('Origin');
    ctx.set('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
    ctx.type = document.type;
    ctx.body = document.body;
    return true;
  }

  keep(ctx: Context): void {
    const key = this.key(ctx);
    if (key === undefined || ctx.status !== 200 || this.kept.has(key) || this.kept.size >= ORIGINS_KEPT * this.paths.length) return;
    const { body } = ctx;
    if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return;
    const text = JSON.stringify(body);
    this.kept.set(key, { type: String(ctx.response.get('Content-Type')), body: text });
    ctx.body = text;
  }
}
