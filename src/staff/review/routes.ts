import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { ApplicationForm } from '../../applications/fields.js';
import { AWAITING_REVIEW } from '../../applications/state-machine.js';
import type { ApplicationRow } from '../../db/entities.js';
import type { FieldErrors, FormResult } from '../../web/forms.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import type { Translate } from '../../web/texts.js';
import { ReviewError, type StaffActor } from '../actions.js';
import { actorOf, isId, message, notFound, page, PAGE_SIZE, redirect, staffForm, staffOf, type StaffFlowDeps } from '../kit.js';
import type { StaffTextKey } from '../texts.js';
import { approveForm, reasonBody, rejectForm, resubmitForm, versionForm, type ReasonForm } from './forms.js';
import { daysWaiting, filterOf, parseQueue, parseQueueField, queueParams, STATUSES, withQuery, type QueueView } from './queue.js';
import { applicationScreens } from './screens.js';
import { approveApplication, rejectApplication, requestResubmission, versionOf, withdrawApproval, type DecisionResult } from './service.js';

// The review of graduates' applications: the queue, an application with its documents, and the
// decisions (承認 after a confirmation step, 却下, 再申請の依頼; four-eyes for a 変更 when configured).

const DOCUMENT_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif']);
const SORTABLE = ['submitted', 'status', 'purpose', 'kind', 'email'] as const;

const versionNumber = (value: string | undefined): number | undefined => (value ? Number(value) : undefined);

export function reviewRoutes({ services, store, requireStaff }: StaffFlowDeps): Router {
  const { applications } = services;
  const screens = applicationScreens({ services, store });
  const router = new Router();

  router.get('/', requireStaff(), (ctx) => redirect(ctx, '/admin/applications'));

  router.get('/applications', requireStaff(), async (ctx) => {
    const { t } = pageOf<StaffTextKey>(ctx);
    const view = parseQueue(ctx.query);
    const { rows, total } = await applications.queue(filterOf(view), { sort: view.sort, descending: view.descending, limit: PAGE_SIZE, offset: (view.page - 1) * PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const targetDays = services.config.graduates?.review?.targetDays ?? 5;
    const here = queueParams(view);
    const now = Date.now();
    page(ctx, 'queue', {
      title: t('staff.queue.title'),
      filter: { status: view.status, purpose: view.purpose ?? '', kind: view.kind ?? '', q: view.search },
      statuses: STATUSES,
      total,
      targetDays,
      pageInfo: t('review.queue.page', { page: Math.min(view.page, pages), pages }),
      // Each column sorts; the current one again turns the order round (aria-sort says which).
      columns: Object.fromEntries(SORTABLE.map((sort) => {
        const current = view.sort === sort;
        return [sort, {
          href: withQuery('/admin/applications', queueParams(view, { sort, descending: current ? !view.descending : false, page: 1 })),
          ariaSort: current ? (view.descending ? 'descending' : 'ascending') : undefined,
        }];
      })),
      rows: rows.map((row) => {
        const awaiting = AWAITING_REVIEW.includes(row.status);
        const days = daysWaiting(row.submittedAt, now);
        return { row, form: (row.form ?? {}) as ApplicationForm, href: withQuery(`/admin/applications/${row.id}`, here), days: awaiting ? days : undefined, overdue: awaiting && days > targetDays };
      }),
      prev: view.page > 1 ? withQuery('/admin/applications', queueParams(view, { page: view.page - 1 })) : undefined,
      next: view.page < pages ? withQuery('/admin/applications', queueParams(view, { page: view.page + 1 })) : undefined,
    });
  });

  /** 次の申請へ: the first application of the same filtered, sorted queue that still awaits a decision. */
  router.get('/applications/next', requireStaff(), async (ctx) => {
    const view = parseQueue(ctx.query);
    const after = typeof ctx.query.after === 'string' && isId(ctx.query.after) ? ctx.query.after : '';
    const next = await applications.nextAwaiting(filterOf(view), view, after);
    const back = queueParams({ ...view, page: 1 });
    if (next) return redirect(ctx, withQuery(`/admin/applications/${next.id}`, back));
    const { t } = pageOf<StaffTextKey>(ctx);
    message(ctx, { title: t('review.next.title'), paragraphs: [t('review.next.none')], links: [{ href: withQuery('/admin/applications', back), label: t('staff.result.back_to_queue') }] });
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
    await screens.view(ctx, application, parseQueue(ctx.query));
  });

  /**
   * The identity document images: decrypted for TOTP-verified staff only, never cached. The review page
   * records one document.viewed for all its images; an image opened on its own (a new tab, not an
   * <img> of the page, as Sec-Fetch-Dest tells) is a view of its own and recorded here.
   */
  router.get('/applications/:id/documents/:docId', requireStaff(), async (ctx) => {
    const application = await applicationOf(ctx);
    const { docId } = ctx.params;
    if (!application || !isId(docId)) return notFound(ctx);
    const document = await applications.findDocument(application.id, docId);
    if (!document) return notFound(ctx);
    const data = services.vault.decrypt(Buffer.isBuffer(document.data) ? document.data : Buffer.from(document.data));
    if (ctx.get('Sec-Fetch-Dest') !== 'image') {
      await services.audit.record('document.viewed', {
        accountId: application.accountId, ip: ctx.ip, detail: { staffId: staffOf(ctx).id, applicationId: application.id, documentId: document.id },
      });
    }
    ctx.status = 200;
    ctx.type = DOCUMENT_TYPES.has(document.contentType) ? document.contentType : 'application/octet-stream';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Disposition', `inline; filename="document-${document.position + 1}"`);
    ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox");
    ctx.body = data;
  });

  /** Runs a decision and answers with its outcome (or back on the application with the reason it failed). */
  async function decide(ctx: Context, application: ApplicationRow, queue: QueueView, done: StaffTextKey, run: () => Promise<DecisionResult>, locals: PageLocals = {}) {
    try {
      screens.decisionDone(ctx, application, queue, done, await run());
    } catch (error) {
      await screens.decisionFailed(ctx, application, queue, error, locals);
    }
  }

  /** 承認: the first post shows a confirmation step (no script needed); its 承認する (confirm=yes) decides. */
  router.post('/applications/:id/approve', requireStaff(), staffForm, async (ctx) => {
    const application = await applicationOf(ctx);
    if (!application) return notFound(ctx);
    const form = approveForm(ctx.request.body, pageOf<StaffTextKey>(ctx).t);
    const queue = parseQueueField(form.ok ? form.value.queue : undefined);
    if (!form.ok) return screens.view(ctx, application, queue, { errors: form.errors }, 400);
    const accountId = form.value.account_id ?? null;
    const version = versionNumber(form.value.version);
    if (form.value.confirm !== 'yes') {
      // Decided or changed meanwhile: say so now rather than after the confirmation.
      const changed = !AWAITING_REVIEW.includes(application.status) || (version !== undefined && version !== versionOf(application));
      if (changed) return screens.decisionFailed(ctx, application, queue, new ReviewError('changed'));
      const accountNeeded = application.purpose === 'account' && application.kind === 'change' && !application.pendingBy && !accountId;
      if (accountNeeded) return screens.decisionFailed(ctx, application, queue, new ReviewError('account_required'));
      return screens.confirmApproval(ctx, application, queue, { accountId, version: form.value.version });
    }
    await decide(ctx, application, queue, 'staff.result.approved', () => approveApplication(services, actorOf(ctx), { applicationId: application.id, accountId, version }));
  });

  /** Four-eyes: a recorded approval withdrawn (the application stays awaiting review). */
  router.post('/applications/:id/withdraw-approval', requireStaff(), staffForm, async (ctx) => {
    const application = await applicationOf(ctx);
    if (!application) return notFound(ctx);
    const form = versionForm(ctx.request.body, pageOf<StaffTextKey>(ctx).t);
    const queue = parseQueueField(form.ok ? form.value.queue : undefined);
    if (!form.ok) return screens.view(ctx, application, queue, { errors: form.errors }, 400);
    try {
      await withdrawApproval(services, actorOf(ctx), { applicationId: application.id, version: versionNumber(form.value.version) });
      redirect(ctx, withQuery(`/admin/applications/${application.id}`, queueParams(queue)));
    } catch (error) {
      await screens.decisionFailed(ctx, application, queue, error);
    }
  });

  /** 却下 and 再申請の依頼: standard reasons and/or free text for the applicant, then the decision. */
  function reasonDecision(
    field: 'reason' | 'comment', parse: (body: unknown, t: Translate<StaffTextKey>) => FormResult<ReasonForm>, done: StaffTextKey,
    run: (actor: StaffActor, input: { applicationId: string; reasonIds: string[]; text?: string; version?: number }) => Promise<DecisionResult>,
  ): Middleware {
    return async (ctx) => {
      const application = await applicationOf(ctx);
      if (!application) return notFound(ctx);
      const body = reasonBody(ctx.request.body, field);
      const form = parse(body, pageOf<StaffTextKey>(ctx).t);
      const values = { [field]: typeof body.text === 'string' ? body.text : '', [`${field}_ids`]: body.reason_id };
      if (!form.ok) {
        const errors: FieldErrors = Object.fromEntries(Object.entries(form.errors).map(([name, list]) => [name === 'text' ? field : name === 'reason_id' ? `${field}_ids` : name, list]));
        return screens.view(ctx, application, parseQueueField(typeof body.queue === 'string' ? body.queue : undefined), { errors, values }, 400);
      }
      const queue = parseQueueField(form.value.queue);
      await decide(ctx, application, queue, done, () => run(actorOf(ctx), {
        applicationId: application.id, reasonIds: form.value.reason_id, text: form.value.text, version: versionNumber(form.value.version),
      }), { values });
    };
  }

  router.post('/applications/:id/reject', requireStaff(), staffForm, reasonDecision('reason', rejectForm, 'staff.result.rejected',
    (actor, input) => rejectApplication(services, actor, { ...input, reason: input.text })));

  router.post('/applications/:id/resubmission', requireStaff(), staffForm, reasonDecision('comment', resubmitForm, 'staff.result.resubmission',
    (actor, input) => requestResubmission(services, actor, { ...input, comment: input.text })));

  return router;
}
