import type { Context, Middleware, Next } from 'koa';
import mount from 'koa-mount';
import type { Provider } from 'oidc-provider';
import type { Database } from '../db/data-source.js';
import { deferProviderWrites } from './adapter.js';

/**
 * The provider, mounted, with the upserts of each of its requests written together once it has made
 * its answer (deferProviderWrites, src/oidc/adapter.ts). When that write fails, the answer the
 * provider made (a redirect with a code, the session's cookies, tokens) must not leave: its
 * Location and Set-Cookie headers go and the error is thrown on, for the error pages (a database
 * outage is a 503) or the API endpoints' own handling.
 */
export function providerRequests(provider: Provider, database: Database): Middleware {
  const toProvider = mount(provider);
  return async (ctx: Context, next: Next) => {
    let answered = false;
    try {
      await deferProviderWrites(ctx, database, async () => {
        await toProvider(ctx, next);
        answered = true;
      });
    } catch (error) {
      if (answered) {
        ctx.remove('Location');
        ctx.remove('Set-Cookie');
        ctx.body = null;
      }
      throw error;
    }
  };
}
