import Router from '@koa/router';
import type { PostalCodesConfig } from '../config/types.js';
import type { Database } from '../db/data-source.js';
import { createPostalCodeLookup, type PostalCodeLookup } from './lookup.js';

/** What the route needs: the shared Services satisfy it; tests may hand in a lookup of their own. */
export interface PostalRouteDeps {
  database: Database;
  config: { postalCodes?: PostalCodesConfig };
  postalCodes?: PostalCodeLookup;
}

/**
 * GET /postal-codes/:code → 200 { addresses: [{ code, prefecture, city, town }] },
 * 400 { error: 'invalid' }, 404 { error: 'not_found' }. Used by public/js/postal-search.js (検索 button).
 * Postal data is public and changes monthly at most: answers may be cached briefly by anyone.
 */
export function postalCodeRoutes(services: PostalRouteDeps): Router {
  const lookup = services.postalCodes ?? createPostalCodeLookup(services);
  const router = new Router();
  router.get('/postal-codes/:code', async (ctx) => {
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
