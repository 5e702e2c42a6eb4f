import type { Context } from 'koa';
import type { ApplicationField, ApplicationForm } from '../../applications/fields.js';
import { enrollmentHolders } from '../../applications/enrollments.js';
import { AWAITING_REVIEW } from '../../applications/state-machine.js';
import { ApplicationStateError } from '../../applications/store.js';
import { documentCaption } from '../../applications/view.js';
import type { AccountRow, ApplicationRow } from '../../db/entities.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import { displayNameOf, searchAccounts, studentNumbersOf } from '../account-search.js';
import { ReviewError } from '../actions.js';
import { fieldLabel, fieldValue } from '../application-fields.js';
import { message, page, shownTime, staffOf, type StaffFlowDeps } from '../kit.js';
import { isStaffTextKey, type StaffTextKey } from '../texts.js';
import { duplicateHints } from './duplicates.js';
import { queueParams, withQuery, type QueueView } from './queue.js';
import { standardReasons } from './reasons.js';
import { versionOf, type DecisionResult } from './service.js';

// The review page (views/staff/application.pug): the application's data beside a sticky document
// viewer, the decision panel, possible duplicates and who else has it open; the approval's confirmation
// step; and the answers to a decision (with 次の申請へ).

/** The form's groups as the graduate manual orders them (002 §2.1 steps 9–14). */
const FIELD_GROUPS: Array<{ title: StaffTextKey; fields: ApplicationField[] }> = [
  { title: 'staff.detail.group.applicant', fields: ['kind', 'name_kanji', 'name_kana', 'name_romaji', 'gender', 'birth_date', 'last_enrolled_month'] },
  {
    title: 'staff.detail.group.enrolled',
    fields: ['enrolled_name_kanji', 'enrolled_name_kana', 'enrolled_name_romaji', 'university', 'faculty', 'department', 'faculty_text', 'student_number', 'graduated_month', 'leaving_type'],
  },
  { title: 'staff.detail.group.home', fields: ['home_postal_code', 'home_prefecture', 'home_city', 'home_street', 'home_building', 'home_phone', 'mobile_phone'] },
  { title: 'staff.detail.group.work', fields: ['work_name', 'work_postal_code', 'work_prefecture', 'work_city', 'work_street', 'work_building', 'work_phone'] },
];

/** Views of the application within this many minutes count as "has it open". */
const OPEN_MINUTES = 15;

export function applicationScreens({ services, store }: Pick<StaffFlowDeps, 'services' | 'store'>) {
  const { applications } = services;

  async function staffNames(): Promise<Map<string, string>> {
    return new Map((await store.list()).map((s) => [s.id, `${s.displayName} (${s.loginId})`]));
  }

  /** A 変更 application awaiting review: the graduate accounts staff may move the address to (searched, never guessed). */
  async function candidatesFor(ctx: Context, form: ApplicationForm) {
    const accountQuery = typeof ctx.query.account_q === 'string' ? ctx.query.account_q.slice(0, 200) : (form.name_kanji ?? '');
    const found = accountQuery ? await searchAccounts(services, accountQuery, { userType: 'graduate', limit: 20 }) : [];
    return { accountQuery, candidates: found.map((a) => ({ id: a.id, name: displayNameOf(a), email: a.email ?? '', studentNumbers: studentNumbersOf(a) })) };
  }

  const accountSummary = (account: AccountRow) => ({ id: account.id, name: displayNameOf(account), email: account.email ?? '' });

  /** A page view of the review page (GET): recorded as this staff member's view and, once for all its images, as document.viewed. */
  async function view(ctx: Context, application: ApplicationRow, queue: QueueView, locals: PageLocals = {}, status = 200): Promise<void> {
    if (ctx.method === 'GET') {
      const staff = staffOf(ctx);
      await applications.recordView(application.id, staff.id);
      if (!application.documentsPurgedAt) {
        const documents = await applications.listDocuments(application.id);
        if (documents.length) {
          await services.audit.record('document.viewed', {
            accountId: application.accountId, ip: ctx.ip, detail: { staffId: staff.id, applicationId: application.id, documents: documents.length },
          });
        }
      }
    }
    return detail(ctx, application, queue, locals, status);
  }

  async function detail(ctx: Context, application: ApplicationRow, queue: QueueView, locals: PageLocals = {}, status = 200): Promise<void> {
    const { t, lang } = pageOf<StaffTextKey>(ctx);
    const staff = staffOf(ctx);
    const form = (application.form ?? {}) as ApplicationForm;
    const display = (field: ApplicationField) => fieldValue(services, { t, lang }, field, form[field]);
    const groups = FIELD_GROUPS
      .map((group) => ({ title: t(group.title), fields: group.fields.map((field) => ({ field, label: fieldLabel(t, field), value: display(field) })) }))
      .filter((group) => application.purpose === 'account' || group.fields.some((f) => f.value));
    const [documents, history, names, views, duplicates] = await Promise.all([
      applications.listDocuments(application.id), applications.history(application.id), staffNames(),
      applications.viewsSince(application.id, staff.id, new Date(Date.now() - OPEN_MINUTES * 60_000)), duplicateHints(services, application),
    ]);
    const nameOf = (id: string | null) => (id && names.get(id)) || t('staff.actor.staff');
    const awaiting = AWAITING_REVIEW.includes(application.status);
    const pending = awaiting && application.pendingBy ? application : undefined;
    const change = awaiting && !pending && application.purpose === 'account' && application.kind === 'change' ? await candidatesFor(ctx, form) : undefined;
    const account = application.accountId ? await services.accounts.findById(application.accountId) : null;
    const pendingAccount = pending?.pendingAccountId ? await services.accounts.findById(pending.pendingAccountId) : null;
    // G5: a student number another account holds cannot be approved; say so before staff try.
    const holders = awaiting && application.purpose === 'enrollment' && form.student_number
      ? await enrollmentHolders(services, { university: form.university ?? '', student_number: form.student_number }, application.accountId)
      : [];
    const queueQuery = queueParams(queue);
    const reasonsIn = (list: 'rejectionReasons' | 'resubmissionReasons') => standardReasons(services.config, list).map((r) => ({ id: r.id, text: r[lang] }));
    page(ctx, 'application', {
      enrollmentConflict: holders.length ? t('staff.detail.enrollment_conflict', { accounts: holders.map((h) => `${displayNameOf(h)} ${h.email ?? h.id}`).join(', ') }) : undefined,
      title: t('staff.detail.title'),
      application,
      groups,
      documentType: display('document_type'),
      documents: documents.map((document, index) => ({ ...document, caption: documentCaption(document, index, lang) })),
      history: history.map((event) => {
        const action = `staff.action.${event.action}`;
        return {
          when: shownTime(ctx, event.occurredAt),
          who: event.actorType === 'staff' ? nameOf(event.actorId) : t(`staff.actor.${event.actorType}`),
          what: isStaffTextKey(action) ? t(action) : event.action,
          comment: event.comment,
        };
      }),
      decidedBy: application.decidedBy ? names.get(application.decidedBy) ?? application.decidedBy : '',
      awaiting,
      candidates: change?.candidates,
      accountQuery: change?.accountQuery ?? '',
      account: account ? accountSummary(account) : undefined,
      version: String(versionOf(application)),
      queueQuery,
      backHref: withQuery('/admin/applications', queueQuery),
      // Only while a decision is open: afterwards who looked at it no longer matters.
      openBy: (awaiting ? views : []).map((v) => t('review.open.entry', { who: nameOf(v.staffId), when: shownTime(ctx, v.viewedAt) })),
      duplicates: duplicates.map((hint) => ({
        href: hint.kind === 'application' ? `/admin/applications/${hint.id}` : `/admin/accounts/${hint.id}`,
        label: hint.kind === 'application'
          ? t('review.duplicates.application', {
            name: (hint.row as ApplicationRow).form?.name_kanji ?? '', email: (hint.row as ApplicationRow).email,
            status: t(`staff.status.${(hint.row as ApplicationRow).status}`), when: shownTime(ctx, (hint.row as ApplicationRow).submittedAt),
          })
          : t('review.duplicates.account', { name: displayNameOf(hint.row as AccountRow), email: (hint.row as AccountRow).email ?? '' }),
        matches: hint.matches.map((m) => t(`review.duplicates.match.${m}`)).join('・'),
      })),
      rejectionReasons: reasonsIn('rejectionReasons'),
      resubmissionReasons: reasonsIn('resubmissionReasons'),
      fourEyes: Boolean(services.config.graduates?.review?.fourEyes) && application.purpose === 'account' && application.kind === 'change',
      pending: pending ? {
        by: nameOf(pending.pendingBy ?? null), at: shownTime(ctx, pending.pendingAt), account: pendingAccount ? accountSummary(pendingAccount) : undefined,
        mine: pending.pendingBy === staff.id,
      } : undefined,
      ...locals,
    }, status);
  }

  /** 承認's confirmation step: what is about to happen, and 承認する (confirm=yes) or back. */
  async function confirmApproval(ctx: Context, application: ApplicationRow, queue: QueueView, input: { accountId: string | null; version?: string }): Promise<void> {
    const { t } = pageOf<StaffTextKey>(ctx);
    const form = (application.form ?? {}) as ApplicationForm;
    const accountId = application.pendingAccountId ?? input.accountId;
    const account = accountId ? await services.accounts.findById(accountId) : null;
    const note = application.purpose === 'enrollment' ? 'staff.decision.approve_note_enrollment'
      : application.purpose === 'personal' ? 'staff.decision.approve_note_personal'
        : application.kind === 'change' ? (application.pendingBy || !services.config.graduates?.review?.fourEyes ? 'review.confirm.note_change' : 'review.confirm.note_four_eyes')
          : 'staff.decision.approve_note_new';
    page(ctx, 'approve-confirm', {
      title: t('review.confirm.title'),
      application,
      applicant: form.name_kanji ?? '',
      account: account ? accountSummary(account) : undefined,
      note: t(note),
      accountId: input.accountId ?? '',
      version: input.version ?? String(versionOf(application)),
      queueQuery: queueParams(queue),
    });
  }

  /** The answer to a decision: what happened, whether the mail is on its way, and on to the next application. */
  function decisionDone(ctx: Context, application: ApplicationRow, queue: QueueView, done: StaffTextKey, result: DecisionResult): void {
    const { t } = pageOf<StaffTextKey>(ctx);
    const paragraphs = result.pending
      ? [t('review.four_eyes.recorded')]
      : [t(done), result.mailQueued ? t('staff.result.mail_queued') : t('staff.result.mail_failed')];
    if (!result.pending && !result.mailQueued && result.accountId && application.purpose === 'account') paragraphs.push(t('staff.result.mail_failed_reissue'));
    const queueQuery = queueParams({ ...queue, page: 1 });
    const links = [
      { href: withQuery('/admin/applications/next', new URLSearchParams([['after', application.id], ...new URLSearchParams(queueQuery)]).toString()), label: t('review.next.link') },
      { href: withQuery('/admin/applications', queueQuery), label: t('staff.result.back_to_queue') },
      { href: withQuery(`/admin/applications/${application.id}`, queueQuery), label: t('staff.result.back_to_application') },
    ];
    if (result.accountId && !result.pending) links.push({ href: `/admin/accounts/${result.accountId}`, label: t('staff.result.open_account') });
    message(ctx, { title: t('staff.decision.title'), paragraphs, links, tone: result.pending || result.mailQueued ? 'info' : 'error' });
  }

  /** A decision that could not be made: back on the application, with the reason (and who decided what meanwhile) on top. */
  async function decisionFailed(ctx: Context, application: ApplicationRow, queue: QueueView, error: unknown, locals: PageLocals = {}): Promise<void> {
    const { t } = pageOf<StaffTextKey>(ctx);
    if (error instanceof ApplicationStateError || (error instanceof ReviewError && error.problem === 'changed')) {
      const fresh = (await applications.findById(application.id)) ?? application;
      const last = (await applications.history(application.id)).filter((e) => e.action !== 'created').at(-1);
      const names = await staffNames();
      const action = `staff.action.${last?.action ?? ''}`;
      const changedBy = last ? t('review.changed_by', {
        when: shownTime(ctx, last.occurredAt),
        who: last.actorType === 'staff' ? (last.actorId && names.get(last.actorId)) || t('staff.actor.staff') : t(`staff.actor.${last.actorType}`),
        what: isStaffTextKey(action) ? t(action) : last.action,
      }) : '';
      return detail(ctx, fresh, queue, { problem: t('staff.error.already_decided'), changedBy, ...locals }, 409);
    }
    if (!(error instanceof ReviewError)) throw error;
    const field = error.problem === 'comment_required' ? t('review.reasons.required_field') : '';
    return detail(ctx, application, queue, { problem: t(`staff.error.${error.problem}`, { field }), ...locals }, error.problem === 'not_found' ? 404 : 422);
  }

  return { view, detail, confirmApproval, decisionDone, decisionFailed };
}
