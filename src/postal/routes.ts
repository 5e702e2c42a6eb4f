import Router from '@koa/router';
import type { AppConfig, PostalCodesConfig } from '../config/types.js';
import type { Database } from '../db/data-source.js';
import { clientNetwork } from '../security/client-network.js';
import { RateLimiter } from '../security/rate-limit.js';
import { createPostalCodeLookup, type PostalCodeLookup } from './lookup.js';

/** What the route needs: the shared Services satisfy it; tests may hand in a lookup of their own. */
export interface PostalRouteDeps {
  database: Database;
  config: { postalCodes?: PostalCodesConfig; throttle?: Partial<Pick<AppConfig['throttle'], 'postalCodesPerMinute'>> };
  postalCodes?: PostalCodeLookup;
}

/** Requests per client address and minute when throttle.postalCodesPerMinute is not set. */
export const DEFAULT_POSTAL_CODES_PER_MINUTE = 30;

/**
 * GET /postal-codes/:code → 200 { addresses: [{ code, prefecture, city, town }] },
 * 400 { error: 'invalid' }, 404 { error: 'not_found' }. Used by public/js/postal-search.js (検索 button).
 * Postal data is public and changes monthly at most: answers may be cached briefly by anyone.
 * Public, so limited per client (an IPv4 address, an IPv6 /64: src/security/client-network.ts;
 * throttle.postalCodesPerMinute, per replica, in memory):
 * beyond it 429 { error: 'too_many_requests' } with Retry-After.
 */
export function postalCodeRoutes(services: PostalRouteDeps): Router {
  const lookup = services.postalCodes ?? createPostalCodeLookup(services);
  const limiter = new RateLimiter(services.config.throttle?.postalCodesPerMinute ?? DEFAULT_POSTAL_CODES_PER_MINUTE);
  const router = new Router();
  router.get('/postal-codes/:code', async (ctx) => {
    const wait = limiter.take(clientNetwork(ctx.ip));
    if (wait > 0) {
      ctx.status = 429;
      ctx.set('Retry-After', String(wait));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'too_many_requests' };
      return;
    }
    const result = await lookup.search(String(ctx.params.code ?? ''));
    if (result.status === 'found') {
      ctx.status = 200;
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.body = { addresses: result.addresses };
    } else if (result.status === 'invalid') {
      ctx.status = 400;
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.body = { error: 'invalid' };
    } else {
      ctx.status = 404;
      // Short: a miss may be a fallback service that was down for a moment.
      ctx.set('Cache-Control', 'public, max-age=60');
      ctx.body = { error: 'not_found' };
    }
  });
  return router;
}
