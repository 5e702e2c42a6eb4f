import Router from '@koa/router';
import { pageOf } from '../../web/render.js';
import { page, PAGE_SIZE, queryText, type StaffFlowDeps } from '../kit.js';
import type { StaffTextKey } from '../texts.js';
import { auditEntries } from './service.js';

// 監査ログ (administrators).

export function auditRoutes({ services, store, requireStaff }: StaffFlowDeps): Router {
  const router = new Router();

  router.get('/audit', requireStaff('administrator'), async (ctx) => {
    const event = /^[a-z_.]{1,64}$/.test(queryText(ctx.query.event)) ? queryText(ctx.query.event) : '';
    const pageNumber = Math.max(1, Math.min(100_000, Number.parseInt(String(ctx.query.page ?? ''), 10) || 1));
    const { entries, more } = await auditEntries(services, store, { event, page: pageNumber, pageSize: PAGE_SIZE });
    const link = (n: number) => `/admin/audit?${new URLSearchParams({ ...(event ? { event } : {}), page: String(n) }).toString()}`;
    page(ctx, 'audit', {
      title: pageOf<StaffTextKey>(ctx).t('staff.audit.title'),
      event,
      entries,
      prev: pageNumber > 1 ? link(pageNumber - 1) : undefined,
      next: more ? link(pageNumber + 1) : undefined,
    });
  });

  return router;
}
