import Router from '@koa/router';
import { readDevOutbox } from '../mail/transport.js';
import { render } from '../web/render.js';

/** Development only (never mounted with NODE_ENV=production): the mails the file outbox wrote. */
export function devRoutes(outboxDir: string): Router {
  const router = new Router();
  router.get('/dev/outbox', async (ctx) => {
    const mails = await readDevOutbox(outboxDir);
    render(ctx, 'dev/outbox', { title: 'Mail outbox (development)', mails, outboxDir });
  });
  router.get('/', (ctx) => {
    render(ctx, 'dev/home', { title: 'cert-idp' });
  });
  return router;
}
