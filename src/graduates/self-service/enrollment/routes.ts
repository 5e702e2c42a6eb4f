import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AccountRow, ApplicationRow } from '../../../db/entities.js';
import { formPost } from '../../../web/form-body.js';
import { addError, type FieldErrors } from '../../../web/forms.js';
import type { WebDeps } from '../../../web/interaction.js';
import { pageOf, render, renderMessage } from '../../../web/render.js';
import { activeCatalogue } from '../../../applications/catalogue.js';
import { SELF_SERVICE_PATHS } from '../../../applications/paths.js';
import { applicationSections } from '../../../applications/view.js';
import { formOf, savedFormSummary } from '../../applicant.js';
import { applicantCookie, postedKey, renderMailedUrlLanding, renderUnopenedUrl } from '../../mailed-url.js';
import { csrfErrors, graduateOf, menuLink, signedInGraduate } from '../graduate-only.js';
import { enrollmentForm } from './forms.js';
import { checkEnrollmentKey, currentEnrollment, openEnrollment, requestEnrollment, saveEnrollmentForm, submitEnrollment } from './service.js';
import type { EnrollmentTextKey } from './texts.js';

const ENROL = '/account/enrollments';

/** What the form's pages find in ctx.state: the application of the cookie and its graduate's account. */
interface EnrollmentState { application: ApplicationRow; account: AccountRow }
const enrollmentOf = (ctx: Context) => ctx.state as EnrollmentState;

/**
 * G5 学籍番号追加登録 (manual 002 §2.3): 送信 on the account menu's session → the mailed URL → the
 * enrolment form → 確認 → 申請. The form's pages need the URL's cookie, not the session.
 */
export function enrollmentRoutes(deps: WebDeps): Router {
  const { services } = deps;
  const router = new Router();
  const graduates = services.config.graduates;
  if (!graduates) return router;
  const cookie = applicantCookie('cert_idp.enrollment', ENROL, services.config.issuer.startsWith('https://'));
  const form = enrollmentForm(graduates);
  const graduate = signedInGraduate(deps);

  // 送信: a mail with the URL to the account's address.
  const startPage = (ctx: Context, errors?: FieldErrors, status = 200) =>
    render(ctx, 'graduates/self-service/enrollment-start', { title: pageOf<EnrollmentTextKey>(ctx).t('enrol.title'), errors }, status);
  router.get(SELF_SERVICE_PATHS.enrollmentNew, graduate, (ctx) => startPage(ctx));
  router.post(SELF_SERVICE_PATHS.enrollmentNew, graduate, formPost({ onCsrfRejected: (ctx) => startPage(ctx, csrfErrors(ctx), 403) }), async (ctx) => {
    const { t, lang } = pageOf<EnrollmentTextKey>(ctx);
    const result = await requestEnrollment(services, { account: graduateOf(ctx), lang, ip: ctx.ip });
    if (result.kind === 'limited') return startPage(ctx, addError({}, 'request', t('enrol.limited')), 429);
    renderMessage(ctx, { title: t('enrol.requested_title'), paragraphs: t.list('enrol.requested'), link: menuLink(ctx) });
  });

  // The mailed URL (G5's, or the staff's resubmission request): GET and HEAD only show the landing page;
  // its button uses the key up and puts a longer-lived one into a cookie for this folder, in this browser.
  const retry = (ctx: Context) => ({ href: SELF_SERVICE_PATHS.enrollmentNew, label: pageOf<EnrollmentTextKey>(ctx).t('enrol.title') });
  const landing = (ctx: Context, application: ApplicationRow, key: string, errors?: FieldErrors) => {
    const { t } = pageOf<EnrollmentTextKey>(ctx);
    renderMailedUrlLanding(ctx, {
      title: t('enrol.title'), address: application.email, key, errors, action: SELF_SERVICE_PATHS.enrollmentContinue, button: t('enrol.landing.continue'),
      paragraphs: [application.status === 'resubmission_requested' ? t('enrol.landing.resubmission') : t('enrol.landing.lead')],
    }, errors ? 403 : 200);
  };
  router.get(SELF_SERVICE_PATHS.enrollmentContinue, async (ctx) => {
    const checked = await checkEnrollmentKey(services, ctx.query.key);
    if (checked.kind !== 'ok') return renderUnopenedUrl(ctx, checked.kind, retry(ctx));
    landing(ctx, checked.application, String(ctx.query.key));
  });
  /** A post without a valid CSRF token: the landing page again, if the key still works. */
  const landingAgain = async (ctx: Context) => {
    const checked = await checkEnrollmentKey(services, postedKey(ctx));
    if (checked.kind !== 'ok') return renderUnopenedUrl(ctx, checked.kind, retry(ctx));
    landing(ctx, checked.application, String(postedKey(ctx)), csrfErrors(ctx));
  };
  router.post(SELF_SERVICE_PATHS.enrollmentContinue, formPost({ onCsrfRejected: landingAgain }), async (ctx) => {
    const opened = await openEnrollment(services, postedKey(ctx));
    if (opened.kind !== 'ok') return renderUnopenedUrl(ctx, opened.kind, retry(ctx));
    cookie.keep(ctx, opened.key);
    ctx.redirect(`${ENROL}/form`);
  });

  /** The application of the cookie set by the mailed URL (the key proves the account's address), or why not. */
  const applicant: Middleware = async (ctx, next) => {
    const { t } = pageOf<EnrollmentTextKey>(ctx);
    const current = await currentEnrollment(services, cookie.read(ctx));
    switch (current.kind) {
      case 'expired': return renderMessage(ctx, { title: t('enrol.title'), paragraphs: [t('enrol.expired')], link: { href: SELF_SERVICE_PATHS.enrollmentNew, label: t('enrol.title') }, status: 410, tone: 'error' });
      case 'closed': return renderMessage(ctx, { title: t('enrol.done_title'), paragraphs: [t('enrol.closed')], link: menuLink(ctx) });
      case 'none': return renderMessage(ctx, { title: t('enrol.title'), paragraphs: [t('enrol.no_access')], status: 400, tone: 'error' });
    }
    Object.assign(enrollmentOf(ctx), { application: current.application, account: current.account });
    await next();
  };
  const formSaved: Middleware = (ctx, next) => (enrollmentOf(ctx).application.form ? next() : ctx.redirect(`${ENROL}/form`));

  const formPage = async (ctx: Context, extra: { values?: Record<string, string>; errors?: FieldErrors } = {}, status = 200) => {
    const { t } = pageOf<EnrollmentTextKey>(ctx);
    const { application } = enrollmentOf(ctx);
    render(ctx, 'graduates/self-service/form', {
      title: t('enrol.form_title'), action: `${ENROL}/form`, lead: t('enrol.form_lead'), notes: t.list('enrol.form_notes'),
      sections: applicationSections(t, form.fields, await activeCatalogue(services.database)),
      values: extra.values ?? { ...(application.form ?? {}) }, errors: extra.errors,
      staffComment: application.status === 'resubmission_requested' ? application.staffComment : undefined,
    }, status);
  };
  const alreadyLinked = (ctx: Context, values?: Record<string, string>) =>
    formPage(ctx, { values, errors: addError({}, 'student_number', pageOf<EnrollmentTextKey>(ctx).t('enrol.already_linked')) }, 400);

  router.get(`${ENROL}/form`, applicant, (ctx) => formPage(ctx));
  const typedBack = (ctx: Context) => formPage(ctx, { values: form.validate(ctx.request.body as Record<string, unknown>, pageOf<EnrollmentTextKey>(ctx).t).input, errors: csrfErrors(ctx) }, 403);
  router.post(`${ENROL}/form`, applicant, formPost({ onCsrfRejected: typedBack }), async (ctx) => {
    const { t } = pageOf<EnrollmentTextKey>(ctx);
    const { application, account } = enrollmentOf(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const { result, input } = form.validate(body, t, await activeCatalogue(services.database));
    // 選択 of the 大学名/学部名 selects without JavaScript: the same page with the next list.
    if (body.action === 'catalogue') return formPage(ctx, { values: input });
    if (!result.ok) return formPage(ctx, { values: input, errors: result.errors }, 400);
    const saved = await saveEnrollmentForm(services, application, account, formOf(form.fields, input));
    if (saved.kind === 'unknown_catalogue') {
      return formPage(ctx, { values: input, errors: addError({}, 'catalogue_id', t('field.choose', { field: t('apply.department') })) }, 400);
    }
    if (saved.kind === 'already_linked') return alreadyLinked(ctx, input);
    ctx.redirect(`${ENROL}/confirm`);
  });

  router.get(`${ENROL}/confirm`, applicant, formSaved, async (ctx) => {
    const { t } = pageOf<EnrollmentTextKey>(ctx);
    render(ctx, 'graduates/self-service/confirm', {
      title: t('enrol.confirm_title'), lead: t('apply.confirm.lead'),
      summary: savedFormSummary(t, form.fields, await activeCatalogue(services.database), enrollmentOf(ctx).application.form ?? {}),
      action: `${ENROL}/confirm`, submitLabel: t('enrol.submit'), editHref: `${ENROL}/form`,
    });
  });
  router.post(`${ENROL}/confirm`, applicant, formSaved, formPost({ onCsrfRejected: (ctx) => formPage(ctx, { errors: csrfErrors(ctx) }, 403) }), async (ctx) => {
    const { t } = pageOf<EnrollmentTextKey>(ctx);
    const { application, account } = enrollmentOf(ctx);
    const recheck = form.validate(application.form!, t, await activeCatalogue(services.database));
    if (!recheck.result.ok) return formPage(ctx, { values: recheck.input, errors: recheck.result.errors }, 400);
    const submitted = await submitEnrollment(services, application, account, ctx.ip);
    if (submitted.kind === 'already_linked') return alreadyLinked(ctx);
    cookie.clear(ctx);
    renderMessage(ctx, { title: t('enrol.done_title'), paragraphs: t.list('enrol.done'), link: menuLink(ctx) });
  });

  return router;
}
