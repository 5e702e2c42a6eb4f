import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { ApplicationForm } from '../../applications/fields.js';
import { AWAITING_REVIEW } from '../../applications/state-machine.js';
import type { ApplicationKind, ApplicationPurpose, ApplicationRow, ApplicationStatus } from '../../db/entities.js';
import type { FormResult } from '../../web/forms.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import type { Translate } from '../../web/texts.js';
import type { StaffActor } from '../actions.js';
import { actorOf, isId, notFound, page, PAGE_SIZE, queryText, redirect, staffForm, staffOf, type StaffFlowDeps } from '../kit.js';
import type { StaffTextKey } from '../texts.js';
import { approveForm, rejectForm, resubmitForm } from './forms.js';
import { applicationScreens } from './screens.js';
import { approveApplication, rejectApplication, requestResubmission, type DecisionResult } from './service.js';

// The review of graduates' applications: the queue, an application with its documents, and the
// decisions (承認, 却下, 再申請の依頼).

const STATUSES: ApplicationStatus[] = ['submitted', 'resubmitted', 'resubmission_requested', 'approved', 'rejected'];
const PURPOSES: ApplicationPurpose[] = ['account', 'enrollment', 'personal'];
const KINDS: ApplicationKind[] = ['new', 'change'];
const DOCUMENT_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif']);

const oneOf = <T extends string>(choices: readonly T[], value: string): T | undefined => (choices.includes(value as T) ? (value as T) : undefined);

export function reviewRoutes({ services, store, requireStaff }: StaffFlowDeps): Router {
  const { applications } = services;
  const screens = applicationScreens({ services, store });
  const router = new Router();

  router.get('/', requireStaff(), (ctx) => redirect(ctx, '/admin/applications'));

  router.get('/applications', requireStaff(), async (ctx) => {
    const q = ctx.query;
    const status = queryText(q.status) || 'awaiting';
    const chosen = oneOf(STATUSES, status);
    const statuses = status === 'awaiting' ? AWAITING_REVIEW : chosen ? [chosen] : undefined;
    const purpose = oneOf(PURPOSES, queryText(q.purpose));
    const kind = oneOf(KINDS, queryText(q.kind));
    const search = queryText(q.q).slice(0, 200);
    const pageNumber = Math.max(1, Math.min(1000, Number.parseInt(queryText(q.page), 10) || 1));
    const rows = await applications.queue({
      statuses, purpose, kind, search: search || undefined,
      limit: search ? 200 : PAGE_SIZE, offset: search ? 0 : (pageNumber - 1) * PAGE_SIZE,
    });
    const link = (n: number) => {
      const params = new URLSearchParams({ status, ...(purpose ? { purpose } : {}), ...(kind ? { kind } : {}), page: String(n) });
      return `/admin/applications?${params.toString()}`;
    };
    page(ctx, 'queue', {
      title: pageOf<StaffTextKey>(ctx).t('staff.queue.title'),
      filter: { status, purpose: purpose ?? '', kind: kind ?? '', q: search },
      statuses: STATUSES,
      rows: rows.map((row) => ({ row, form: (row.form ?? {}) as ApplicationForm })),
      prev: !search && pageNumber > 1 ? link(pageNumber - 1) : undefined,
      next: !search && rows.length === PAGE_SIZE ? link(pageNumber + 1) : undefined,
    });
  });

  /** The application of the URL (never a draft: staff see only what was submitted). */
  async function applicationOf(ctx: Context): Promise<ApplicationRow | undefined> {
    if (!isId(ctx.params.id)) return undefined;
    const row = await applications.findById(ctx.params.id);
    return row && row.status !== 'draft' ? row : undefined;
  }

  router.get('/applications/:id', requireStaff(), async (ctx) => {
    const application = await applicationOf(ctx);
    if (!application) return notFound(ctx);
    await screens.detail(ctx, application);
  });

  /** The identity document images: decrypted for TOTP-verified staff only, never cached, each view audited. */
  router.get('/applications/:id/documents/:docId', requireStaff(), async (ctx) => {
    const application = await applicationOf(ctx);
    const { docId } = ctx.params;
    if (!application || !isId(docId)) return notFound(ctx);
    const document = await applications.findDocument(application.id, docId);
    if (!document) return notFound(ctx);
    const data = services.vault.decrypt(Buffer.isBuffer(document.data) ? document.data : Buffer.from(document.data));
    await services.audit.record('document.viewed', {
      accountId: application.accountId, ip: ctx.ip, detail: { staffId: staffOf(ctx).id, applicationId: application.id, documentId: document.id },
    });
    ctx.status = 200;
    ctx.type = DOCUMENT_TYPES.has(document.contentType) ? document.contentType : 'application/octet-stream';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Disposition', `inline; filename="document-${document.position + 1}"`);
    ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox");
    ctx.body = data;
  });

  /** Runs a decision and answers with its outcome (or back on the application with the reason it failed). */
  async function decide(ctx: Context, application: ApplicationRow, done: StaffTextKey, run: () => Promise<DecisionResult>, locals: PageLocals = {}) {
    try {
      screens.decisionDone(ctx, application, done, await run());
    } catch (error) {
      await screens.decisionFailed(ctx, application, error, locals);
    }
  }

  router.post('/applications/:id/approve', requireStaff(), staffForm, async (ctx) => {
    const application = await applicationOf(ctx);
    if (!application) return notFound(ctx);
    const form = approveForm(ctx.request.body, pageOf<StaffTextKey>(ctx).t);
    if (!form.ok) return screens.detail(ctx, application, { errors: form.errors }, 400);
    const accountId = form.value.account_id ?? null;
    await decide(ctx, application, 'staff.result.approved', () => approveApplication(services, actorOf(ctx), { applicationId: application.id, accountId }));
  });

  /** 却下 and 再申請の依頼: a required text for the applicant (the reason, what to correct), then the decision. */
  function commentDecision<F extends 'reason' | 'comment'>(
    field: F, parse: (body: unknown, t: Translate<StaffTextKey>) => FormResult<Record<F, string>>, done: StaffTextKey,
    run: (actor: StaffActor, applicationId: string, text: string) => Promise<DecisionResult>,
  ): Middleware {
    return async (ctx) => {
      const application = await applicationOf(ctx);
      if (!application) return notFound(ctx);
      const body = ctx.request.body as Record<string, unknown>;
      const form = parse(body, pageOf<StaffTextKey>(ctx).t);
      if (!form.ok) return screens.detail(ctx, application, { errors: form.errors, values: { [field]: body[field] } }, 400);
      const text = form.value[field];
      await decide(ctx, application, done, () => run(actorOf(ctx), application.id, text), { values: { [field]: text } });
    };
  }

  router.post('/applications/:id/reject', requireStaff(), staffForm, commentDecision('reason', rejectForm, 'staff.result.rejected',
    (actor, applicationId, reason) => rejectApplication(services, actor, { applicationId, reason })));

  router.post('/applications/:id/resubmission', requireStaff(), staffForm, commentDecision('comment', resubmitForm, 'staff.result.resubmission',
    (actor, applicationId, comment) => requestResubmission(services, actor, { applicationId, comment })));

  return router;
}
