import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { ApplicationKind, ApplicationPurpose, ApplicationRow, ApplicationStatus, AuditEventRow, StaffRole, StaffUserRow } from '../db/entities.js';
import { AWAITING_REVIEW, type ApplicationField, type ApplicationForm } from '../graduates/application-rules.js';
import { ApplicationStateError, ApplicationStore } from '../graduates/application-store.js';
import { enrollmentHolders } from '../graduates/self-service.js';
import { logger } from '../logger.js';
import { verifyCsrf } from '../web/csrf.js';
import { addError, type FieldErrors } from '../web/forms.js';
import type { WebDeps } from '../web/interaction.js';
import { render, type PageLocals, type PageState } from '../web/render.js';
import { displayNameOf, searchAccounts } from './accounts.js';
import { confirmEnrolment, createStaffUser, enrolmentOf, staffPasswordLogin, staffPasswordPolicy, staffTotpLogin } from './auth.js';
import { addCatalogueEntry, CatalogueEntryExistsError, listCatalogue, seedCatalogue, setCatalogueEntryActive } from './catalogue.js';
import { formatDateTime } from './format.js';
import { approveForm, catalogueForm, rejectForm, resubmitForm, staffCreateForm, staffLoginForm, totpForm } from './forms.js';
import { isStaffKey, staffTranslator, type StaffMessageKey, type StaffTranslate } from './i18n.js';
import {
  approveApplication, generateInitialPassword, reissueInitialPassword, rejectApplication, requestResubmission, ReviewError, setAccountLocked,
  type DecisionResult, type StaffActor,
} from './review.js';
import { StaffStore, type StaffSessionView } from './staff-store.js';

// The staff console at /admin (DESIGN §2.3): its own sign-in (password + TOTP), its own session
// cookie (HttpOnly, SameSite=Strict, path /admin), role checks, and no page ever cached.

const COOKIE = 'cert_idp.staff';
const PAGE_SIZE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES: ApplicationStatus[] = ['submitted', 'resubmitted', 'resubmission_requested', 'approved', 'rejected'];

const formBody = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' });

interface StaffPageState extends Omit<PageState, 't'> {
  t: StaffTranslate;
  staff?: StaffUserRow;
}

function state(ctx: Context): StaffPageState {
  return ctx.state as StaffPageState;
}

/** The form's groups as the graduate manual orders them (002 §2.1 steps 9–14). */
const FIELD_GROUPS: Array<{ title: StaffMessageKey; fields: ApplicationField[] }> = [
  { title: 'staff.detail.group.applicant', fields: ['kind', 'name_kanji', 'name_kana', 'name_romaji', 'gender', 'birth_date', 'last_enrolled_month'] },
  {
    title: 'staff.detail.group.enrolled',
    fields: ['enrolled_name_kanji', 'enrolled_name_kana', 'enrolled_name_romaji', 'university', 'faculty', 'department', 'faculty_text', 'student_number', 'graduated_month', 'leaving_type'],
  },
  { title: 'staff.detail.group.home', fields: ['home_postal_code', 'home_prefecture', 'home_city', 'home_street', 'home_building', 'home_phone', 'mobile_phone'] },
  { title: 'staff.detail.group.work', fields: ['work_name', 'work_postal_code', 'work_prefecture', 'work_city', 'work_street', 'work_building', 'work_phone'] },
];

const DOCUMENT_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif']);

export function staffRoutes({ services }: WebDeps): Router {
  const { config } = services;
  const secure = config.issuer.startsWith('https://');
  const store = new StaffStore(services.database);
  const applications = new ApplicationStore(services.database);
  const router = new Router({ prefix: '/admin' });

  // Every staff response: the console's texts, and never cached (a shared computer, a proxy).
  router.use(async (ctx, next) => {
    state(ctx).t = staffTranslator(state(ctx).lang);
    ctx.set('Cache-Control', 'no-store');
    await next();
    ctx.set('Cache-Control', 'no-store');
  });

  // Cookies and redirects -------------------------------------------------------------------------------

  const cookieOptions = { signed: true, httpOnly: true, sameSite: 'strict' as const, secure, path: '/admin', overwrite: true };
  const setSession = (ctx: Context, value: string) => ctx.cookies.set(COOKIE, value, cookieOptions);
  const clearSession = (ctx: Context) => ctx.cookies.set(COOKIE, null, cookieOptions);

  const redirect = (ctx: Context, to: string) => {
    ctx.redirect(to);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') ctx.status = 303;
  };

  async function currentSession(ctx: Context): Promise<{ view: StaffSessionView; value: string } | undefined> {
    const value = ctx.cookies.get(COOKIE, { signed: true });
    const view = await store.findSession(value);
    return view && value ? { view, value } : undefined;
  }

  const actorOf = (ctx: Context): StaffActor => ({ id: state(ctx).staff!.id, ip: ctx.ip });

  // Pages --------------------------------------------------------------------------------------------------

  const page = (ctx: Context, view: string, locals: PageLocals = {}, status = 200) => {
    const staff = state(ctx).staff;
    render(ctx, `staff/${view}`, {
      staff, isAdministrator: staff?.role === 'administrator', formatDateTime, ...locals,
    }, status);
  };

  const message = (ctx: Context, options: { title: string; paragraphs: string[]; links?: Array<{ href: string; label: string }>; status?: number; tone?: 'info' | 'error'; extra?: PageLocals }) => {
    page(ctx, 'message', { title: options.title, paragraphs: options.paragraphs, links: options.links ?? [], tone: options.tone ?? 'info', ...options.extra }, options.status ?? 200);
  };

  const forbidden = (ctx: Context) => {
    const { t } = state(ctx);
    message(ctx, { title: t('error.title'), paragraphs: [t('staff.forbidden')], status: 403, tone: 'error', links: [{ href: '/admin/applications', label: t('staff.result.back_to_queue') }] });
  };

  const notFound = (ctx: Context) => {
    const { t } = state(ctx);
    message(ctx, { title: t('error.title'), paragraphs: [t('staff.not_found')], status: 404, tone: 'error', links: [{ href: '/admin/applications', label: t('staff.result.back_to_queue') }] });
  };

  /**
   * Only a fully signed-in staff user (password and TOTP) gets past this; a password-only session is
   * sent back to its TOTP step, anyone else to the login. `role` narrows it to administrators.
   */
  const requireStaff = (role?: StaffRole): Middleware => async (ctx: Context, next: Next) => {
    const current = await currentSession(ctx);
    if (!current) return redirect(ctx, '/admin/login');
    if (!current.view.session.totpVerified) return redirect(ctx, current.view.staff.totpEnabled ? '/admin/totp' : '/admin/enrol');
    state(ctx).staff = current.view.staff;
    if (role === 'administrator' && current.view.staff.role !== 'administrator') return forbidden(ctx);
    await next();
  };

  /** The steps after the password: only a session that has not passed the TOTP step yet. */
  async function pendingSession(ctx: Context): Promise<{ view: StaffSessionView; value: string } | undefined> {
    const current = await currentSession(ctx);
    if (!current) {
      redirect(ctx, '/admin/login');
      return undefined;
    }
    if (current.view.session.totpVerified) {
      redirect(ctx, '/admin/applications');
      return undefined;
    }
    return current;
  }

  // Sign-in ------------------------------------------------------------------------------------------------

  const loginPage = (ctx: Context, locals: PageLocals = {}, status = 200) => page(ctx, 'login', { title: state(ctx).t('staff.login.title'), ...locals }, status);

  router.get('/login', async (ctx) => {
    const current = await currentSession(ctx);
    if (current?.view.session.totpVerified) return redirect(ctx, '/admin/applications');
    loginPage(ctx);
  });

  router.post('/login', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const { t } = state(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const values = { login_id: typeof body.login_id === 'string' ? body.login_id : '' };
    const form = staffLoginForm(body, t);
    if (!form.ok) return loginPage(ctx, { errors: form.errors, values }, 400);
    const result = await staffPasswordLogin(services, { loginId: form.value.login_id, password: form.value.password, ip: ctx.ip });
    if (result.kind !== 'ok') return loginPage(ctx, { failed: true, values }, 401);
    await store.destroySession(ctx.cookies.get(COOKIE, { signed: true }));
    setSession(ctx, result.sessionValue);
    redirect(ctx, result.next === 'totp' ? '/admin/totp' : '/admin/enrol');
  });

  const totpPage = (ctx: Context, locals: PageLocals = {}, status = 200) => page(ctx, 'totp', { title: state(ctx).t('staff.totp.title'), ...locals }, status);

  router.get('/totp', async (ctx) => {
    const current = await pendingSession(ctx);
    if (!current) return;
    if (!current.view.staff.totpEnabled) return redirect(ctx, '/admin/enrol');
    totpPage(ctx);
  });

  router.post('/totp', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const current = await pendingSession(ctx);
    if (!current) return;
    if (!current.view.staff.totpEnabled) return redirect(ctx, '/admin/enrol');
    const form = totpForm(ctx.request.body, state(ctx).t);
    if (!form.ok) return totpPage(ctx, { errors: form.errors }, 400);
    const result = await staffTotpLogin(services, { view: current.view, sessionValue: current.value, code: form.value.code, ip: ctx.ip });
    if (result.kind !== 'ok') return totpPage(ctx, { failed: true }, 401);
    setSession(ctx, result.sessionValue);
    redirect(ctx, '/admin/applications');
  });

  const enrolPage = async (ctx: Context, view: StaffSessionView, locals: PageLocals = {}, status = 200) => {
    const enrolment = await enrolmentOf(services, view.staff);
    page(ctx, 'enrol', { title: state(ctx).t('staff.enrol.title'), qr: enrolment.qr, secret: enrolment.groupedSecret, uri: enrolment.uri, ...locals }, status);
  };

  router.get('/enrol', async (ctx) => {
    const current = await pendingSession(ctx);
    if (!current) return;
    if (current.view.staff.totpEnabled) return redirect(ctx, '/admin/totp');
    await enrolPage(ctx, current.view);
  });

  router.post('/enrol', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const current = await pendingSession(ctx);
    if (!current) return;
    if (current.view.staff.totpEnabled) return redirect(ctx, '/admin/totp');
    const form = totpForm(ctx.request.body, state(ctx).t);
    if (!form.ok) return enrolPage(ctx, current.view, { errors: form.errors }, 400);
    const result = await confirmEnrolment(services, { view: current.view, sessionValue: current.value, code: form.value.code, ip: ctx.ip });
    if (result.kind !== 'ok') {
      const fresh = await store.findById(current.view.staff.id);
      return enrolPage(ctx, { ...current.view, staff: fresh ?? current.view.staff }, { failed: true }, 401);
    }
    setSession(ctx, result.sessionValue);
    redirect(ctx, '/admin/applications');
  });

  router.post('/logout', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const current = await currentSession(ctx);
    if (current) {
      await store.destroySession(current.value);
      await services.audit.record('staff.logout', { ip: ctx.ip, detail: { staffId: current.view.staff.id } });
    }
    clearSession(ctx);
    const { t } = state(ctx);
    message(ctx, { title: t('staff.nav.logout'), paragraphs: [t('staff.logout.done')], links: [{ href: '/admin/login', label: t('staff.login.title') }] });
  });

  // The queue ------------------------------------------------------------------------------------------------

  router.get('/', requireStaff(), (ctx) => redirect(ctx, '/admin/applications'));

  router.get('/applications', requireStaff(), async (ctx) => {
    const { t } = state(ctx);
    const q = ctx.query;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const status = text(q.status) || 'awaiting';
    const statuses = status === 'awaiting' ? AWAITING_REVIEW : STATUSES.includes(status as ApplicationStatus) ? [status as ApplicationStatus] : undefined;
    const purpose = ['account', 'enrollment', 'personal'].includes(text(q.purpose)) ? (text(q.purpose) as ApplicationPurpose) : undefined;
    const kind = ['new', 'change'].includes(text(q.kind)) ? (text(q.kind) as ApplicationKind) : undefined;
    const search = text(q.q).slice(0, 200);
    const pageNumber = Math.max(1, Math.min(1000, Number.parseInt(text(q.page), 10) || 1));
    const rows = await applications.queue({
      statuses, purpose, kind, search: search || undefined,
      limit: search ? 200 : PAGE_SIZE, offset: search ? 0 : (pageNumber - 1) * PAGE_SIZE,
    });
    const link = (n: number) => {
      const params = new URLSearchParams({ status, ...(purpose ? { purpose } : {}), ...(kind ? { kind } : {}), page: String(n) });
      return `/admin/applications?${params.toString()}`;
    };
    page(ctx, 'queue', {
      title: t('staff.queue.title'),
      filter: { status, purpose: purpose ?? '', kind: kind ?? '', q: search },
      statuses: STATUSES,
      rows: rows.map((row) => ({ row, form: (row.form ?? {}) as ApplicationForm })),
      prev: !search && pageNumber > 1 ? link(pageNumber - 1) : undefined,
      next: !search && rows.length === PAGE_SIZE ? link(pageNumber + 1) : undefined,
    });
  });

  // The application ----------------------------------------------------------------------------------------

  async function loadApplication(ctx: Context): Promise<ApplicationRow | undefined> {
    const id = ctx.params.id;
    if (typeof id !== 'string' || !UUID.test(id)) return undefined;
    const row = await applications.findById(id);
    return row && row.status !== 'draft' ? row : undefined;
  }

  /** A form value as staff read it: the choice's label instead of its code. */
  function fieldValue(t: StaffTranslate, lang: 'ja' | 'en', field: ApplicationField, value: string | undefined): string {
    if (!value) return '';
    if (field === 'document_type') {
      const type = config.graduates?.documentTypes.find((d) => d.id === value);
      return type ? type[lang] : value;
    }
    const key = field === 'kind' ? `staff.kind.${value}` : field === 'gender' ? `staff.gender.${value}` : field === 'leaving_type' ? `staff.leaving.${value}` : '';
    return key && isStaffKey(key) ? t(key) : value;
  }

  async function detailPage(ctx: Context, application: ApplicationRow, locals: PageLocals = {}, status = 200) {
    const { t, lang } = state(ctx);
    const form = (application.form ?? {}) as ApplicationForm;
    const display = (field: ApplicationField) => fieldValue(t, lang, field, form[field]);
    const groups = FIELD_GROUPS
      .map((group) => ({ title: t(group.title), fields: group.fields.map((field) => ({ field, label: t(`staff.field.${field}` as StaffMessageKey), value: display(field) })) }))
      .filter((group) => application.purpose === 'account' || group.fields.some((f) => f.value));
    const [documents, history, staffList] = await Promise.all([
      applications.listDocuments(application.id), applications.history(application.id), store.list(),
    ]);
    const staffNames = new Map(staffList.map((s) => [s.id, `${s.displayName} (${s.loginId})`]));
    const awaiting = AWAITING_REVIEW.includes(application.status);
    let candidates: Array<{ id: string; name: string; email: string; studentNumbers: string }> | undefined;
    let accountQuery = '';
    if (awaiting && application.purpose === 'account' && application.kind === 'change') {
      accountQuery = typeof ctx.query.account_q === 'string' ? ctx.query.account_q.slice(0, 200) : (form.name_kanji ?? '');
      const found = accountQuery ? await searchAccounts(services, accountQuery, { userType: 'graduate', limit: 20 }) : [];
      candidates = found.map((a) => ({
        id: a.id, name: displayNameOf(a), email: a.email ?? '', studentNumbers: (a.profile?.enrollments ?? []).map((e) => e.student_number).filter(Boolean).join(', '),
      }));
    }
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
      history: history.map((event) => ({
        when: formatDateTime(event.occurredAt),
        who: event.actorType === 'staff' ? (event.actorId && staffNames.get(event.actorId)) || t('staff.actor.staff') : t(`staff.actor.${event.actorType}`),
        what: isStaffKey(`staff.action.${event.action}`) ? t(`staff.action.${event.action}` as StaffMessageKey) : event.action,
        comment: event.comment,
      })),
      decidedBy: application.decidedBy ? staffNames.get(application.decidedBy) ?? application.decidedBy : '',
      awaiting,
      candidates,
      accountQuery,
      account: account ? { id: account.id, name: displayNameOf(account), email: account.email ?? '' } : undefined,
      ...locals,
    }, status);
  }

  router.get('/applications/:id', requireStaff(), async (ctx) => {
    const application = await loadApplication(ctx);
    if (!application) return notFound(ctx);
    await detailPage(ctx, application);
  });

  /** The identity document images: decrypted for TOTP-verified staff only, never cached, each view audited. */
  router.get('/applications/:id/documents/:docId', requireStaff(), async (ctx) => {
    const application = await loadApplication(ctx);
    const docId = ctx.params.docId;
    if (!application || typeof docId !== 'string' || !UUID.test(docId)) return notFound(ctx);
    const document = await applications.findDocument(application.id, docId);
    if (!document) return notFound(ctx);
    const data = services.vault.decrypt(Buffer.isBuffer(document.data) ? document.data : Buffer.from(document.data));
    await services.audit.record('document.viewed', {
      accountId: application.accountId, ip: ctx.ip, detail: { staffId: state(ctx).staff!.id, applicationId: application.id, documentId: document.id },
    });
    ctx.status = 200;
    ctx.type = DOCUMENT_TYPES.has(document.contentType) ? document.contentType : 'application/octet-stream';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Disposition', `inline; filename="document-${document.position + 1}"`);
    ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox");
    ctx.body = data;
  });

  /** The answer to a decision: what happened, and whether the mail is on its way. */
  function decisionDone(ctx: Context, application: ApplicationRow, done: StaffMessageKey, result: DecisionResult) {
    const { t } = state(ctx);
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
  async function decisionFailed(ctx: Context, application: ApplicationRow, error: unknown, locals: PageLocals = {}) {
    const { t } = state(ctx);
    if (error instanceof ApplicationStateError) {
      const fresh = (await applications.findById(application.id)) ?? application;
      return detailPage(ctx, fresh, { problem: t('staff.error.already_decided'), ...locals }, 409);
    }
    if (error instanceof ReviewError) {
      const key = `staff.error.${error.problem}` as StaffMessageKey;
      const field = error.problem === 'comment_required' ? t('staff.decision.reject_reason') : '';
      return detailPage(ctx, application, { problem: t(key, { field }), ...locals }, error.problem === 'not_found' ? 404 : 422);
    }
    throw error;
  }

  router.post('/applications/:id/approve', formBody, requireStaff(), async (ctx) => {
    verifyCsrf(ctx);
    const application = await loadApplication(ctx);
    if (!application) return notFound(ctx);
    const form = approveForm(ctx.request.body, state(ctx).t);
    if (!form.ok) return detailPage(ctx, application, { errors: form.errors }, 400);
    try {
      const result = await approveApplication(services, actorOf(ctx), { applicationId: application.id, accountId: form.value.account_id ?? null });
      decisionDone(ctx, application, 'staff.result.approved', result);
    } catch (error) {
      await decisionFailed(ctx, application, error);
    }
  });

  router.post('/applications/:id/reject', formBody, requireStaff(), async (ctx) => {
    verifyCsrf(ctx);
    const application = await loadApplication(ctx);
    if (!application) return notFound(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const form = rejectForm(body, state(ctx).t);
    if (!form.ok) return detailPage(ctx, application, { errors: form.errors, values: { reason: body.reason } }, 400);
    try {
      const result = await rejectApplication(services, actorOf(ctx), { applicationId: application.id, reason: form.value.reason });
      decisionDone(ctx, application, 'staff.result.rejected', result);
    } catch (error) {
      await decisionFailed(ctx, application, error, { values: { reason: form.value.reason } });
    }
  });

  router.post('/applications/:id/resubmission', formBody, requireStaff(), async (ctx) => {
    verifyCsrf(ctx);
    const application = await loadApplication(ctx);
    if (!application) return notFound(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const form = resubmitForm(body, state(ctx).t);
    if (!form.ok) return detailPage(ctx, application, { errors: form.errors, values: { comment: body.comment } }, 400);
    try {
      const result = await requestResubmission(services, actorOf(ctx), { applicationId: application.id, comment: form.value.comment });
      decisionDone(ctx, application, 'staff.result.resubmission', result);
    } catch (error) {
      await decisionFailed(ctx, application, error, { values: { comment: form.value.comment } });
    }
  });

  // Accounts -------------------------------------------------------------------------------------------------

  router.get('/accounts', requireStaff(), async (ctx) => {
    const { t } = state(ctx);
    const query = typeof ctx.query.q === 'string' ? ctx.query.q.slice(0, 200) : '';
    const found = query ? await searchAccounts(services, query) : [];
    page(ctx, 'accounts', {
      title: t('staff.accounts.title'),
      query,
      searched: Boolean(query),
      accounts: found.map((account) => ({ account, name: displayNameOf(account), studentNumbers: (account.profile?.enrollments ?? []).map((e) => e.student_number).filter(Boolean).join(', ') })),
    });
  });

  async function accountPage(ctx: Context, accountId: string, locals: PageLocals = {}, status = 200) {
    const { t } = state(ctx);
    const account = UUID.test(accountId) ? await services.accounts.findById(accountId) : null;
    if (!account) return notFound(ctx);
    const linked = await services.database.dataSource.getRepository(services.database.entities.Application).find({
      where: { accountId: account.id }, order: { createdAt: 'DESC' }, take: 50,
    });
    const expired = Boolean(account.passwordIsInitial && account.passwordExpiresAt && account.passwordExpiresAt.getTime() <= Date.now());
    page(ctx, 'account', {
      title: t('staff.account.title'),
      account,
      name: displayNameOf(account),
      enrollments: account.profile?.enrollments ?? [],
      personal: Object.entries(account.personal ?? {}).map(([field, value]) => ({
        label: isStaffKey(`staff.field.${field}`) ? t(`staff.field.${field}` as StaffMessageKey) : field,
        value: fieldValue(t, state(ctx).lang, field as ApplicationField, value),
      })),
      initialState: account.passwordIsInitial
        ? t(expired ? 'staff.account.initial_expired' : 'staff.account.initial_pending', { date: formatDateTime(account.passwordExpiresAt) })
        : '',
      canReissue: account.userType === 'graduate' && Boolean(account.passwordIsInitial),
      applications: linked,
      ...locals,
    }, status);
  }

  router.get('/accounts/:id', requireStaff(), async (ctx) => accountPage(ctx, String(ctx.params.id)));

  const accountAction = (action: (ctx: Context, accountId: string) => Promise<string>): Middleware => async (ctx: Context) => {
    verifyCsrf(ctx);
    const accountId = String(ctx.params.id);
    if (!UUID.test(accountId)) return notFound(ctx);
    try {
      const done = await action(ctx, accountId);
      await accountPage(ctx, accountId, { notice: done });
    } catch (error) {
      if (!(error instanceof ReviewError)) throw error;
      await accountPage(ctx, accountId, { problem: state(ctx).t(`staff.error.${error.problem}` as StaffMessageKey) }, error.problem === 'not_found' ? 404 : 422);
    }
  };

  router.post('/accounts/:id/lock', formBody, requireStaff(), accountAction(async (ctx, accountId) => {
    await setAccountLocked(services, actorOf(ctx), { accountId, locked: true });
    return state(ctx).t('staff.account.locked_done');
  }));

  router.post('/accounts/:id/unlock', formBody, requireStaff(), accountAction(async (ctx, accountId) => {
    await setAccountLocked(services, actorOf(ctx), { accountId, locked: false });
    return state(ctx).t('staff.account.unlocked_done');
  }));

  router.post('/accounts/:id/initial-password', formBody, requireStaff(), accountAction(async (ctx, accountId) => {
    const { t } = state(ctx);
    const result = await reissueInitialPassword(services, actorOf(ctx), { accountId });
    return result.mailQueued ? t('staff.account.reissued', { date: formatDateTime(result.expiresAt) }) : t('staff.account.reissued_mail_failed');
  }));

  // Catalogue (administrators) -----------------------------------------------------------------------------

  const cataloguePage = async (ctx: Context, locals: PageLocals = {}, status = 200) => {
    await seedCatalogue(services);
    page(ctx, 'catalogue', { title: state(ctx).t('staff.catalogue.title'), entries: await listCatalogue(services), ...locals }, status);
  };

  router.get('/catalogue', requireStaff('administrator'), (ctx) => cataloguePage(ctx));

  router.post('/catalogue', formBody, requireStaff('administrator'), async (ctx) => {
    verifyCsrf(ctx);
    const { t } = state(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const form = catalogueForm(body, t);
    if (!form.ok) return cataloguePage(ctx, { errors: form.errors, values: body }, 400);
    try {
      const entry = await addCatalogueEntry(services, form.value);
      await services.audit.record('catalogue.changed', { ip: ctx.ip, detail: { staffId: state(ctx).staff!.id, entryId: entry.id, action: 'added' } });
    } catch (error) {
      if (!(error instanceof CatalogueEntryExistsError)) throw error;
      return cataloguePage(ctx, { errors: addError({}, 'department', t('staff.catalogue.exists')), values: body }, 409);
    }
    redirect(ctx, '/admin/catalogue');
  });

  for (const [action, active] of [['deactivate', false], ['activate', true]] as const) {
    router.post(`/catalogue/:id/${action}`, formBody, requireStaff('administrator'), async (ctx) => {
      verifyCsrf(ctx);
      const id = String(ctx.params.id);
      const entry = UUID.test(id) ? await setCatalogueEntryActive(services, id, active) : undefined;
      if (!entry) return notFound(ctx);
      await services.audit.record('catalogue.changed', { ip: ctx.ip, detail: { staffId: state(ctx).staff!.id, entryId: id, action: active ? 'activated' : 'deactivated' } });
      redirect(ctx, '/admin/catalogue');
    });
  }

  // Audit log (administrators) ------------------------------------------------------------------------------

  router.get('/audit', requireStaff('administrator'), async (ctx) => {
    const { t } = state(ctx);
    const event = typeof ctx.query.event === 'string' && /^[a-z_.]{1,64}$/.test(ctx.query.event) ? ctx.query.event : '';
    const pageNumber = Math.max(1, Math.min(100_000, Number.parseInt(String(ctx.query.page ?? ''), 10) || 1));
    const rows: AuditEventRow[] = await services.database.dataSource.getRepository(services.database.entities.AuditEvent).find({
      where: event ? { event } : {},
      order: { occurredAt: 'DESC', id: 'DESC' },
      take: PAGE_SIZE + 1,
      skip: (pageNumber - 1) * PAGE_SIZE,
    });
    const link = (n: number) => `/admin/audit?${new URLSearchParams({ ...(event ? { event } : {}), page: String(n) }).toString()}`;
    const staffLogins = new Map((await store.list()).map((s) => [s.id, s.loginId]));
    const shown = (key: string, value: unknown) => ((key === 'staffId' || key === 'targetStaffId') && typeof value === 'string' && staffLogins.has(value)
      ? `${staffLogins.get(value)} (${value.slice(0, 8)})`
      : String(value));
    page(ctx, 'audit', {
      title: t('staff.audit.title'),
      event,
      entries: rows.slice(0, PAGE_SIZE).map((row) => ({
        ...row,
        when: formatDateTime(row.occurredAt),
        detailText: row.detail ? Object.entries(row.detail).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}=${shown(k, v)}`).join(' ') : '',
      })),
      prev: pageNumber > 1 ? link(pageNumber - 1) : undefined,
      next: rows.length > PAGE_SIZE ? link(pageNumber + 1) : undefined,
    });
  });

  // Staff management (administrators) ------------------------------------------------------------------------

  const staffPage = async (ctx: Context, locals: PageLocals = {}, status = 200) => {
    page(ctx, 'staff', { title: state(ctx).t('staff.staff.title'), members: await store.list(), ...locals }, status);
  };

  router.get('/staff', requireStaff('administrator'), (ctx) => staffPage(ctx));

  router.post('/staff', formBody, requireStaff('administrator'), async (ctx) => {
    verifyCsrf(ctx);
    const { t } = state(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const form = staffCreateForm(body, t);
    if (!form.ok) return staffPage(ctx, { errors: form.errors, values: body }, 400);
    const password = generateInitialPassword(staffPasswordPolicy(services), 16);
    const result = await createStaffUser(services, { ...form.value, loginId: form.value.login_id, displayName: form.value.display_name, password, createdBy: state(ctx).staff!.id });
    if (result.kind === 'exists') return staffPage(ctx, { errors: addError({}, 'login_id', t('staff.staff.exists')), values: body }, 409);
    if (result.kind === 'invalid') {
      const errors: FieldErrors = {};
      if (result.loginId) addError(errors, 'login_id', t('staff.staff.login_id_rule'));
      if (result.displayName) addError(errors, 'display_name', t('field.invalid', { field: t('staff.staff.display_name') }));
      if (result.role) addError(errors, 'role', t('field.invalid', { field: t('staff.staff.role') }));
      if (result.password.length) logger.error({ violations: result.password }, 'generated staff password refused by the policy');
      return staffPage(ctx, { errors, values: body }, 400);
    }
    await staffPage(ctx, { created: { loginId: result.staff.loginId, password } });
  });

  const staffAction = (action: 'disable' | 'enable' | 'reset-totp') => async (ctx: Context) => {
    verifyCsrf(ctx);
    const { t } = state(ctx);
    const id = String(ctx.params.id);
    const target = UUID.test(id) ? await store.findById(id) : null;
    if (!target) return notFound(ctx);
    if (target.id === state(ctx).staff!.id) return staffPage(ctx, { problem: t('staff.staff.self') }, 422);
    if (action === 'reset-totp') await store.resetTotp(target.id);
    else await store.setDisabled(target.id, action === 'disable');
    const event = action === 'reset-totp' ? 'staff.totp_reset' : action === 'disable' ? 'staff.disabled' : 'staff.enabled';
    await services.audit.record(event, { ip: ctx.ip, detail: { staffId: state(ctx).staff!.id, targetStaffId: target.id, loginId: target.loginId } });
    await staffPage(ctx, { notice: action === 'reset-totp' ? t('staff.staff.totp_reset_done', { login: target.loginId }) : t('staff.staff.updated', { login: target.loginId }) });
  };

  router.post('/staff/:id/disable', formBody, requireStaff('administrator'), staffAction('disable'));
  router.post('/staff/:id/enable', formBody, requireStaff('administrator'), staffAction('enable'));
  router.post('/staff/:id/reset-totp', formBody, requireStaff('administrator'), staffAction('reset-totp'));

  return router;
}
