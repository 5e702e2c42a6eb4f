import type { Context } from 'koa';
import type { ApplicationField, ApplicationForm } from '../../applications/fields.js';
import { enrollmentHolders } from '../../applications/enrollments.js';
import { AWAITING_REVIEW } from '../../applications/state-machine.js';
import { ApplicationStateError } from '../../applications/store.js';
import type { ApplicationRow } from '../../db/entities.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import { displayNameOf, searchAccounts, studentNumbersOf } from '../account-search.js';
import { ReviewError } from '../actions.js';
import { fieldLabel, fieldValue } from '../application-fields.js';
import { message, page, shownTime, type StaffFlowDeps } from '../kit.js';
import { isStaffTextKey, type StaffTextKey } from '../texts.js';
import type { DecisionResult } from './service.js';

// The application page (views/staff/application.pug) and the answers to a decision.

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

export function applicationScreens({ services, store }: Pick<StaffFlowDeps, 'services' | 'store'>) {
  const { applications } = services;

  /** A 変更 application awaiting review: the graduate accounts staff may move the address to (searched, never guessed). */
  async function candidatesFor(ctx: Context, form: ApplicationForm) {
    const accountQuery = typeof ctx.query.account_q === 'string' ? ctx.query.account_q.slice(0, 200) : (form.name_kanji ?? '');
    const found = accountQuery ? await searchAccounts(services, accountQuery, { userType: 'graduate', limit: 20 }) : [];
    return { accountQuery, candidates: found.map((a) => ({ id: a.id, name: displayNameOf(a), email: a.email ?? '', studentNumbers: studentNumbersOf(a) })) };
  }

  async function detail(ctx: Context, application: ApplicationRow, locals: PageLocals = {}, status = 200): Promise<void> {
    const { t, lang } = pageOf<StaffTextKey>(ctx);
    const form = (application.form ?? {}) as ApplicationForm;
    const display = (field: ApplicationField) => fieldValue(services, { t, lang }, field, form[field]);
    const groups = FIELD_GROUPS
      .map((group) => ({ title: t(group.title), fields: group.fields.map((field) => ({ field, label: fieldLabel(t, field), value: display(field) })) }))
      .filter((group) => application.purpose === 'account' || group.fields.some((f) => f.value));
    const [documents, history, staffList] = await Promise.all([
      applications.listDocuments(application.id), applications.history(application.id), store.list(),
    ]);
    const staffNames = new Map(staffList.map((s) => [s.id, `${s.displayName} (${s.loginId})`]));
    const awaiting = AWAITING_REVIEW.includes(application.status);
    const change = awaiting && application.purpose === 'account' && application.kind === 'change' ? await candidatesFor(ctx, form) : undefined;
    const account = application.accountId ? await services.accounts.findById(application.accountId) : null;
    // G5: a student number another account holds cannot be approved; say so before staff try.
    const holders = awaiting && application.purpose === 'enrollment' && form.student_number
      ? await enrollmentHolders(services, { university: form.university ?? '', student_number: form.student_number }, application.accountId)
      : [];
    page(ctx, 'application', {
      enrollmentConflict: holders.length ? t('staff.detail.enrollment_conflict', { accounts: holders.map((h) => `${displayNameOf(h)} ${h.email ?? h.id}`).join(', ') }) : undefined,
      title: t('staff.detail.title'),
      application,
      groups,
      documentType: display('document_type'),
      documents,
      history: history.map((event) => {
        const action = `staff.action.${event.action}`;
        return {
          when: shownTime(ctx, event.occurredAt),
          who: event.actorType === 'staff' ? (event.actorId && staffNames.get(event.actorId)) || t('staff.actor.staff') : t(`staff.actor.${event.actorType}`),
          what: isStaffTextKey(action) ? t(action) : event.action,
          comment: event.comment,
        };
      }),
      decidedBy: application.decidedBy ? staffNames.get(application.decidedBy) ?? application.decidedBy : '',
      awaiting,
      candidates: change?.candidates,
      accountQuery: change?.accountQuery ?? '',
      account: account ? { id: account.id, name: displayNameOf(account), email: account.email ?? '' } : undefined,
      ...locals,
    }, status);
  }

  /** The answer to a decision: what happened, and whether the mail is on its way. */
  function decisionDone(ctx: Context, application: ApplicationRow, done: StaffTextKey, result: DecisionResult): void {
    const { t } = pageOf<StaffTextKey>(ctx);
    const paragraphs = [t(done), result.mailQueued ? t('staff.result.mail_queued') : t('staff.result.mail_failed')];
    if (!result.mailQueued && result.accountId && application.purpose === 'account') paragraphs.push(t('staff.result.mail_failed_reissue'));
    const links = [
      { href: '/admin/applications', label: t('staff.result.back_to_queue') },
      { href: `/admin/applications/${application.id}`, label: t('staff.result.back_to_application') },
    ];
    if (result.accountId) links.push({ href: `/admin/accounts/${result.accountId}`, label: t('staff.result.open_account') });
    message(ctx, { title: t('staff.decision.title'), paragraphs, links, tone: result.mailQueued ? 'info' : 'error' });
  }

  /** A decision that could not be made: back on the application, with the reason on top. */
  async function decisionFailed(ctx: Context, application: ApplicationRow, error: unknown, locals: PageLocals = {}): Promise<void> {
    const { t } = pageOf<StaffTextKey>(ctx);
    if (error instanceof ApplicationStateError) {
      const fresh = (await applications.findById(application.id)) ?? application;
      return detail(ctx, fresh, { problem: t('staff.error.already_decided'), ...locals }, 409);
    }
    if (!(error instanceof ReviewError)) throw error;
    const field = error.problem === 'comment_required' ? t('staff.decision.reject_reason') : '';
    return detail(ctx, application, { problem: t(`staff.error.${error.problem}`, { field }), ...locals }, error.problem === 'not_found' ? 404 : 422);
  }

  return { detail, decisionDone, decisionFailed };
}
