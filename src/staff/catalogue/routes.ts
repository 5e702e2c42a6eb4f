import Router from '@koa/router';
import type { Context } from 'koa';
import { addError } from '../../web/forms.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import { actorOf, isId, notFound, page, redirect, staffForm, type StaffFlowDeps } from '../kit.js';
import type { StaffTextKey } from '../texts.js';
import { catalogueForm } from './forms.js';
import { addEntry, catalogueEntries, setEntryActive } from './service.js';

// 大学・学部・学科 (administrators): the choices of the graduates' application form.

export function catalogueRoutes({ services, requireStaff }: StaffFlowDeps): Router {
  const router = new Router();

  const cataloguePage = async (ctx: Context, locals: PageLocals = {}, status = 200) => {
    const entries = await catalogueEntries(services);
    page(ctx, 'catalogue', { title: pageOf<StaffTextKey>(ctx).t('staff.catalogue.title'), entries, ...locals }, status);
  };

  router.get('/catalogue', requireStaff('administrator'), (ctx) => cataloguePage(ctx));

  router.post('/catalogue', requireStaff('administrator'), staffForm, async (ctx) => {
    const { t } = pageOf<StaffTextKey>(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const form = catalogueForm(body, t);
    if (!form.ok) return cataloguePage(ctx, { errors: form.errors, values: body }, 400);
    const entry = await addEntry(services, actorOf(ctx), form.value);
    if (entry === 'exists') return cataloguePage(ctx, { errors: addError({}, 'department', t('staff.catalogue.exists')), values: body }, 409);
    redirect(ctx, '/admin/catalogue');
  });

  for (const [action, active] of [['deactivate', false], ['activate', true]] as const) {
    router.post(`/catalogue/:id/${action}`, requireStaff('administrator'), staffForm, async (ctx) => {
      const id = ctx.params.id;
      const entry = isId(id) ? await setEntryActive(services, actorOf(ctx), id, active) : undefined;
      if (!entry) return notFound(ctx);
      redirect(ctx, '/admin/catalogue');
    });
  }

  return router;
}
