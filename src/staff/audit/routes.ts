import Router from '@koa/router';
import type { Context } from 'koa';
import type { AuditEvent } from '../../audit/audit-log.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import { AUDIT_EVENT_NAMES, AUDIT_EVENTS } from '../audit-events.js';
import { actorOf, page, PAGE_SIZE, timeZoneOfRequest, type StaffFlowDeps } from '../kit.js';
import { csvFile } from './csv.js';
import { AUDIT_QUERY_FIELDS, auditQueryForm, type AuditQuery } from './forms.js';
import { auditExport, auditPage, EXPORT_LIMIT, type AuditEntry, type AuditFilter } from './service.js';
import type { AuditTextKey } from './texts.js';

// 監査ログ (administrators): the filtered log a page at a time, and its CSV export.

/** The filters' parameters of the request, strings only (a repeated parameter counts as absent). */
function queryOf(ctx: Context): Record<string, string> {
  const query: Record<string, string> = {};
  for (const field of AUDIT_QUERY_FIELDS) {
    const value = ctx.query[field];
    if (typeof value === 'string' && value !== '') query[field] = value;
  }
  return query;
}

function filterOf(query: AuditQuery): AuditFilter {
  return {
    event: query.event ? query.event as AuditEvent : undefined,
    actorStaffId: query.actor ? query.actor.toLowerCase() : undefined,
    subject: query.subject || undefined,
    from: query.from || undefined,
    to: query.to || undefined,
  };
}

/** The filters' query string (for the pages' links and the export), without empty ones. */
function linkQuery(query: AuditQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const field of ['event', 'actor', 'subject', 'from', 'to'] as const) if (query[field]) params.set(field, query[field]!);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}

export function auditRoutes({ services, store, requireStaff }: StaffFlowDeps): Router {
  const router = new Router();

  async function auditScreen(ctx: Context, query: AuditQuery, entries: AuditEntry[], locals: PageLocals, status = 200) {
    const { t, lang } = pageOf<AuditTextKey>(ctx);
    const members = await store.list();
    page(ctx, 'audit', {
      title: t('staff.audit.title'),
      values: { ...query },
      events: AUDIT_EVENTS.map((code) => ({ value: code, label: `${AUDIT_EVENT_NAMES[code][lang]} (${code})` })),
      actors: members.map((m) => ({ value: m.id, label: `${m.displayName} (${m.loginId})` })),
      entries,
      exportLimit: EXPORT_LIMIT.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-US'),
      ...locals,
    }, status);
  }

  router.get('/audit', requireStaff('administrator'), async (ctx) => {
    const { t, lang } = pageOf<AuditTextKey>(ctx);
    const raw = queryOf(ctx);
    const form = auditQueryForm(raw, t);
    if (!form.ok) return auditScreen(ctx, raw, [], { errors: form.errors, invalid: true }, 400);
    const query = form.value;
    // Past the last page (a stale link): the last page.
    let pageNumber = /^[1-9][0-9]{0,5}$/.test(String(ctx.query.page)) ? Number(ctx.query.page) : 1;
    const timeZone = timeZoneOfRequest(ctx);
    let { entries, total } = await auditPage(services, store, filterOf(query), { page: pageNumber, pageSize: PAGE_SIZE, lang, timeZone });
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (pageNumber > pages) {
      pageNumber = pages;
      ({ entries, total } = await auditPage(services, store, filterOf(query), { page: pageNumber, pageSize: PAGE_SIZE, lang, timeZone }));
    }
    const link = (n: number) => `/admin/audit?${linkQuery(query, { page: String(n) })}`;
    await auditScreen(ctx, query, entries, {
      summary: total ? t('staff.audit.total', { total, from: (pageNumber - 1) * PAGE_SIZE + 1, to: (pageNumber - 1) * PAGE_SIZE + entries.length, page: pageNumber, pages }) : '',
      prev: pageNumber > 1 ? link(pageNumber - 1) : undefined,
      next: pageNumber < pages ? link(pageNumber + 1) : undefined,
      exportHref: `/admin/audit.csv?${linkQuery(query)}`,
      filtered: Boolean(linkQuery(query)),
    });
  });

  // The export: a GET (a download link), administrators only like the log; the export itself is audited.
  router.get('/audit.csv', requireStaff('administrator'), async (ctx) => {
    const { t, lang } = pageOf<AuditTextKey>(ctx);
    const raw = queryOf(ctx);
    const form = auditQueryForm(raw, t);
    if (!form.ok) return auditScreen(ctx, raw, [], { errors: form.errors, invalid: true }, 400);
    const filter = filterOf(form.value);
    const timeZone = timeZoneOfRequest(ctx);
    const entries = await auditExport(services, store, filter, { lang, timeZone });
    const header = [t('staff.audit.time'), t('staff.audit.event'), t('staff.audit.code'), t('staff.audit.actor_column'), t('staff.audit.subject_column'), t('staff.audit.ip'), t('staff.audit.detail'), t('staff.audit.csv_detail_json')];
    const rows = entries.map((e) => [
      e.when, e.eventName, e.event, e.actor?.label ?? '', e.subject?.label ?? '', e.ip, e.details.map((d) => `${d.name}: ${d.value}`).join('; '), e.raw,
    ]);
    const actor = actorOf(ctx);
    await services.audit.record('audit.exported', { ip: actor.ip, detail: { staffId: actor.id, rows: rows.length, filters: linkQuery(form.value) || null } });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    ctx.set('Content-Disposition', `attachment; filename="audit-${stamp}.csv"`);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = csvFile(header, rows);
  });

  return router;
}
